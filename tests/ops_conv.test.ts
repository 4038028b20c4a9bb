/**
 * Conv and ConvTranspose (ops/conv.ts, ops/conv_algorithms.ts) against onnxruntime-node: each
 * algorithm of the table (pointwise 1x1 and its packed panel, channels along the lanes, depthwise, depthwise with channels along the lanes, rows, Winograd F(2x2,3x3), direct, generic for 1-D and 3-D), pads, strides,
 * dilations, groups, every auto_pad, odd channel counts and 1x1 spatial maps (tails), fused
 * epilogues (Relu, a residual Add, Clip), two threads, a property test over random layers, a WebGPU
 * sample, and the refusals.
 */
import test from 'ava';
import fc from 'fast-check';
import { ThreadPool, acquireGpu, compile } from '../tessera.js';
import { attr, checkNode, compareResults, inputValues, nodeModel, runOrt, runTessera, nodeContext, type NodeCase, type NodeInput, type Tolerance } from './helpers/onnx_node.js';
import { convLayer } from '../ops/conv.js';
import { chooseConvAlgorithm, convAlgorithms } from '../ops/conv_algorithms.js';
import { requireGpu } from './helpers/environment.js';
import { extractTasks } from '../model/tasks.js';
import { Schedule } from '../schedule/schedule.js';
const gpu = await requireGpu(import.meta.url);

const X = (shape: number[]): NodeInput => ({ dtype: 'f32', shape });
const W = (shape: number[]): NodeInput => ({ dtype: 'f32', shape, initializer: true });
const conv = (x: number[], w: number[], attrs: NodeCase['attrs'] = {}, bias = true, extra: Partial<NodeCase> = {}): NodeCase =>
  ({ op: 'Conv', opset: 11, attrs, inputs: [X(x), W(w), ...(bias ? [W([w[0]!])] : [])], ...extra });

let pool: ThreadPool;
test.before(async () => { pool = await ThreadPool.create(2); });
test.after.always(async () => { await pool?.close(); });

/**
 * F(4x4,3x3)'s transforms multiply by up to 8 and divide by 6 and 24 (Lavin & Gray §4.2), so its
 * outputs stray further from the direct sums' than F(2x2,3x3)'s: 1.4e-5 on outputs of order 1
 * in the 2-thread case. The tuner admits it per layer against the model tolerance (1e-4 x scale).
 */
const F4_TOLERANCE: Tolerance = { atol: 1e-4 };

