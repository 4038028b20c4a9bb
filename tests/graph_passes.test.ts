/**
 * Each graph pass on a small model: what it rewrites (nodes gone, attributes merged, kernels fused),
 * what it must leave alone, and that the compiled model still matches onnxruntime-node on the
 * original graph. The debug dump shows the graph after every pass, in order.
 */
import test from 'ava';
import { compileOnnx } from '../model/compile_onnx.ts';
import { loadOnnx } from '../onnx/load.ts';
import { optimizeGraph, PASSES } from '../graph/optimize.ts';
import { TESSERA_OPS } from '../model/library.ts';
import { GraphError } from '../graph/errors.ts';
import { random } from '../examples/random.ts';
import { onnxModel, type InitSpec } from './helpers/onnx_graph.ts';
import { assertOutputsClose, ortRun } from './helpers/ort_model.ts';

const r = random(99);
const values = (n: number, scale = 1) => Array.from({ length: n }, () => r() * scale);
const init = (name: string, shape: number[], scale = 1): InitSpec => ({ name, dtype: 'f32', shape, data: values(shape.reduce((a, b) => a * b, 1), scale) });
const feedsOf = (name: string, shape: number[]) => ({ [name]: { data: Float32Array.from(values(shape.reduce((a, b) => a * b, 1))), shape } });
const ops = (bytes: Uint8Array, skip: string[] = []) => optimizeGraph(loadOnnx(bytes), TESSERA_OPS, { skip }).graph.nodes.map((n) => n.op);

async function matchesOrt(t: import('ava').ExecutionContext, bytes: Uint8Array, feeds: ReturnType<typeof feedsOf>, rtol = 1e-4, atol = 1e-5): Promise<void> {
  const want = await ortRun(bytes, feeds);
  for (const threads of [1, 2]) {
    const m = await compileOnnx(bytes, { threads });
    assertOutputsClose(t, await m.run(feeds), want, rtol, atol, `${threads}T`);
    await m.dispose();
  }
}

test('constant folding: the Shape -> Gather -> Unsqueeze -> Concat chain before a Reshape folds away', async (t) => {
  const bytes = onnxModel({
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Shape', inputs: ['r'], outputs: ['s'] },
      { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['n', 'axes'], outputs: ['n1'] },
      { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['r', 'shape'], outputs: ['y'] },
      { op: 'Sigmoid', inputs: ['y'], outputs: ['out'] },
    ],
    inputs: [{ name: 'x', dtype: 'f32', shape: [2, 3, 4, 5] }], outputs: [{ name: 'out', dtype: 'f32' }],
    initializers: [
      { name: 'zero', dtype: 'i64', shape: [], data: [0] }, { name: 'axes', dtype: 'i64', shape: [1], data: [0] },
      { name: 'minus1', dtype: 'i64', shape: [1], data: [-1] },
    ],
  });
  t.deepEqual(ops(bytes), ['Relu', 'Reshape', 'Sigmoid']);
  await matchesOrt(t, bytes, feedsOf('x', [2, 3, 4, 5]));
});

test('Identity and Dropout are removed; a Dropout whose mask is read, and an Identity from input to output, stay', async (t) => {
  const bytes = onnxModel({
    nodes: [
      { op: 'Identity', inputs: ['x'], outputs: ['a'] },
      { op: 'Dropout', inputs: ['a'], outputs: ['b'], attrs: { ratio: { float: 0.3 } } as never },
      { op: 'Neg', inputs: ['b'], outputs: ['c'] },
      { op: 'Identity', inputs: ['c'], outputs: ['out'] },
    ],
    inputs: [{ name: 'x', dtype: 'f32', shape: [4, 6] }], outputs: [{ name: 'out', dtype: 'f32' }], opset: 10,
  });
  t.deepEqual(ops(bytes), ['Neg']);
  await matchesOrt(t, bytes, feedsOf('x', [4, 6]));
  const kept = onnxModel({
    nodes: [{ op: 'Dropout', inputs: ['x'], outputs: ['y', 'mask'] }, { op: 'Identity', inputs: ['x'], outputs: ['same'] }],
    inputs: [{ name: 'x', dtype: 'f32', shape: [4, 6] }], outputs: [{ name: 'y', dtype: 'f32' }, { name: 'mask', dtype: 'bool' }, { name: 'same', dtype: 'f32' }], opset: 12,
  });
  t.deepEqual(ops(kept), ['Dropout', 'Identity']);
});

