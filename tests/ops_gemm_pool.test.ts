/**
 * Gemm and MatMul (ops/gemm.ts), the pools (ops/pool.ts) and BatchNormalization (ops/norm.ts)
 * against onnxruntime-node: batched and broadcast MatMul with 1-D operands, Gemm's transposes,
 * alpha/beta and C shapes at opsets 7 and 13, MaxPool/AveragePool with pads, strides, dilations,
 * ceil_mode, count_include_pad, auto_pad, 1-D and u8, the global pools, two threads, a property test
 * over random pooling windows, a WebGPU sample, and the refusals.
 */
import test from 'ava';
import fc from 'fast-check';
import { ThreadPool, acquireGpu, compile } from '../tessera.js';
import { attr, checkNode, compareResults, inputValues, nodeModel, runOrt, runTessera, type NodeCase, type NodeInput } from './helpers/onnx_node.js';
import { extractTasks } from '../model/tasks.js';
import { Schedule } from '../schedule/schedule.js';
import { requireGpu } from './helpers/environment.js';
const gpu = await requireGpu(import.meta.url);

const X = (shape: number[], o: Partial<NodeInput> = {}): NodeInput => ({ dtype: 'f32', shape, ...o });
const W = (shape: number[]): NodeInput => ({ dtype: 'f32', shape, initializer: true });
const k = (...v: number[]) => attr.ints(v);

let pool: ThreadPool;
test.before(async () => { pool = await ThreadPool.create(2); });
test.after.always(async () => { await pool?.close(); });

const CASES: [string, NodeCase][] = [
  ['MatMul 2-D with odd sizes', { op: 'MatMul', opset: 13, inputs: [X([5, 7]), X([7, 13])] }],
  ['MatMul batch broadcast', { op: 'MatMul', opset: 13, inputs: [X([2, 1, 5, 7]), X([3, 7, 13])] }],
  ['MatMul 1-D by batched', { op: 'MatMul', opset: 13, inputs: [X([7]), X([2, 7, 13])] }],
  ['MatMul batched by 1-D', { op: 'MatMul', opset: 13, inputs: [X([3, 4, 7]), X([7])] }],
  ['MatMul dot product', { op: 'MatMul', opset: 13, inputs: [X([9]), X([9])] }],
  ['MatMul int32', { op: 'MatMul', opset: 13, inputs: [{ dtype: 'i32', shape: [3, 5] }, { dtype: 'i32', shape: [5, 9] }] }],
  ['Gemm transB (a fully connected layer)', { op: 'Gemm', opset: 13, attrs: { transB: attr.int(1) }, inputs: [X([1, 130]), W([37, 130]), W([37])] }],
  ['Gemm transA, alpha, beta, C of one row', { op: 'Gemm', opset: 13, attrs: { transA: attr.int(1), alpha: attr.float(0.5), beta: attr.float(2) }, inputs: [X([6, 5]), X([6, 11]), X([1, 11])] }],
  ['Gemm opset 7 with a scalar-like C', { op: 'Gemm', opset: 7, inputs: [X([3, 5]), X([5, 4]), X([1])] }],
  ['Gemm opset 11 without C, K along rows of B', { op: 'Gemm', opset: 11, attrs: { transB: attr.int(1) }, inputs: [X([33, 17]), X([9, 17])] }],
  ['Gemm with C a column', { op: 'Gemm', opset: 13, attrs: { beta: attr.float(0.5) }, inputs: [X([4, 6]), X([6, 3]), X([4, 1])] }],
  ['MaxPool 3x3 stride 2', { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(3, 3), strides: k(2, 2) }, inputs: [X([1, 5, 13, 13])] }],
  ['MaxPool ceil_mode', { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(3, 3), strides: k(2, 2), ceil_mode: attr.int(1) }, inputs: [X([1, 5, 14, 15])] }],
  ['MaxPool pads (padding never wins)', { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(3, 3), strides: k(2, 2), pads: k(1, 1, 1, 1) }, inputs: [X([1, 5, 14, 15], { data: Array.from({ length: 1050 }, (_, i) => -1 - (i % 7)) })] }],
  ['MaxPool dilations', { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(2, 3), dilations: k(2, 1), pads: k(1, 1, 0, 1) }, inputs: [X([2, 3, 9, 10])] }],
  ['MaxPool with a window wholly in the padding (the lowest float, as onnxruntime)', { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(2, 2), dilations: k(2, 2), pads: k(1, 1, 1, 0) }, inputs: [X([1, 2, 1, 2])] }],
  ['MaxPool 1-D', { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(3), strides: k(2) }, inputs: [X([1, 3, 11])] }],
  ['MaxPool u8 with pads', { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(2, 2), pads: k(1, 1, 1, 1) }, inputs: [{ dtype: 'u8', shape: [1, 3, 8, 9], lo: 0, hi: 255 }] }],
  ['MaxPool opset 8 with storage_order 0', { op: 'MaxPool', opset: 8, attrs: { kernel_shape: k(2, 2), storage_order: attr.int(0) }, inputs: [X([1, 2, 6, 7])] }],
  ['AveragePool pads excluded from the count', { op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(3, 3), pads: k(1, 1, 1, 1) }, inputs: [X([1, 4, 9, 10])] }],
  ['AveragePool count_include_pad', { op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(3, 3), pads: k(1, 1, 1, 1), count_include_pad: attr.int(1) }, inputs: [X([1, 4, 9, 10])] }],
  ['AveragePool ceil_mode with count_include_pad', { op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(3, 3), strides: k(2, 2), ceil_mode: attr.int(1), count_include_pad: attr.int(1), pads: k(1, 0, 1, 0) }, inputs: [X([1, 4, 10, 10])] }],
  ['AveragePool ceil_mode', { op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(3, 3), strides: k(2, 2), ceil_mode: attr.int(1) }, inputs: [X([1, 4, 10, 10])] }],
  ['AveragePool dilations (opset 19)', { op: 'AveragePool', opset: 19, attrs: { kernel_shape: k(2, 2), dilations: k(2, 2), pads: k(1, 1, 1, 1) }, inputs: [X([1, 2, 7, 8])] }],
  ['AveragePool SAME_LOWER stride 2', { op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(2, 2), auto_pad: attr.string('SAME_LOWER'), strides: k(2, 2) }, inputs: [X([1, 2, 7, 8])] }],
  ['AveragePool opset 7, 3-D window', { op: 'AveragePool', opset: 7, attrs: { kernel_shape: k(2, 2, 2) }, inputs: [X([1, 2, 4, 5, 3])] }],
  ['GlobalAveragePool 13x13', { op: 'GlobalAveragePool', opset: 11, inputs: [X([1, 64, 13, 13])] }],
  ['GlobalMaxPool batch 2', { op: 'GlobalMaxPool', opset: 11, inputs: [X([2, 6, 7, 5])] }],
  ['GlobalAveragePool 1-D', { op: 'GlobalAveragePool', opset: 1, inputs: [X([1, 3, 5])] }],
  ['BatchNormalization opset 15', { op: 'BatchNormalization', opset: 15, attrs: { epsilon: attr.float(1e-3) }, inputs: [X([2, 5, 7, 9]), W([5]), W([5]), W([5]), { dtype: 'f32', shape: [5], initializer: true, data: [0.5, 0.6, 0.7, 0.8, 0.9] }] }],
  ['BatchNormalization opset 7 on 3-D input', { op: 'BatchNormalization', opset: 7, inputs: [X([2, 5, 3]), W([5]), W([5]), W([5]), { dtype: 'f32', shape: [5], initializer: true, data: [0.5, 0.6, 0.7, 0.8, 0.9] }] }],
];
for (const [name, c] of CASES) test(name, (t) => checkNode(t, c));

