/**
 * Shape, view, data-movement, constant and conversion operators (ops/shape_ops.ts,
 * ops/data_movement.ts, ops/constants.ts), reductions (ops/reduce.ts), Softmax/LogSoftmax
 * (ops/softmax.ts) and Resize/Upsample (ops/resize.ts) against onnxruntime-node, as kernels and as
 * host folds; a detector-style Shape -> Gather -> Unsqueeze -> Concat chain folded step by step; a
 * WebGPU sample; the refusals.
 */
import test from 'ava';
import { acquireGpu } from '../tessera.js';
import { attr, checkFold, checkNode, foldTessera, nodeContext, runTessera, type NodeCase, type NodeInput } from './helpers/onnx_node.js';
import { lookupOp } from '../ops/registry.js';
import type { ConstTensor } from '../graph/ir.js';
import type { OpContext } from '../ops/op.js';
import { requireGpu } from './helpers/environment.js';
const gpu = await requireGpu(import.meta.url);

const X = (shape: number[], o: Partial<NodeInput> = {}): NodeInput => ({ dtype: 'f32', shape, ...o });
const I64 = (data: number[]): NodeInput => ({ dtype: 'i64', shape: [data.length], data, initializer: true });
const F32 = (data: number[]): NodeInput => ({ dtype: 'f32', shape: [data.length], data, initializer: true });
const S = (dtype: NodeInput['dtype'], v: number): NodeInput => ({ dtype, shape: [], data: [v], initializer: true });
const INT64_MAX = 9223372036854775807;