test('BatchNormalization after a Conv folds into its weights and bias; the Relu after it fuses into one kernel', async (t) => {
  const C = 3, K = 8;
  const bytes = onnxModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'BatchNormalization', inputs: ['c', 'scale', 'beta', 'mean', 'var'], outputs: ['n'], attrs: { epsilon: { float: 1e-3 } } as never },
      { op: 'Relu', inputs: ['n'], outputs: ['out'] },
    ],
    inputs: [{ name: 'x', dtype: 'f32', shape: [1, C, 9, 11] }], outputs: [{ name: 'out', dtype: 'f32' }], opset: 9,
    initializers: [init('w', [K, C, 3, 3], 0.5), init('b', [K]), init('scale', [K]), init('beta', [K]), init('mean', [K]),
      { name: 'var', dtype: 'f32', shape: [K], data: values(K).map((v) => v * v + 0.1) }],
  });
  t.deepEqual(ops(bytes), ['Conv', 'Relu']);
  t.deepEqual(ops(bytes, ['fold BatchNormalization into Conv']), ['Conv', 'BatchNormalization', 'Relu']);
  const m = await compileOnnx(bytes);
  t.is(m.kernelCount, 1);
  await m.dispose();
  await matchesOrt(t, bytes, feedsOf('x', [1, C, 9, 11]));
});

test('a zero Pad of the spatial dimensions folds into the Conv; a Pad of another value or of channels stays', async (t) => {
  const model = (pads: number[], value?: number) => onnxModel({
    nodes: [
      { op: 'Pad', inputs: ['x', 'pads', ...(value === undefined ? [] : ['value'])], outputs: ['p'] },
      { op: 'Conv', inputs: ['p', 'w'], outputs: ['out'], attrs: { kernel_shape: [3, 3], pads: [1, 0, 0, 1] } },
    ],
    inputs: [{ name: 'x', dtype: 'f32', shape: [1, 2, 7, 8] }], outputs: [{ name: 'out', dtype: 'f32' }],
    initializers: [{ name: 'pads', dtype: 'i64', shape: [8], data: pads }, init('w', [4, pads[1] || pads[5] ? 3 : 2, 3, 3], 0.5),
      ...(value === undefined ? [] : [{ name: 'value', dtype: 'f32' as const, shape: [], data: [value] }])],
  });
  const folded = model([0, 0, 2, 1, 0, 0, 0, 3]);
  const g = optimizeGraph(loadOnnx(folded), TESSERA_OPS).graph;
  t.deepEqual(g.nodes.map((n) => n.op), ['Conv']);
  t.deepEqual(g.nodes[0]!.attrs.pads, { type: 'ints', value: [3, 1, 0, 4] });
  await matchesOrt(t, folded, feedsOf('x', [1, 2, 7, 8]));
  t.deepEqual(ops(model([0, 0, 1, 1, 0, 0, 1, 1], 1.5)), ['Pad', 'Conv']);
  t.deepEqual(ops(model([0, 1, 1, 1, 0, 0, 1, 1])), ['Pad', 'Conv']);
});