test('two threads: MatMul tiles, Gemm rows, pools', async (t) => {
  const o = { threads: 2, pool };
  await checkNode(t, { op: 'MatMul', opset: 13, inputs: [X([64, 100]), X([100, 300])] }, o);
  await checkNode(t, { op: 'Gemm', opset: 13, attrs: { transB: attr.int(1) }, inputs: [X([3, 512]), W([1000, 512]), W([1000])] }, o);
  await checkNode(t, { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(3, 3), strides: k(2, 2) }, inputs: [X([1, 64, 55, 55])] }, o);
  await checkNode(t, { op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(3, 3), pads: k(1, 1, 1, 1) }, inputs: [X([1, 32, 40, 41])] }, o);
});

/** The wasm-simd kernel of a one-node model, lowered. */
function lowered(c: NodeCase): string {
  const task = extractTasks(nodeModel(c)).tasks[0]!;
  return compile(task.workload.pipeline, Schedule.replay(task.workload.pipeline, task.baseline), { target: 'interp' }).loweredText;
}

test('planar pools: tiles of 2 rows x 8 outputs; an unpadded window in loops, a padded one unrolled; odd row counts match onnxruntime', async (t) => {
  const unpadded: NodeCase = { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(3, 3), strides: k(2, 2) }, inputs: [X([1, 3, 27, 27])] };
  const text = lowered(unpadded);
  t.regex(text, /for \(maxpool0\.yo, 0, 7\)/, '13 rows in 7 pairs, the last shifted inwards');
  t.regex(text, /allocate maxpool0_acc\[f32 \* 16\] in register/, 'two rows of 8 accumulators');
  t.regex(text, /for \(maxpool0_acc\.rx, 0, 3\)/, 'the window in loops');
  const padded = lowered({ ...unpadded, attrs: { ...unpadded.attrs, pads: k(1, 1, 1, 1) } });
  t.regex(padded, /allocate maxpool0_acc\[f32 \* 16\]/);
  t.notRegex(padded, /for \(maxpool0_acc\.r[xy]/, 'a padded window unrolled');
  await checkNode(t, unpadded);
  await checkNode(t, { op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(2, 2) }, inputs: [X([1, 3, 2, 9])] });
  await checkNode(t, { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(3, 3), strides: k(2, 2), pads: k(1, 1, 1, 1) }, inputs: [X([1, 4, 1, 17])] });
});

