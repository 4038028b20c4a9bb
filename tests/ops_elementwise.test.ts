/**
 * The elementwise family (ops/elementwise.ts) against onnxruntime-node on one-node models: every
 * unary rule, the binary and variadic rules with numpy broadcasting (odd shapes, scalars), integer
 * division truncating, comparisons to bool, Where, PRelu, Clip in both of its forms, an epilogue
 * fused into its producer, two threads, folding on the host, a property test over random
 * broadcastable shapes, and a sample on WebGPU.
 */
import test from 'ava';
import fc from 'fast-check';
import { ThreadPool, acquireGpu, type GpuContext } from '../tessera.js';
import { attr, checkFold, checkNode, compareResults, runOrt, runTessera, inputValues, type NodeCase, type NodeInput } from './helpers/onnx_node.js';

const X = (shape: number[], o: Partial<NodeInput> = {}): NodeInput => ({ dtype: 'f32', shape, ...o });
const C = (dtype: NodeInput['dtype'], shape: number[], data: number[]): NodeInput => ({ dtype, shape, data, initializer: true });

let pool: ThreadPool;
test.before(async () => { pool = await ThreadPool.create(2); });
test.after.always(async () => { await pool?.close(); });

const UNARY: NodeCase[] = [
  { op: 'Relu', opset: 14, inputs: [X([3, 37])] },
  { op: 'Relu', opset: 14, inputs: [{ dtype: 'i32', shape: [29] }] },
  { op: 'LeakyRelu', opset: 16, attrs: { alpha: attr.float(0.2) }, inputs: [X([2, 3, 11])] },
  { op: 'LeakyRelu', opset: 7, inputs: [X([13])] },
  { op: 'Sigmoid', opset: 13, inputs: [X([5, 41], { range: 12 })] },
  { op: 'HardSigmoid', opset: 7, attrs: { alpha: attr.float(0.3), beta: attr.float(0.4) }, inputs: [X([43], { range: 4 })] },
  { op: 'HardSwish', opset: 14, inputs: [X([3, 19], { range: 5 })] },
  { op: 'Tanh', opset: 13, inputs: [X([67], { range: 6 })] },
  { op: 'Elu', opset: 7, attrs: { alpha: attr.float(0.7) }, inputs: [X([31], { range: 3 })] },
  { op: 'Selu', opset: 7, inputs: [X([31], { range: 3 })] },
  { op: 'Softplus', opset: 7, inputs: [X([31], { range: 3 })] },
  { op: 'Erf', opset: 13, inputs: [X([97], { range: 3 })] },
  { op: 'Exp', opset: 13, inputs: [X([2, 23], { range: 5 })] },
  { op: 'Log', opset: 13, inputs: [X([2, 23], { data: Array.from({ length: 46 }, (_, i) => 0.01 + i * 0.37) })] },
  { op: 'Sqrt', opset: 13, inputs: [X([17], { data: Array.from({ length: 17 }, (_, i) => i * 1.3) })] },
  { op: 'Reciprocal', opset: 13, inputs: [X([17], { data: Array.from({ length: 17 }, (_, i) => i - 8.5) })] },
  { op: 'Neg', opset: 13, inputs: [{ dtype: 'i64', shape: [9] }] },
  { op: 'Abs', opset: 13, inputs: [X([3, 5])] },
  { op: 'Floor', opset: 13, inputs: [X([21], { range: 4 })] },
  { op: 'Ceil', opset: 13, inputs: [X([21], { range: 4 })] },
  { op: 'Round', opset: 11, inputs: [X([8], { data: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51] })] },
  { op: 'Sign', opset: 13, inputs: [X([7], { data: [-3, -0.5, 0, 0.5, 2, -0, 1e-20] })] },
  { op: 'Not', opset: 7, inputs: [{ dtype: 'bool', shape: [2, 9] }] },
];