test('Transpose pairs: an identity composition vanishes, another leaves one Transpose', async (t) => {
  const model = (p1: number[], p2: number[]) => onnxModel({
    nodes: [
      { op: 'Transpose', inputs: ['x'], outputs: ['t1'], attrs: { perm: p1 } },
      { op: 'Transpose', inputs: ['t1'], outputs: ['t2'], attrs: { perm: p2 } },
      { op: 'Abs', inputs: ['t2'], outputs: ['out'] },
    ],
    inputs: [{ name: 'x', dtype: 'f32', shape: [2, 3, 4, 5] }], outputs: [{ name: 'out', dtype: 'f32' }],
  });
  const identity = model([0, 2, 3, 1], [0, 3, 1, 2]);
  t.deepEqual(ops(identity), ['Abs']);
  await matchesOrt(t, identity, feedsOf('x', [2, 3, 4, 5]));
  const other = model([0, 2, 3, 1], [3, 2, 1, 0]);
  const g = optimizeGraph(loadOnnx(other), TESSERA_OPS).graph;
  t.deepEqual(g.nodes.map((n) => n.op), ['Transpose', 'Abs']);
  t.deepEqual(g.nodes[0]!.attrs.perm, { type: 'ints', value: [1, 3, 2, 0] });
  await matchesOrt(t, other, feedsOf('x', [2, 3, 4, 5]));
});

test('epilogue fusion: Conv + Add(residual) + Relu is one kernel; a producer read twice is not fused', async (t) => {
  const bytes = onnxModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [1, 1] } },
      { op: 'Add', inputs: ['c', 'x'], outputs: ['s'] },
      { op: 'Relu', inputs: ['s'], outputs: ['r'] },
      { op: 'Sigmoid', inputs: ['r'], outputs: ['g'] },
      { op: 'Mul', inputs: ['g', 'r'], outputs: ['out'] },
    ],
    inputs: [{ name: 'x', dtype: 'f32', shape: [1, 6, 5, 5] }], outputs: [{ name: 'out', dtype: 'f32' }],
    initializers: [init('w', [6, 6, 1, 1], 0.5)],
  });
  const g = optimizeGraph(loadOnnx(bytes), TESSERA_OPS).graph;
  // r is read by Sigmoid and Mul: the chain ends at Relu; Sigmoid + Mul is a second group.
  t.deepEqual(g.groups?.map((x) => x.nodes.map((n) => g.nodes.find((m) => m.name === n)!.op)), [['Conv', 'Add', 'Relu'], ['Sigmoid', 'Mul']]);
  await matchesOrt(t, bytes, feedsOf('x', [1, 6, 5, 5]));
});

test('epilogue fusion: the producer at any input of the link, as MobileNetV2\'s Add(residual, conv); Sub(x, conv) keeps its operand order', async (t) => {
  const bytes = (op: 'Add' | 'Sub') => onnxModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [1, 1] } },
      { op, inputs: ['x', 'c'], outputs: ['out'] },
    ],
    inputs: [{ name: 'x', dtype: 'f32', shape: [1, 6, 5, 7] }], outputs: [{ name: 'out', dtype: 'f32' }],
    initializers: [init('w', [6, 6, 1, 1], 0.5)],
  });
  for (const op of ['Add', 'Sub'] as const) {
    const g = optimizeGraph(loadOnnx(bytes(op)), TESSERA_OPS).graph;
    t.deepEqual(g.groups?.map((x) => x.nodes.map((n) => g.nodes.find((m) => m.name === n)!.op)), [['Conv', op]]);
    await matchesOrt(t, bytes(op), feedsOf('x', [1, 6, 5, 7]));
  }
});

test('the debug dump shows the graph after shape inference and after every pass, in order; skip names a pass', (t) => {
  const bytes = onnxModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', dtype: 'f32', shape: [3] }], outputs: [{ name: 'y', dtype: 'f32' }] });
  const seen: string[] = [];
  optimizeGraph(loadOnnx(bytes), TESSERA_OPS, { debug: (pass, text) => { seen.push(pass); t.regex(text, /%y = Relu\(%x\) : f32\[3\]/); } });
  t.deepEqual(seen, ['shape inference', ...PASSES.map((p) => p.name)]);
  t.throws(() => optimizeGraph(loadOnnx(bytes), TESSERA_OPS, { skip: ['fold everything'] }), { instanceOf: GraphError, message: /skip: no graph pass is named "fold everything"; the passes are "fold constants", /});
});