test('property: random pooling windows (kernel, stride, dilation, pads, ceil_mode, count_include_pad) match onnxruntime', async (t) => {
  const window = fc.record({
    max: fc.boolean(), h: fc.integer({ min: 1, max: 11 }), w: fc.integer({ min: 1, max: 11 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 2 }), p: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 4, maxLength: 4 }),
    ceil: fc.boolean(), include: fc.boolean(), seed: fc.integer(),
  }).filter((l) => l.h + l.p[0]! + l.p[2]! >= (l.kh - 1) * l.d + 1 && l.w + l.p[1]! + l.p[3]! >= (l.kw - 1) * l.d + 1 && l.p[0]! < l.kh && l.p[1]! < l.kw && l.p[2]! < l.kh && l.p[3]! < l.kw);
  await fc.assert(fc.asyncProperty(window, async (l) => {
    const attrs = { kernel_shape: k(l.kh, l.kw), strides: k(l.s, l.s), pads: attr.ints(l.p), ceil_mode: attr.int(l.ceil ? 1 : 0), ...(l.max ? { dilations: k(l.d, l.d) } : { count_include_pad: attr.int(l.include ? 1 : 0) }) };
    const c: NodeCase = { op: l.max ? 'MaxPool' : 'AveragePool', opset: l.max ? 12 : 11, attrs, seed: l.seed, inputs: [X([1, 2, l.h, l.w])] };
    const values = inputValues(c);
    const d = compareResults(await runTessera(c, {}, values), await runOrt(c, values));
    if (d) throw new Error(`${JSON.stringify(l)}: ${d}`);
  }), { numRuns: 12 });
  t.pass();
});

gpu.test.serial('on WebGPU: MatMul, Gemm, MaxPool (its -inf start), AveragePool with pads', async (t) => {
  const gpu = await acquireGpu();
  try {
    const o = { target: 'webgpu' as const, gpu };
    await checkNode(t, { op: 'MatMul', opset: 13, inputs: [X([2, 5, 7]), X([7, 9])] }, o);
    await checkNode(t, { op: 'Gemm', opset: 13, attrs: { transB: attr.int(1) }, inputs: [X([2, 33]), W([10, 33]), W([10])] }, o);
    await checkNode(t, { op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(3, 3), strides: k(2, 2), pads: k(1, 1, 1, 1) }, inputs: [X([1, 3, 9, 10])] }, o);
    await checkNode(t, { op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(3, 3), pads: k(1, 1, 1, 1) }, inputs: [X([1, 3, 7, 8])] }, o);
  } finally {
    gpu.destroy();
  }
});

test('refusals: MaxPool Indices, BatchNormalization training, shapes that do not multiply', async (t) => {
  await t.throwsAsync(runTessera({ op: 'MaxPool', opset: 12, attrs: { kernel_shape: k(2, 2) }, inputs: [X([1, 1, 4, 4])], outputs: 2 }), { message: 'node n0 (MaxPool, opset 12): output 1 (Indices) is not supported; only Y can be computed' });
  await t.throwsAsync(runTessera({ op: 'BatchNormalization', opset: 15, attrs: { training_mode: attr.int(1) }, inputs: [X([1, 2, 3]), W([2]), W([2]), W([2]), W([2])] }), { message: /training_mode = 1 is not supported \(inference only\)/ });
  await t.throwsAsync(runTessera({ op: 'MatMul', opset: 13, inputs: [X([3, 4]), X([5, 2])] }), { message: /A \[3, 4\] and B \[5, 2\] do not multiply: 4 columns against 5 rows/ });
  await t.throwsAsync(runTessera({ op: 'MaxPool', opset: 12, inputs: [X([1, 1, 4, 4])] }), { message: /attribute kernel_shape is required/ });
  await t.throwsAsync(runTessera({ op: 'AveragePool', opset: 11, attrs: { kernel_shape: k(2, 2), dilations: k(2, 2) }, inputs: [X([1, 1, 4, 4])] }), { message: /attribute dilations is not an attribute of AveragePool at opset 11/ });
});