const BROADCAST: NodeCase[] = [
  { op: 'Add', opset: 14, inputs: [X([2, 3, 5, 7]), X([3, 1, 1])] },
  { op: 'Add', opset: 7, inputs: [X([1, 5]), X([4, 1])] },
  { op: 'Sub', opset: 14, inputs: [X([]), X([3, 4])] },
  { op: 'Mul', opset: 14, inputs: [X([5, 1, 3]), X([1, 6, 1])] },
  { op: 'Mul', opset: 14, inputs: [{ dtype: 'i32', shape: [4, 6] }, { dtype: 'i32', shape: [6] }] },
  { op: 'Div', opset: 14, inputs: [X([2, 9]), X([9], { data: [1, 2, 3, -4, 5, 0.5, 7, 8, -9] })] },
  { op: 'Div', opset: 14, inputs: [{ dtype: 'i64', shape: [12], data: [-7, 7, -7, 7, 0, 9, -9, 1, -1, 6, -6, 5] }, { dtype: 'i64', shape: [12], data: [2, 2, -2, -2, 3, 4, 4, 1, 1, -4, -4, 5] }] },
  { op: 'Pow', opset: 15, inputs: [X([3, 5], { data: Array.from({ length: 15 }, (_, i) => 0.2 + i * 0.3) }), X([5])] },
  { op: 'Pow', opset: 15, inputs: [X([6], { data: [-2, -1.5, 0, 1, 2, 3] }), C('i64', [], [2])] },
  { op: 'Equal', opset: 13, inputs: [{ dtype: 'i64', shape: [3, 4], lo: 0, hi: 3 }, { dtype: 'i64', shape: [4], lo: 0, hi: 3 }] },
  { op: 'Less', opset: 13, inputs: [X([4, 9]), X([9])] },
  { op: 'Greater', opset: 13, inputs: [X([4, 1]), X([1, 9])] },
  { op: 'LessOrEqual', opset: 16, inputs: [{ dtype: 'i32', shape: [11], lo: 0, hi: 3 }, { dtype: 'i32', shape: [11], lo: 0, hi: 3 }] },
  { op: 'GreaterOrEqual', opset: 16, inputs: [X([11], { data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }), X([], { data: [5] })] },
  { op: 'And', opset: 7, inputs: [{ dtype: 'bool', shape: [3, 4] }, { dtype: 'bool', shape: [4] }] },
  { op: 'Or', opset: 7, inputs: [{ dtype: 'bool', shape: [3, 4] }, { dtype: 'bool', shape: [3, 1] }] },
  { op: 'Xor', opset: 7, inputs: [{ dtype: 'bool', shape: [13] }, { dtype: 'bool', shape: [13] }] },
  { op: 'Max', opset: 13, inputs: [X([4, 1]), X([4, 5]), X([5])] },
  { op: 'Min', opset: 13, inputs: [X([2, 3])] },
  { op: 'Min', opset: 12, inputs: [{ dtype: 'i32', shape: [7] }, { dtype: 'i32', shape: [1] }] },
  { op: 'Sum', opset: 13, inputs: [X([3, 4]), X([4]), X([1])] },
  { op: 'Mean', opset: 13, inputs: [X([3, 4]), X([3, 4]), X([3, 1])] },
  { op: 'Where', opset: 16, inputs: [{ dtype: 'bool', shape: [4, 1] }, X([4, 5]), X([5])] },
  { op: 'Where', opset: 9, inputs: [{ dtype: 'bool', shape: [6] }, { dtype: 'i64', shape: [6] }, { dtype: 'i64', shape: [] }] },
  { op: 'PRelu', opset: 16, inputs: [X([2, 3, 4, 5]), X([3, 1, 1])] },
  { op: 'PRelu', opset: 7, inputs: [X([2, 7]), X([1])] },
  { op: 'Clip', opset: 7, attrs: { min: attr.float(-0.2), max: attr.float(0.3) }, inputs: [X([23])] },
  { op: 'Clip', opset: 7, attrs: { max: attr.float(0.1) }, inputs: [X([23])] },
  { op: 'Clip', opset: 13, inputs: [X([5, 9]), C('f32', [], [-0.5]), X([], { data: [0.25] })] },
  { op: 'Clip', opset: 13, inputs: [X([5, 9]), undefined, C('f32', [], [0.25])] },
  { op: 'Clip', opset: 13, inputs: [{ dtype: 'i32', shape: [21] }, C('i32', [], [-2]), C('i32', [], [3])] },
];

const title = (c: NodeCase, extra = '') => `${c.op}-${c.opset} ${JSON.stringify(c.inputs.map((x) => (x ? `${x.dtype}[${x.shape.join('x')}]` : '-')))} ${c.attrs ? Object.keys(c.attrs).join(',') : ''}${extra}`;

for (const c of [...UNARY, ...BROADCAST]) test(title(c), (t) => checkNode(t, c));

test('an elementwise chain fused as the epilogue: Add then Relu, Mul then Sigmoid', async (t) => {
  await checkNode(t, { op: 'Add', opset: 14, inputs: [X([1, 16, 13, 13]), X([16, 1, 1])], epilogue: { op: 'Relu' } });
  await checkNode(t, { op: 'Mul', opset: 14, inputs: [X([2, 45]), X([45])], epilogue: { op: 'Sigmoid' } });
});

test('two threads: a pointwise stage large enough to run in parallel', async (t) => {
  await checkNode(t, { op: 'Add', opset: 14, inputs: [X([1, 32, 41, 43]), X([32, 1, 1])], epilogue: { op: 'Clip', attrs: {} } }, { threads: 2, pool });
  await checkNode(t, { op: 'HardSwish', opset: 14, inputs: [X([3, 97, 61])] }, { threads: 2, pool });
});