const KERNELS: [string, NodeCase][] = [
  ['Shape start/end (opset 15)', { op: 'Shape', opset: 15, attrs: { start: attr.int(1), end: attr.int(-1) }, inputs: [X([2, 3, 4, 5])] }],
  ['Reshape with 0 and -1', { op: 'Reshape', opset: 14, inputs: [X([2, 3, 4]), I64([0, -1])] }],
  ['Reshape to 3-D', { op: 'Reshape', opset: 13, inputs: [X([2, 3, 4]), I64([4, 1, 6])] }],
  ['Reshape allowzero', { op: 'Reshape', opset: 14, attrs: { allowzero: attr.int(1) }, inputs: [X([2, 3]), I64([3, 2])] }],
  ['Reshape to a scalar', { op: 'Reshape', opset: 13, inputs: [X([1, 1]), { dtype: 'i64', shape: [0], data: [], initializer: true }] }],
  ['Flatten negative axis', { op: 'Flatten', opset: 13, attrs: { axis: attr.int(-1) }, inputs: [X([2, 3, 4])] }],
  ['Flatten axis 0', { op: 'Flatten', opset: 9, attrs: { axis: attr.int(0) }, inputs: [X([2, 3])] }],
  ['Squeeze axes input', { op: 'Squeeze', opset: 13, inputs: [X([1, 3, 1, 4]), I64([-2])] }],
  ['Squeeze every unit axis', { op: 'Squeeze', opset: 11, inputs: [X([1, 3, 1, 4])] }],
  ['Unsqueeze axes input, negative', { op: 'Unsqueeze', opset: 13, inputs: [X([3, 4]), I64([0, -1])] }],
  ['Unsqueeze axes attribute', { op: 'Unsqueeze', opset: 11, attrs: { axes: attr.ints([1]) }, inputs: [X([3, 4])] }],
  ['Expand', { op: 'Expand', opset: 13, inputs: [X([3, 1]), I64([2, 3, 5])] }],
  ['Identity', { op: 'Identity', opset: 16, inputs: [{ dtype: 'i32', shape: [3, 7] }] }],
  ['Dropout with its mask', { op: 'Dropout', opset: 13, inputs: [X([3, 7])], outputs: 2 }],
  ['Dropout opset 7 ratio attribute', { op: 'Dropout', opset: 7, attrs: { ratio: attr.float(0.3) }, inputs: [X([3, 7])] }],
  ['Transpose perm', { op: 'Transpose', opset: 13, attrs: { perm: attr.ints([0, 2, 3, 1]) }, inputs: [X([2, 3, 4, 5])] }],
  ['Transpose default (reversed)', { op: 'Transpose', opset: 13, inputs: [X([3, 9])] }],
  ['Concat three inputs along 1', { op: 'Concat', opset: 13, attrs: { axis: attr.int(1) }, inputs: [X([2, 3, 5]), X([2, 1, 5]), X([2, 4, 5])] }],
  ['Concat negative axis', { op: 'Concat', opset: 13, attrs: { axis: attr.int(-1) }, inputs: [X([2, 3]), X([2, 9])] }],
  ['Split sizes input', { op: 'Split', opset: 13, attrs: { axis: attr.int(1) }, inputs: [X([2, 6, 5]), I64([1, 2, 3])], outputs: 3 }],
  ['Split evenly (opset 11)', { op: 'Split', opset: 11, attrs: { axis: attr.int(-1) }, inputs: [X([2, 6])], outputs: 2 }],
  ['Split num_outputs with a smaller last part (opset 18)', { op: 'Split', opset: 18, attrs: { num_outputs: attr.int(3) }, inputs: [X([7, 2])], outputs: 3 }],
  ['Slice negative steps, clamped ends', { op: 'Slice', opset: 13, inputs: [X([5, 6, 7]), I64([1, -1]), I64([100, -7]), I64([0, 2]), I64([2, -2])] }],
  ['Slice to the end (INT64_MAX)', { op: 'Slice', opset: 13, inputs: [X([4, 9]), I64([2]), I64([INT64_MAX]), I64([1])] }],
  ['Slice every axis backwards', { op: 'Slice', opset: 13, inputs: [X([20, 10, 5]), I64([20, 10, 4]), I64([0, 0, 1]), I64([0, 1, 2]), I64([-1, -3, -2])] }],
  ['Slice opset 9 attributes', { op: 'Slice', opset: 9, attrs: { starts: attr.ints([1]), ends: attr.ints([3]), axes: attr.ints([1]) }, inputs: [X([5, 6])] }],
  ['Pad reflect', { op: 'Pad', opset: 13, attrs: { mode: attr.string('reflect') }, inputs: [X([2, 5, 6]), I64([0, 2, 3, 0, 4, 1])] }],
  ['Pad edge with a negative pad', { op: 'Pad', opset: 13, attrs: { mode: attr.string('edge') }, inputs: [X([2, 5, 6]), I64([0, 2, -1, 0, 4, 1])] }],
  ['Pad constant value input', { op: 'Pad', opset: 13, inputs: [X([2, 5, 6]), I64([0, 1, 1, 0, 2, 1]), S('f32', 0.5)] }],
  ['Pad wrap (opset 19)', { op: 'Pad', opset: 19, attrs: { mode: attr.string('wrap') }, inputs: [X([2, 5, 6]), I64([0, 2, 3, 0, 4, 1])] }],
  ['Pad axes input (opset 18)', { op: 'Pad', opset: 18, inputs: [X([2, 5, 6]), I64([1, 2, 3, 4]), S('f32', 2), I64([2, 0])] }],
  ['Pad opset 7 attributes', { op: 'Pad', opset: 7, attrs: { pads: attr.ints([0, 1, 0, 2]), value: attr.float(1.5) }, inputs: [X([3, 4])] }],
  ['Gather axis 1, negative indices', { op: 'Gather', opset: 13, attrs: { axis: attr.int(1) }, inputs: [X([3, 5, 4]), { dtype: 'i64', shape: [2, 3], data: [0, -1, 2, 4, 1, -5] }] }],
  ['Gather a scalar index', { op: 'Gather', opset: 13, inputs: [X([5, 4]), { dtype: 'i32', shape: [], data: [3] }] }],
  ['Tile', { op: 'Tile', opset: 13, inputs: [X([2, 3]), I64([2, 3])] }],
  ['ConstantOfShape int32 value', { op: 'ConstantOfShape', opset: 9, attrs: { value: attr.tensor({ dtype: 'i32', shape: [1], data: new Int32Array([7]) }) }, inputs: [I64([2, 3])] }],
  ['Range f32', { op: 'Range', opset: 11, inputs: [S('f32', 1), S('f32', 5.5), S('f32', 0.7)] }],
  ['Cast f32 to f16 (rounded to binary16)', { op: 'Cast', opset: 13, attrs: { to: attr.int(10) }, inputs: [X([500], { range: 70000 })] }],
  ['Cast f32 to i32 (truncating)', { op: 'Cast', opset: 13, attrs: { to: attr.int(6) }, inputs: [X([50], { range: 100 })] }],
  ['Cast i64 to bool', { op: 'Cast', opset: 13, attrs: { to: attr.int(9) }, inputs: [{ dtype: 'i64', shape: [50] }] }],
  ['Cast bool to f32', { op: 'Cast', opset: 13, attrs: { to: attr.int(1) }, inputs: [{ dtype: 'bool', shape: [50] }] }],
  ['Cast f16 to f32', { op: 'Cast', opset: 13, attrs: { to: attr.int(1) }, inputs: [{ dtype: 'f16', shape: [40] }] }],
  ['CastLike', { op: 'CastLike', opset: 15, inputs: [{ dtype: 'i32', shape: [5] }, X([1])] }],
  ['ReduceMean over the spatial axes', { op: 'ReduceMean', opset: 13, attrs: { axes: attr.ints([2, 3]) }, inputs: [X([2, 5, 7, 9])] }],
  ['ReduceMean axes input, keepdims 0 (opset 18)', { op: 'ReduceMean', opset: 18, attrs: { keepdims: attr.int(0) }, inputs: [X([2, 5, 7, 9]), I64([-1])] }],
  ['ReduceSum everything to a scalar', { op: 'ReduceSum', opset: 13, attrs: { keepdims: attr.int(0) }, inputs: [X([3, 4, 5])] }],
  ['ReduceSum noop_with_empty_axes', { op: 'ReduceSum', opset: 13, attrs: { noop_with_empty_axes: attr.int(1) }, inputs: [X([3, 4])] }],
  ['ReduceSum empty axes input', { op: 'ReduceSum', opset: 13, inputs: [X([3, 4]), { dtype: 'i64', shape: [0], data: [], initializer: true }] }],
  ['ReduceMax keepdims 0', { op: 'ReduceMax', opset: 13, attrs: { axes: attr.ints([1]), keepdims: attr.int(0) }, inputs: [X([3, 4, 5])] }],
  ['ReduceMin int32, axes input', { op: 'ReduceMin', opset: 18, inputs: [{ dtype: 'i32', shape: [3, 4, 5] }, I64([0, 2])] }],
  ['ReduceL2', { op: 'ReduceL2', opset: 13, attrs: { axes: attr.ints([0]) }, inputs: [X([3, 4, 5])] }],
  ['ReduceProd', { op: 'ReduceProd', opset: 13, attrs: { axes: attr.ints([2]) }, inputs: [X([3, 4, 5])] }],
  ['ReduceSumSquare, ReduceL1 and ReduceLogSum share the table', { op: 'ReduceSumSquare', opset: 13, attrs: { axes: attr.ints([1]) }, inputs: [X([3, 4, 5])] }],
  ['Softmax over 1000 classes', { op: 'Softmax', opset: 13, inputs: [X([1, 1000], { range: 10 })] }],
  ['Softmax opset 11 (coerced to 2-D at axis 1)', { op: 'Softmax', opset: 11, inputs: [X([2, 3, 4, 5])] }],
  ['Softmax opset 13 axis 1', { op: 'Softmax', opset: 13, attrs: { axis: attr.int(1) }, inputs: [X([2, 3, 4, 5])] }],
  ['LogSoftmax large values', { op: 'LogSoftmax', opset: 13, inputs: [X([3, 17], { range: 30 })] }],
  ['LogSoftmax opset 9 axis 0', { op: 'LogSoftmax', opset: 9, attrs: { axis: attr.int(0) }, inputs: [X([3, 7])] }],
  ['Resize nearest x2 (half_pixel, round_prefer_floor)', { op: 'Resize', opset: 13, attrs: { mode: attr.string('nearest') }, inputs: [X([1, 2, 5, 6]), undefined, F32([1, 1, 2, 2])] }],
  ['Resize linear half_pixel', { op: 'Resize', opset: 13, attrs: { mode: attr.string('linear') }, inputs: [X([1, 2, 5, 6]), undefined, F32([1, 1, 2, 1.5])] }],
  ['Resize linear align_corners to sizes', { op: 'Resize', opset: 13, attrs: { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('align_corners') }, inputs: [X([1, 2, 5, 6]), undefined, undefined, I64([1, 2, 9, 4])] }],
  ['Resize linear pytorch_half_pixel to one column', { op: 'Resize', opset: 13, attrs: { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('pytorch_half_pixel') }, inputs: [X([1, 2, 5, 6]), undefined, undefined, I64([1, 2, 3, 1])] }],
  ['Resize nearest asymmetric floor', { op: 'Resize', opset: 13, attrs: { mode: attr.string('nearest'), coordinate_transformation_mode: attr.string('asymmetric'), nearest_mode: attr.string('floor') }, inputs: [X([1, 2, 5, 6]), undefined, F32([1, 1, 0.6, 1.7])] }],
  ['Resize nearest tf_half_pixel_for_nn ceil', { op: 'Resize', opset: 13, attrs: { mode: attr.string('nearest'), coordinate_transformation_mode: attr.string('tf_half_pixel_for_nn'), nearest_mode: attr.string('ceil') }, inputs: [X([1, 2, 5, 6]), undefined, F32([1, 1, 1.6, 0.7])] }],
  ['Resize nearest round_prefer_ceil', { op: 'Resize', opset: 13, attrs: { mode: attr.string('nearest'), nearest_mode: attr.string('round_prefer_ceil') }, inputs: [X([1, 2, 5, 6]), undefined, F32([1, 1, 2.5, 0.5])] }],
  // (Scales with L_in * s integral: for a fractional one the ONNX reference, which ops/resize follows, transforms by the unrounded length and onnxruntime by the rounded one.)
  ['Resize tf_crop_and_resize with extrapolation', { op: 'Resize', opset: 13, attrs: { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('tf_crop_and_resize'), extrapolation_value: attr.float(9) }, inputs: [X([1, 1, 4, 4]), F32([0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7]), F32([1, 1, 0.75, 0.75])] }],
  ['Resize opset 10 nearest up', { op: 'Resize', opset: 10, attrs: { mode: attr.string('nearest') }, inputs: [X([1, 2, 5, 6]), F32([1, 1, 2, 3])] }],
  ['Resize opset 10 nearest down', { op: 'Resize', opset: 10, attrs: { mode: attr.string('nearest') }, inputs: [X([1, 2, 5, 6]), F32([1, 1, 0.6, 0.5])] }],
  ['Resize opset 10 linear', { op: 'Resize', opset: 10, attrs: { mode: attr.string('linear') }, inputs: [X([1, 2, 5, 6]), F32([1, 1, 2, 1.5])] }],
  ['Resize half_pixel_symmetric (opset 19)', { op: 'Resize', opset: 19, attrs: { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('half_pixel_symmetric') }, inputs: [X([1, 2, 5, 6]), undefined, F32([1, 1, 2.3, 0.7])] }],
  ['Resize axes and not_larger (opset 18)', { op: 'Resize', opset: 18, attrs: { mode: attr.string('nearest'), axes: attr.ints([3, 2]), keep_aspect_ratio_policy: attr.string('not_larger') }, inputs: [X([1, 2, 5, 6]), undefined, undefined, I64([9, 7])] }],
  ['Resize cubic half_pixel', { op: 'Resize', opset: 13, attrs: { mode: attr.string('cubic') }, inputs: [X([1, 2, 5, 6]), undefined, F32([1, 1, 2, 1.5])] }],
  ['Resize cubic A = -0.5, exclude_outside, downscaling', { op: 'Resize', opset: 13, attrs: { mode: attr.string('cubic'), cubic_coeff_a: attr.float(-0.5), exclude_outside: attr.int(1) }, inputs: [X([1, 1, 4, 4]), undefined, F32([1, 1, 0.8, 0.8])] }],
  ['Resize cubic align_corners to sizes', { op: 'Resize', opset: 13, attrs: { mode: attr.string('cubic'), coordinate_transformation_mode: attr.string('align_corners') }, inputs: [X([1, 1, 4, 4]), undefined, undefined, I64([1, 1, 7, 9])] }],
  ['Upsample opset 9 nearest', { op: 'Upsample', opset: 9, attrs: { mode: attr.string('nearest') }, inputs: [X([1, 2, 3, 4]), F32([1, 1, 2, 2])] }],
  ['Upsample opset 7 linear, scales attribute', { op: 'Upsample', opset: 7, attrs: { mode: attr.string('linear'), scales: attr.floats([1, 1, 2, 2]) }, inputs: [X([1, 2, 3, 4])] }],
];
for (const [name, c] of KERNELS) test(name, (t) => checkNode(t, c));