const CASES: [string, NodeCase, Tolerance?][] = [
  ['pointwise 1x1 (GEMM over pixels), channels not a multiple of 4', conv([1, 5, 7, 13], [7, 5, 1, 1])],
  ['pointwise 1x1 on a 1x1 map, batch 2', conv([2, 9, 1, 1], [6, 9, 1, 1], {}, false)],
  ['rows 3x3 pad 1 with bias (width 11)', conv([1, 3, 9, 11], [6, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })],
  ['rows 3x3 dilated, grouped, no pads', conv([1, 6, 12, 13], [4, 3, 3, 2], { group: attr.int(2), dilations: attr.ints([2, 3]) })],
  ['direct 3x3 on a width of 16', conv([1, 3, 7, 16], [5, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })],
  ['channels 3x3 pad 1, 8 output channels along the lanes, width 12', conv([1, 3, 9, 12], [8, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })],
  ['channels stride 2, dilation 2, asymmetric pads, 12 output channels, width 11 (last tile shifted inwards)', conv([1, 5, 19, 24], [12, 5, 3, 3], { strides: attr.ints([2, 2]), dilations: attr.ints([2, 2]), pads: attr.ints([2, 0, 1, 1]) })],
  ['channels 1x3 kernel, no bias, 4 output channels', conv([1, 4, 6, 10], [4, 4, 1, 3], {}, false)],
  ['direct 3x3 stride 2 SAME_UPPER', conv([1, 4, 10, 9], [5, 4, 3, 3], { strides: attr.ints([2, 2]), auto_pad: attr.string('SAME_UPPER') })],
  ['direct 2x2 SAME_LOWER on a tiny map', conv([1, 3, 2, 3], [3, 3, 2, 2], { auto_pad: attr.string('SAME_LOWER') }, false)],
  ['direct VALID 5x5 stride 3', conv([1, 2, 17, 16], [3, 2, 5, 5], { auto_pad: attr.string('VALID'), strides: attr.ints([3, 3]) })],
  ['direct, 1x1 kernel with stride 2 and pads', conv([1, 6, 9, 9], [4, 6, 1, 1], { strides: attr.ints([2, 2]), pads: attr.ints([1, 0, 0, 1]) })],
  ['grouped, dilated, asymmetric pads', conv([1, 4, 8, 9], [6, 2, 3, 2], { group: attr.int(2), dilations: attr.ints([2, 1]), pads: attr.ints([2, 0, 1, 1]) }, false)],
  ['depthwise 3x3 pad 1', conv([1, 6, 12, 17], [6, 1, 3, 3], { group: attr.int(6), pads: attr.ints([1, 1, 1, 1]) })],
  ['depthwise stride 2 with channel multiplier 2', conv([1, 3, 11, 12], [6, 1, 3, 3], { group: attr.int(3), pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([2, 2]) })],
  ['depthwise on a map narrower than a vector (generic)', conv([1, 4, 5, 3], [4, 1, 3, 3], { group: attr.int(4), pads: attr.ints([1, 1, 1, 1]) })],
  ['depthwise-channels 3x3 pad 1, 12 channels along the lanes, 14 wide', conv([1, 12, 9, 14], [12, 1, 3, 3], { group: attr.int(12), pads: attr.ints([1, 1, 1, 1]) })],
  ['depthwise-channels stride 2, dilation 2, asymmetric pads, 7 wide (last tile shifted inwards)', conv([1, 8, 15, 15], [8, 1, 3, 3], { group: attr.int(8), strides: attr.ints([2, 2]), dilations: attr.ints([2, 2]), pads: attr.ints([2, 1, 1, 2]) })],
  ['winograd F(2x2,3x3) pad 1, odd map (a last tile half outside), bias', conv([1, 5, 9, 11], [6, 5, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { implementation: 'winograd' })],
  ['winograd without pads, asymmetric pads, batch 2, no bias', conv([2, 3, 8, 7], [5, 3, 3, 3], { pads: attr.ints([0, 2, 1, 0]) }, false, { implementation: 'winograd' })],
  ['winograd on a 1x2 output (one tile), 7 output channels (a partial channel tile)', conv([1, 4, 3, 4], [7, 4, 3, 3], {}, true, { implementation: 'winograd' })],
  ['winograd F(4x4,3x3) pad 1, odd map (last tiles partly outside), bias', conv([1, 5, 9, 11], [6, 5, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { implementation: 'winograd-4x4' }), F4_TOLERANCE],
  ['winograd F(4x4,3x3) without pads, asymmetric pads, batch 2, no bias', conv([2, 3, 10, 7], [5, 3, 3, 3], { pads: attr.ints([0, 2, 1, 0]) }, false, { implementation: 'winograd-4x4' }), F4_TOLERANCE],
  ['winograd F(4x4,3x3) on a 1x2 output (one tile), 7 output channels', conv([1, 4, 3, 4], [7, 4, 3, 3], {}, true, { implementation: 'winograd-4x4' }), F4_TOLERANCE],
  ['1-D convolution (generic)', conv([2, 3, 17], [4, 3, 3], { pads: attr.ints([1, 2]) })],
  ['3-D convolution (generic)', conv([1, 2, 4, 5, 6], [3, 2, 2, 3, 2], { strides: attr.ints([1, 2, 1]) })],
  ['kernel_shape given, equal to the weights', conv([1, 2, 6, 6], [2, 2, 3, 3], { kernel_shape: attr.ints([3, 3]) }, false, { opset: 7 })],
  ['ConvTranspose stride 2, pads, output_padding', { op: 'ConvTranspose', opset: 11, attrs: { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), output_padding: attr.ints([1, 1]) }, inputs: [X([1, 3, 5, 6]), W([3, 4, 3, 3]), W([4])] }],
  ['ConvTranspose SAME_UPPER', { op: 'ConvTranspose', opset: 11, attrs: { strides: attr.ints([2, 2]), auto_pad: attr.string('SAME_UPPER') }, inputs: [X([1, 2, 3, 3]), W([2, 2, 3, 3])] }],
  ['ConvTranspose output_shape', { op: 'ConvTranspose', opset: 11, attrs: { strides: attr.ints([3, 2]), output_shape: attr.ints([10, 8]) }, inputs: [X([1, 1, 3, 3]), W([1, 2, 3, 3])] }],
  ['ConvTranspose grouped and dilated', { op: 'ConvTranspose', opset: 11, attrs: { group: attr.int(2), dilations: attr.ints([2, 2]) }, inputs: [X([1, 4, 3, 3]), W([4, 1, 2, 2])] }],
  ['ConvTranspose 1-D', { op: 'ConvTranspose', opset: 11, attrs: { strides: attr.ints([2]) }, inputs: [X([1, 2, 5]), W([2, 3, 3]), W([3])] }],
];
for (const [name, c, tol] of CASES) test(name, (t) => checkNode(t, c, tol));

test('the algorithm table picks pointwise, im2col, channels, depthwise, rows, direct and generic by layer', (t) => {
  const pick = (c: NodeCase) => chooseConvAlgorithm(convLayer(nodeContext(c))).name;
  t.is(pick(conv([1, 5, 7, 13], [7, 5, 1, 1])), 'pointwise');
  t.is(pick(conv([1, 6, 12, 17], [6, 1, 3, 3], { group: attr.int(6) })), 'depthwise');
  t.is(pick(conv([1, 8, 14, 14], [8, 1, 3, 3], { group: attr.int(8), pads: attr.ints([1, 1, 1, 1]) })), 'depthwise-channels', '14 wide, channels a multiple of 4');
  t.is(pick(conv([1, 8, 40, 40], [8, 1, 3, 3], { group: attr.int(8), pads: attr.ints([1, 1, 1, 1]) })), 'depthwise', '40 wide: pixels along the lanes');
  t.is(pick(conv([1, 4, 9, 11], [6, 4, 3, 3])), 'rows');
  t.is(pick(conv([1, 4, 9, 12], [8, 4, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), 'channels');
  t.is(pick(conv([1, 3, 30, 224], [64, 3, 3, 3], { strides: attr.ints([2, 2]) })), 'im2col', 'SqueezeNet\'s first layer: 27 taps');
  t.is(pick(conv([1, 3, 9, 7], [8, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), 'channels', '7 wide: under a vector of pixels');
  t.is(pick(conv([1, 4, 30, 224], [64, 4, 3, 3], { strides: attr.ints([2, 2]) })), 'channels', '36 taps');
  t.is(pick(conv([1, 32, 13, 13], [64, 32, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), 'rows', '13 wide: 16 computed, over 15% more');
  t.is(pick(conv([1, 4, 9, 18], [6, 4, 3, 3], { pads: attr.ints([1, 0, 1, 0]) })), 'direct');
  t.is(pick(conv([1, 4, 9, 11], [6, 4, 3, 3], { strides: attr.ints([2, 2]) })), 'direct');
  t.is(pick(conv([2, 3, 17], [4, 3, 3])), 'generic');
  // Winograd applies to 3x3 stride-1 layers but is never the default, even where it is the only specific one.
  const all = (c: NodeCase) => convAlgorithms(convLayer(nodeContext(c))).map((a) => a.name);
  t.deepEqual(all(conv([1, 32, 13, 13], [64, 32, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), ['rows', 'winograd', 'winograd-4x4']);
  t.deepEqual(all(conv([1, 4, 9, 16], [6, 4, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), ['direct', 'winograd', 'winograd-4x4'], '16 wide, 6 channels: nothing specific but Winograd');
  t.deepEqual(all(conv([1, 3, 9, 16], [6, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), ['im2col', 'winograd', 'winograd-4x4'], '27 taps');
  t.deepEqual(all(conv([1, 8, 9, 16], [8, 8, 3, 3], { strides: attr.ints([2, 2]) })), ['channels'], 'stride 2');
  t.deepEqual(all(conv([1, 8, 9, 16], [8, 8, 3, 3], { dilations: attr.ints([2, 2]) })), ['channels', 'rows'], 'dilated');
  t.deepEqual(all(conv([1, 8, 9, 16], [8, 1, 3, 3], { group: attr.int(8) })), ['depthwise-channels', 'depthwise'], 'depthwise');
});

test('pointwise reads a dense C x 8 panel of pixels per strip: the sum over c loads consecutive vectors, not rows H*W apart', (t) => {
  const C = 24, K = 40;
  const { tasks } = extractTasks(nodeModel(conv([1, C, 13, 13], [K, C, 1, 1])));
  const task = tasks[0]!;
  const text = compile(task.workload.pipeline, Schedule.replay(task.workload.pipeline, task.baseline), { target: 'interp' }).loweredText;
  const strip = text.indexOf('for (conv0.po, 0, 21)');
  t.true(strip >= 0, 'strips of 8 of the 169 pixels outermost');
  t.regex(text.slice(strip), new RegExp(`^for \\(conv0\\.po, 0, 21\\) \\{\\s*allocate conv0_pixels\\[f32 \\* ${C * 8}\\] in stack`), 'the panel is allocated per strip');
  const reduction = text.slice(text.indexOf(`for (conv0_acc.rc, 0, ${C})`));
  t.regex(reduction, /conv0_pixels\[ramp\(conv0_acc\.rc \* 8/, 'the sum reads the panel at 8 floats per input channel');
  t.notRegex(reduction.slice(0, 400), /input_0\[/, 'and not the input');
});

test('pointwise: a tail of 2 pixels or more is a last strip shifted inwards, its sums vectors in registers; a 1-pixel tail stays lane by lane', async (t) => {
  const C = 8, K = 12;
  const lowered = (h: number, w: number) => {
    const { tasks } = extractTasks(nodeModel(conv([1, C, h, w], [K, C, 1, 1])));
    const task = tasks.find((x) => x.workload.key.includes('pointwise') || x.name?.includes('pointwise')) ?? tasks[0]!;
    return compile(task.workload.pipeline, Schedule.replay(task.workload.pipeline, task.baseline), { target: 'interp' }).loweredText;
  };
  // 14 x 14 = 196 = 24 x 8 + 4: 25 strips, the last at pixel 188.
  const shifted = lowered(14, 14);
  t.regex(shifted, /for \(conv0\.po, 0, 25\)/, '25 strips of 8 pixels');
  t.regex(shifted, /min\(conv0\.po \* 8, 188\)/, 'the last one starts at 188');
  t.notRegex(shifted, /allocate conv0_acc\[f32 \* \d+\] in stack/, 'no strip sums in memory');
  await checkNode(t, conv([1, C, 14, 14], [K, C, 1, 1]));
  await checkNode(t, conv([1, C, 5, 6], [K, C, 1, 1]));
  // 13 x 13 = 169 = 21 x 8 + 1: a guarded 1-pixel tail.
  t.regex(lowered(13, 13), /for \(conv0\.po, 0, 21\)/);
  await checkNode(t, conv([1, C, 13, 13], [K, C, 1, 1]));
});

test('depthwise: a row tail of 2 pixels or more is a last strip shifted inwards, its sums vectors in registers', async (t) => {
  // 20 wide (stride 2 from 40) = 2 x 8 + 4; 28 wide (from 56, as MobileNetV2's) = 3 x 8 + 4.
  for (const [w, s] of [[40, 2], [56, 2]] as const) {
    const c = conv([1, 8, 12, w], [8, 1, 3, 3], { group: attr.int(8), pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([s, s]) });
    const { tasks } = extractTasks(nodeModel(c));
    const task = tasks[0]!;
    const text = compile(task.workload.pipeline, Schedule.replay(task.workload.pipeline, task.baseline), { target: 'interp' }).loweredText;
    t.notRegex(text, /allocate conv0_acc\[f32 \* \d+\] in stack/, `${w} wide, stride ${s}: no strip sums in memory`);
    await checkNode(t, c);
  }
});

test('fused epilogues: Relu after a 3x3, a residual Add after a 1x1, Clip after a strided depthwise', async (t) => {
  await checkNode(t, conv([1, 8, 13, 14], [9, 8, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { epilogue: { op: 'Relu' } }));
  await checkNode(t, conv([1, 8, 13, 13], [9, 8, 1, 1], {}, true, { epilogue: { op: 'Add', inputs: [X([1, 9, 13, 13])] } }));
  await checkNode(t, conv([1, 8, 20, 21], [8, 1, 3, 3], { group: attr.int(8), pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([2, 2]) }, true, { opset: 13, epilogue: { op: 'Clip', inputs: [X([]), X([])] } }));
});

test('im2col: the first layers of image networks (27 taps), strided, padded, dilated, 1 input channel 5x5, channels not a multiple of 4, against onnxruntime', async (t) => {
  const cases: NodeCase[] = [
    conv([1, 3, 23, 40], [16, 3, 3, 3], { strides: attr.ints([2, 2]) }, true, { epilogue: { op: 'Relu' } }),
    conv([1, 3, 20, 33], [10, 3, 3, 3], { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }),
    conv([1, 3, 17, 21], [6, 3, 3, 3], { dilations: attr.ints([2, 2]), pads: attr.ints([2, 1, 0, 2]) }, false),
    conv([2, 1, 14, 19], [5, 1, 5, 5], { pads: attr.ints([2, 2, 2, 2]) }),
    conv([1, 2, 9, 8], [3, 2, 2, 3], { strides: attr.ints([1, 2]), pads: attr.ints([0, 1, 1, 9]) }),
  ];
  for (const c of cases) {
    t.is(chooseConvAlgorithm(convLayer(nodeContext(c))).name, 'im2col', JSON.stringify(c.inputs[1]!.shape));
    await checkNode(t, c);
  }
  await checkNode(t, conv([1, 3, 64, 66], [24, 3, 3, 3], { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }, true, { epilogue: { op: 'Relu' } }), { threads: 2, pool });
});

test('two threads: every 2-D algorithm on layers large enough to run in parallel', async (t) => {
  const o = { threads: 2, pool };
  await checkNode(t, conv([1, 16, 30, 31], [18, 16, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { epilogue: { op: 'Relu' } }), o);
  await checkNode(t, conv([1, 16, 30, 31], [18, 16, 1, 1]), o);
  await checkNode(t, conv([1, 16, 30, 32], [24, 16, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { epilogue: { op: 'Relu' } }), o);
  // 'channels' with weights larger than the input copy: threads on channel tiles, not rows.
  await checkNode(t, conv([1, 64, 6, 8], [64, 64, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }), o);
  await checkNode(t, conv([1, 16, 60, 61], [16, 1, 3, 3], { group: attr.int(16), pads: attr.ints([1, 1, 1, 1]) }), o);
  await checkNode(t, conv([1, 256, 14, 14], [256, 1, 3, 3], { group: attr.int(256), pads: attr.ints([1, 1, 1, 1]) }), o);
  await checkNode(t, conv([1, 16, 27, 27], [24, 16, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { implementation: 'winograd', epilogue: { op: 'Relu' } }), o);
  await checkNode(t, conv([1, 16, 27, 27], [24, 16, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { implementation: 'winograd-4x4', epilogue: { op: 'Relu' } }), { ...o, ...F4_TOLERANCE });
});

test('property: random 2-D layers (channels, kernel, stride, dilation, pads, group) match onnxruntime', async (t) => {
  const layer = fc.record({
    groups: fc.integer({ min: 1, max: 3 }), cin: fc.integer({ min: 1, max: 3 }), cout: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 1, max: 12 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 2 }), d: fc.integer({ min: 1, max: 2 }), p: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }), bias: fc.boolean(), seed: fc.integer(),
  }).filter((l) => l.h + l.p[0]! + l.p[2]! >= (l.kh - 1) * l.d + 1 && l.w + l.p[1]! + l.p[3]! >= (l.kw - 1) * l.d + 1);
  await fc.assert(fc.asyncProperty(layer, async (l) => {
    const C = l.groups * l.cin, M = l.groups * l.cout;
    const c = conv([1, C, l.h, l.w], [M, l.cin, l.kh, l.kw], { group: attr.int(l.groups), strides: attr.ints([l.s, l.s]), dilations: attr.ints([l.d, l.d]), pads: attr.ints(l.p) }, l.bias, { seed: l.seed });
    const values = inputValues(c);
    const d = compareResults(await runTessera(c, {}, values), await runOrt(c, values));
    if (d) throw new Error(`${JSON.stringify(l)}: ${d}`);
  }), { numRuns: 10 });
  t.pass();
});

gpu.test.serial('on WebGPU: pointwise, direct with stride and pads, depthwise, im2col, ConvTranspose, a fused Relu', async (t) => {
  const gpu = await acquireGpu();
  try {
    const o = { target: 'webgpu' as const, gpu };
    await checkNode(t, conv([1, 5, 7, 9], [6, 5, 1, 1]), o);
    await checkNode(t, conv([1, 3, 9, 10], [4, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([2, 2]) }, true, { epilogue: { op: 'Relu' } }), o);
    await checkNode(t, conv([1, 4, 9, 9], [4, 1, 3, 3], { group: attr.int(4), pads: attr.ints([1, 1, 1, 1]) }), o);
    await checkNode(t, conv([1, 3, 9, 20], [6, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([1, 2]) }, true, { epilogue: { op: 'Relu' } }), o);
    await checkNode(t, { op: 'ConvTranspose', opset: 11, attrs: { strides: attr.ints([2, 2]) }, inputs: [X([1, 2, 3, 4]), W([2, 3, 3, 3])] }, o);
    await checkNode(t, conv([1, 3, 7, 9], [5, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { implementation: 'winograd', epilogue: { op: 'Relu' } }), o);
    await checkNode(t, conv([1, 3, 7, 9], [5, 3, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }, true, { implementation: 'winograd-4x4', epilogue: { op: 'Relu' } }), { ...o, ...F4_TOLERANCE });
  } finally {
    gpu.destroy();
  }
});

test('refusals name the node, the op and what is wrong', async (t) => {
  await t.throwsAsync(runTessera(conv([1, 4, 5, 5], [6, 3, 3, 3], { group: attr.int(2) })), { message: 'node n0 (Conv, opset 11): W has 3 input channels per group; X has 4 channels in 2 group(s), so 2' });
  await t.throwsAsync(runTessera(conv([1, 3, 5, 5], [2, 3, 3, 3], { auto_pad: attr.string('SAME') })), { message: 'node n0 (Conv, opset 11): attribute auto_pad = "SAME" is not supported; it must be one of NOTSET, VALID, SAME_UPPER, SAME_LOWER' });
  await t.throwsAsync(runTessera(conv([1, 3, 2, 2], [2, 3, 3, 3])), { message: /spatial axis 0: the window \(extent 3\) does not fit the padded input \(2 \+ 0 \+ 0\); the output would be empty/ });
  await t.throwsAsync(runTessera(conv([1, 3, 5, 5], [2, 3, 3, 3], { pads: attr.ints([1, 1]) })), { message: /attribute pads has 2 values; it needs 2 x 2 \(begins, then ends\)/ });
  await t.throwsAsync(runTessera(conv([1, 3, 5, 5], [2, 3, 3, 3], { strides: attr.ints([0, 1]) })), { message: /attribute strides = \[0, 1\] must hold positive integers/ });
});