test('folds on the host agree with onnxruntime (integer shape arithmetic, comparisons, Where)', async (t) => {
  const I = (data: number[], shape = [data.length]) => C('i64', shape, data);
  await checkFold(t, { op: 'Mul', opset: 13, inputs: [I([3, 4]), I([2], [])] });
  await checkFold(t, { op: 'Div', opset: 13, inputs: [I([-7, 7, 9]), I([2])] });
  await checkFold(t, { op: 'Sub', opset: 13, inputs: [I([224, 224]), I([1])] });
  await checkFold(t, { op: 'Equal', opset: 13, inputs: [I([3, 4, 5]), I([4])] });
  await checkFold(t, { op: 'Where', opset: 16, inputs: [C('bool', [3], [1, 0, 1]), I([3, 4, 5]), I([-1])] });
  await checkFold(t, { op: 'Sigmoid', opset: 13, inputs: [C('f32', [4], [-3, 0, 0.5, 9])] });
  await checkFold(t, { op: 'Clip', opset: 13, inputs: [C('f32', [4], [-3, 0, 0.5, 9]), C('f32', [], [0]), C('f32', [], [6])] });
});

test('property: random broadcastable shapes for Add, Mul, Max and Where match onnxruntime', async (t) => {
  const dims = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 0, maxLength: 4 });
  await fc.assert(fc.asyncProperty(dims, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('Add', 'Mul', 'Max', 'Where'), fc.integer(),
    async (out, mask, drop, op, seed) => {
      // Operand shapes: the output's, with some axes set to 1 and some leading axes dropped.
      const shapeOf = (k: number) => out.slice(Math.min(out.length, (seed >>> k) % (drop + 1))).map((d, i) => (mask[(i + k) % 8] ? 1 : d));
      const a = shapeOf(0), b = shapeOf(3);
      const c: NodeCase = op === 'Where'
        ? { op, opset: 16, seed, inputs: [{ dtype: 'bool', shape: shapeOf(5) }, X(a), X(b)] }
        : { op, opset: 14, seed, inputs: [X(a), X(b)] };
      const values = inputValues(c);
      const d = compareResults(await runTessera(c, {}, values), await runOrt(c, values));
      if (d) throw new Error(`${op} of [${a.join(', ')}] and [${b.join(', ')}]: ${d}`);
    }), { numRuns: 12 });
  t.pass();
});

test('refusals name what is wrong: shapes that do not broadcast, mixed dtypes, an unknown attribute', async (t) => {
  await t.throwsAsync(runTessera({ op: 'Add', opset: 14, inputs: [X([3, 4]), X([5])] }), { message: /n0 \(Add, opset 14\): input shapes \[3, 4\] and \[5\] do not broadcast \(dimension 1: 4 and 5\)/ });
  await t.throwsAsync(runTessera({ op: 'Add', opset: 14, inputs: [X([3]), { dtype: 'i32', shape: [3] }] }), { message: /inputs have different dtypes \(f32, i32\)/ });
  await t.throwsAsync(runTessera({ op: 'Relu', opset: 14, attrs: { alpha: attr.float(1) }, inputs: [X([3])] }), { message: /attribute alpha is not an attribute of Relu at opset 14; it has none/ });
  await t.throwsAsync(runTessera({ op: 'Sqrt', opset: 13, inputs: [{ dtype: 'i32', shape: [3] }] }), { message: /input 0 has dtype i32; Sqrt takes f32, f16, f64/ });
  await t.throwsAsync(runTessera({ op: 'Clip', opset: 13, inputs: [X([3]), X([2])] }), { message: /input 1 \(min\) must be a scalar, got shape \[2\]/ });
});

test.serial('on WebGPU: unary, broadcast binary, comparison, Where, a fused epilogue', async (t) => {
  const gpu: GpuContext = await acquireGpu();
  try {
    const o = { target: 'webgpu' as const, gpu };
    await checkNode(t, { op: 'Sigmoid', opset: 13, inputs: [X([3, 37], { range: 8 })] }, o);
    await checkNode(t, { op: 'Add', opset: 14, inputs: [X([2, 3, 5, 7]), X([3, 1, 1])] }, o);
    await checkNode(t, { op: 'Less', opset: 13, inputs: [X([4, 9]), X([9])] }, o);
    await checkNode(t, { op: 'Where', opset: 16, inputs: [{ dtype: 'bool', shape: [4, 1] }, X([4, 5]), X([5])] }, o);
    await checkNode(t, { op: 'Mul', opset: 14, inputs: [X([2, 45]), X([45])], epilogue: { op: 'Relu' } }, o);
  } finally {
    gpu.destroy();
  }
});