const FOLDS: [string, NodeCase][] = [
  ['Shape of a constant', { op: 'Shape', opset: 13, inputs: [X([2, 3, 4], { initializer: true })] }],
  ['Gather of a shape', { op: 'Gather', opset: 13, inputs: [I64([1, 3, 224, 224]), S('i64', 2)] }],
  ['Unsqueeze of a scalar', { op: 'Unsqueeze', opset: 13, inputs: [S('i64', 5), I64([0])] }],
  ['Concat with an empty part', { op: 'Concat', opset: 13, attrs: { axis: attr.int(0) }, inputs: [I64([1]), I64([-1]), I64([])] }],
  ['Slice to INT64_MAX', { op: 'Slice', opset: 13, inputs: [I64([1, 3, 224, 224]), I64([2]), I64([INT64_MAX])] }],
  ['Cast int64 to f32', { op: 'Cast', opset: 13, attrs: { to: attr.int(1) }, inputs: [I64([3, 4])] }],
  ['Reshape of a constant', { op: 'Reshape', opset: 13, inputs: [X([2, 3], { initializer: true }), I64([3, 2])] }],
  ['ConstantOfShape default value', { op: 'ConstantOfShape', opset: 9, inputs: [I64([2, 3])] }],
  ['Constant tensor', { op: 'Constant', opset: 13, attrs: { value: attr.tensor({ dtype: 'i64', shape: [2], data: new BigInt64Array([4n, 5n]) }) }, inputs: [] }],
  ['Constant value_floats', { op: 'Constant', opset: 13, attrs: { value_floats: attr.floats([1.5, -2]) }, inputs: [] }],
  ['Transpose of a constant', { op: 'Transpose', opset: 13, attrs: { perm: attr.ints([1, 0]) }, inputs: [X([2, 3], { initializer: true })] }],
  ['Split of a constant', { op: 'Split', opset: 13, inputs: [I64([1, 2, 3, 4]), I64([1, 3])], outputs: 2 }],
  ['Pad of a constant', { op: 'Pad', opset: 13, inputs: [I64([1, 2, 3]), I64([1, 2])] }],
  ['Expand of a constant', { op: 'Expand', opset: 13, inputs: [I64([7]), I64([2, 2])] }],
  ['ReduceProd of a shape', { op: 'ReduceProd', opset: 13, attrs: { keepdims: attr.int(0) }, inputs: [I64([2, 3, 4])] }],
  ['Range int64', { op: 'Range', opset: 11, inputs: [S('i64', 10), S('i64', 1), S('i64', -3)] }],
  ['Slice past the end gives an empty tensor (any input)', { op: 'Slice', opset: 13, inputs: [I64([1, 2, 3]), I64([5]), I64([7])] }],
];
for (const [name, c] of FOLDS) test(`fold: ${name}`, (t) => checkFold(t, c));

test('a detector-style chain folds at static shapes: Shape -> Gather -> Unsqueeze -> Concat -> Reshape', (t) => {
  const fold = (op: string, opset: number, inputs: OpContext['inputs'], consts: (ConstTensor | undefined)[], attrs: NodeCase['attrs'] = {}): ConstTensor => {
    const ctx: OpContext = { node: { name: op, op, domain: '', attrs, inputs: inputs.map((_, i) => `i${i}`), outputs: ['o'] }, opset, inputs, consts, prefix: op };
    const out = lookupOp('', op, opset)!.fold!(ctx);
    t.truthy(out, `${op} folds`);
    return out![0]!;
  };
  const i64 = (v: number[]): ConstTensor => ({ dtype: 'i64', shape: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
  const image: OpContext['inputs'][number] = { dtype: 'f32', shape: [1, 3, 240, 320] };
  const shape = fold('Shape', 13, [image], [undefined]);
  t.deepEqual([...shape.data], [1n, 3n, 240n, 320n]);
  const batch = fold('Gather', 13, [shape, { dtype: 'i64', shape: [] }], [shape, { dtype: 'i64', shape: [], data: new BigInt64Array([0n]) }]);
  t.deepEqual(batch.shape, []);
  const unsq = fold('Unsqueeze', 13, [batch, { dtype: 'i64', shape: [1] }], [batch, i64([0])]);
  t.deepEqual([...unsq.data], [1n]);
  const target = fold('Concat', 13, [unsq, { dtype: 'i64', shape: [1] }], [unsq, i64([-1])], { axis: attr.int(0) });
  t.deepEqual([...target.data], [1n, -1n]);
  const reshape = lookupOp('', 'Reshape', 13)!.inferShapes({ node: { name: 'r', op: 'Reshape', domain: '', attrs: {}, inputs: ['x', 's'], outputs: ['y'] }, opset: 13, inputs: [image, target], consts: [undefined, target], prefix: 'r' });
  t.deepEqual(reshape[0]!.shape, [1, 3 * 240 * 320]);
});

gpu.test.serial('on WebGPU: Concat, Transpose, Slice, Pad reflect, Gather, Softmax, ReduceMean, Resize linear, Cast to f16', async (t) => {
  const gpu = await acquireGpu();
  try {
    const o = { target: 'webgpu' as const, gpu };
    for (const name of ['Concat three inputs along 1', 'Transpose perm', 'Slice negative steps, clamped ends', 'Pad reflect', 'Gather axis 1, negative indices', 'Softmax opset 13 axis 1', 'ReduceMean over the spatial axes', 'Resize linear half_pixel', 'Cast f32 to f16 (rounded to binary16)']) {
      await checkNode(t, KERNELS.find(([n]) => n === name)![1], o);
    }
  } finally {
    gpu.destroy();
  }
});

test('refusals name the value and what would be accepted', async (t) => {
  await t.throwsAsync(runTessera({ op: 'Reshape', opset: 13, inputs: [X([2, 3]), I64([4, -1])] }), { message: 'node n0 (Reshape, opset 13): cannot reshape [2, 3] (6 elements) to [4, -1]' });
  await t.throwsAsync(runTessera({ op: 'Reshape', opset: 13, inputs: [X([2, 3]), { dtype: 'i64', shape: [2] }] }), { message: /input 1 \(shape\) must be known at compile time/ });
  await t.throwsAsync(runTessera({ op: 'Squeeze', opset: 13, inputs: [X([2, 3]), I64([0])] }), { message: /axis 0 has extent 2; only axes of extent 1 can be squeezed/ });
  await t.throwsAsync(runTessera({ op: 'Resize', opset: 18, attrs: { mode: attr.string('cubic'), antialias: attr.int(1) }, inputs: [X([1, 1, 4, 4]), undefined, F32([1, 1, 0.5, 0.5])] }), { message: /antialias = 1 with a cubic resize that shrinks an axis is not supported/ });
  await t.throwsAsync(runTessera({ op: 'Resize', opset: 10, attrs: { mode: attr.string('cubic') }, inputs: [X([1, 1, 2, 2]), F32([1, 1, 2, 2])] }), { message: /attribute mode = "cubic" is not supported; it must be one of nearest, linear$/ });
  await t.throwsAsync(runTessera({ op: 'Cast', opset: 13, attrs: { to: attr.int(16) }, inputs: [X([2])] }), { message: /attribute to = 16 \(BFLOAT16\) is not a supported element type/ });
  await t.throwsAsync(runTessera({ op: 'Transpose', opset: 13, attrs: { perm: attr.ints([0, 0]) }, inputs: [X([2, 3])] }), { message: /perm \[0, 0\] is not a permutation of the 2 axes/ });
  await t.throwsAsync(runTessera({ op: 'Split', opset: 13, inputs: [X([5]), I64([2, 2])], outputs: 2 }), { message: /split \[2, 2\] does not add up to the axis extent 5/ });
  await t.throwsAsync(runTessera({ op: 'Dropout', opset: 13, inputs: [X([3]), S('f32', 0.5), { dtype: 'bool', shape: [], data: [1], initializer: true }] }), { message: /training_mode is true with ratio 0.5: random dropout is not supported/ });
  t.throws(() => lookupOp('', 'Constant', 13)!.define(nodeContext({ op: 'Constant', opset: 13, attrs: { value_int: attr.int(3) }, inputs: [] }), []), { message: /a Constant has no kernel: it always folds/ });
  t.is(foldTessera({ op: 'Reshape', opset: 13, inputs: [X([2, 3]), I64([3, 2])] }), undefined, 'no fold of data that is not constant');
});
