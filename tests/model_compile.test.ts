/**
 * The model compiler on small multi-node graphs, against onnxruntime-node: fused and unfused kernels,
 * one and two threads, in-place and planned memory, the dtypes at the model's boundary (f16 bits,
 * int64 with its range check, bool), constant outputs, and ArgumentErrors for wrong feeds.
 */
import test from 'ava';
import { compileOnnx } from '../model/compile_onnx.ts';
import { ArgumentError } from '../runtime/tensor.ts';
import { GraphError } from '../graph/errors.ts';
import { random } from '../examples/random.ts';
import { f32ToF16 } from '../runtime/f16.ts';
import { onnxModel } from './helpers/onnx_graph.ts';
import { assertOutputsClose, ortRun } from './helpers/ort_model.ts';

const floats = (n: number, seed: number, scale = 2) => { const r = random(seed); return Float32Array.from({ length: n }, () => r() * scale); };

/** out = Sigmoid(Relu(x + b) * x): one chain, one kernel when fused. */
const chain = onnxModel({
  nodes: [
    { op: 'Add', inputs: ['x', 'b'], outputs: ['y'] },
    { op: 'Relu', inputs: ['y'], outputs: ['z'] },
    { op: 'Mul', inputs: ['z', 'x'], outputs: ['w'] },
    { op: 'Sigmoid', inputs: ['w'], outputs: ['out'] },
  ],
  inputs: [{ name: 'x', dtype: 'f32', shape: ['batch', 3, 5, 16] }],
  outputs: [{ name: 'out', dtype: 'f32', shape: ['batch', 3, 5, 16] }],
  initializers: [{ name: 'b', dtype: 'f32', shape: [16], data: Array.from(floats(16, 3)) }],
});

/** Branches: y is read twice, so y and the two branches are separate kernels; two outputs. */
const branches = onnxModel({
  nodes: [
    { op: 'Add', inputs: ['x', 'b'], outputs: ['y'] },
    { op: 'Tanh', inputs: ['y'], outputs: ['u'] },
    { op: 'Mul', inputs: ['y', 'y'], outputs: ['v'] },
    { op: 'Sub', inputs: ['u', 'v'], outputs: ['d'] },
    { op: 'Abs', inputs: ['d'], outputs: ['out'] },
    { op: 'Neg', inputs: ['v'], outputs: ['second'] },
  ],
  inputs: [{ name: 'x', dtype: 'f32', shape: [4, 33] }],
  outputs: [{ name: 'out', dtype: 'f32', shape: [4, 33] }, { name: 'second', dtype: 'f32', shape: [4, 33] }],
  initializers: [{ name: 'b', dtype: 'f32', shape: [4, 1], data: [0.5, -1, 2, 0] }],
});

for (const threads of [1, 2]) {
  test(`a fused chain matches onnxruntime on ${threads} thread(s), as one kernel written in place`, async (t) => {
    const x = floats(2 * 3 * 5 * 16, 11);
    const feeds = { x: { data: x, shape: [2, 3, 5, 16] } };
    const model = await compileOnnx(chain, { sizes: { batch: 2 }, threads });
    try {
      t.is(model.kernelCount, 1);
      t.deepEqual(model.graph.groups?.map((g) => g.nodes.length), [4]);
      // The input is read last by the one kernel, which writes its output over it.
      t.is(model.plan.peakBytes, x.byteLength);
      t.is(model.plan.lowerBoundBytes, x.byteLength);
      assertOutputsClose(t, await model.run(feeds), await ortRun(chain, feeds), 1e-5, 1e-6);
      // The model runs again on other data with the same memory.
      const x2 = floats(x.length, 12);
      assertOutputsClose(t, await model.run({ x: { data: x2, shape: [2, 3, 5, 16] } }), await ortRun(chain, { x: { data: x2, shape: [2, 3, 5, 16] } }), 1e-5, 1e-6);
    } finally {
      await model.dispose();
    }
  });
}

test('without fusion the chain runs as four kernels over a planned arena, with the same results', async (t) => {
  const feeds = { x: { data: floats(3 * 3 * 5 * 16, 5), shape: [3, 3, 5, 16] } };
  const model = await compileOnnx(chain, { sizes: { batch: 3 }, skipPasses: ['fuse elementwise epilogues'] });
  t.is(model.kernelCount, 4);
  // x is read by Add and Mul; the chain needs at most x plus two more tensors at once.
  t.true(model.plan.peakBytes <= 3 * feeds.x.data.byteLength);
  t.true(model.plan.peakBytes >= model.plan.lowerBoundBytes);
  assertOutputsClose(t, await model.run(feeds), await ortRun(chain, feeds), 1e-5, 1e-6);
});

test('branches and two outputs: kernels at planned addresses never clobber a live tensor', async (t) => {
  for (const threads of [1, 2]) {
    const feeds = { x: { data: floats(4 * 33, 21), shape: [4, 33] } };
    const model = await compileOnnx(branches, { threads });
    t.true(model.kernelCount >= 3);
    assertOutputsClose(t, await model.run(feeds), await ortRun(branches, feeds), 1e-5, 1e-6, `${threads}T`);
    t.true(model.plan.peakBytes >= model.plan.lowerBoundBytes);
    await model.dispose();
  }
});

test('f16 models take and give Uint16Array bits (dtype f16) and compute in f32', async (t) => {
  const bytes = onnxModel({
    nodes: [{ op: 'Mul', inputs: ['x', 'x'], outputs: ['y'] }, { op: 'Relu', inputs: ['y'], outputs: ['out'] }],
    inputs: [{ name: 'x', dtype: 'f16', shape: [64] }], outputs: [{ name: 'out', dtype: 'f16', shape: [64] }],
  });
  const model = await compileOnnx(bytes);
  t.deepEqual(model.inputs, [{ name: 'x', dtype: 'f16', shape: [64] }]);
  const x = f32ToF16(floats(64, 8, 4));
  const got = await model.run({ x: { data: x, shape: [64], dtype: 'f16' } });
  t.true(got.out!.data instanceof Uint16Array);
  t.is(got.out!.dtype, 'f16');
  // Tessera rounds once, from f32; onnxruntime's f16 Mul also rounds once: results agree to a half ULP.
  assertOutputsClose(t, got, await ortRun(bytes, { x: { data: x, shape: [64], dtype: 'f16' } }), 1e-3, 1e-4);
  const e = await t.throwsAsync(model.run({ x: { data: new Float32Array(64), shape: [64] } }), { instanceOf: ArgumentError });
  t.regex(e!.message, /input x has dtype f16 and takes a Uint16Array of IEEE binary16 bits, got Float32Array/);
});

test('int64 tensors run as i32: BigInt64Array at the boundary, values outside i32 refused by name', async (t) => {
  const bytes = onnxModel({
    nodes: [{ op: 'Add', inputs: ['x', 'k'], outputs: ['y'] }, { op: 'Mul', inputs: ['y', 'y'], outputs: ['out'] }],
    inputs: [{ name: 'x', dtype: 'i64', shape: [5] }], outputs: [{ name: 'out', dtype: 'i64', shape: [5] }],
    initializers: [{ name: 'k', dtype: 'i64', shape: [1], data: [3] }],
  });
  const model = await compileOnnx(bytes);
  const x = BigInt64Array.from([-5n, 0n, 7n, 100n, -40000n]);
  const got = await model.run({ x: { data: x, shape: [5] } });
  t.true(got.out!.data instanceof BigInt64Array);
  t.deepEqual([...got.out!.data as BigInt64Array], [...(await ortRun(bytes, { x: { data: x, shape: [5] } })).out!.data as BigInt64Array]);
  const e = await t.throwsAsync(model.run({ x: { data: BigInt64Array.from([1n, 2n, 1n << 40n, 0n, 0n]), shape: [5] } }), { instanceOf: ArgumentError });
  t.regex(e!.message, /input x element 2 is 1099511627776, outside the i32 range that Tessera's kernels hold i64 values in/);
});

test('bool outputs are Uint8Array of 0/1', async (t) => {
  const bytes = onnxModel({
    nodes: [{ op: 'Greater', inputs: ['a', 'b'], outputs: ['g'] }, { op: 'Where', inputs: ['g', 'a', 'b'], outputs: ['m'] }],
    inputs: [{ name: 'a', dtype: 'f32', shape: [2, 8] }, { name: 'b', dtype: 'f32', shape: [8] }],
    outputs: [{ name: 'g', dtype: 'bool', shape: [2, 8] }, { name: 'm', dtype: 'f32', shape: [2, 8] }],
  });
  const feeds = { a: { data: floats(16, 1), shape: [2, 8] }, b: { data: floats(8, 2), shape: [8] } };
  const model = await compileOnnx(bytes, { threads: 2 });
  const got = await model.run(feeds);
  t.is(got.g!.dtype, 'bool');
  assertOutputsClose(t, got, await ortRun(bytes, feeds), 0, 0);
  await model.dispose();
});

test('wrong feeds are ArgumentErrors that name the input', async (t) => {
  const model = await compileOnnx(chain, { sizes: { batch: 1 } });
  const x = floats(3 * 5 * 16, 1);
  t.regex((await t.throwsAsync(model.run({}), { instanceOf: ArgumentError }))!.message, /missing input x \(f32 \[1, 3, 5, 16\]\)/);
  t.regex((await t.throwsAsync(model.run({ x: { data: x, shape: [1, 3, 5, 16] }, y: { data: x, shape: [240] } }), { instanceOf: ArgumentError }))!.message, /unknown input y; the model's inputs are x/);
  t.regex((await t.throwsAsync(model.run({ x: { data: x, shape: [1, 3, 16, 5] } }), { instanceOf: ArgumentError }))!.message, /input x has shape \[1, 3, 5, 16\], got \[1, 3, 16, 5\]/);
  t.regex((await t.throwsAsync(model.run({ x: { data: Float64Array.from(x), shape: [1, 3, 5, 16] } }), { instanceOf: ArgumentError }))!.message, /input x has dtype f32 and takes a Float32Array, got Float64Array/);
  t.regex((await t.throwsAsync(model.run({ x: { data: x.subarray(1), shape: [1, 3, 5, 16] } }), { instanceOf: ArgumentError }))!.message, /input x has 239 elements, but its shape \[1, 3, 5, 16\] needs 240/);
});

test('symbolic sizes: an unbound or unknown name is a GraphError naming it', async (t) => {
  t.regex((await t.throwsAsync(compileOnnx(chain), { instanceOf: GraphError }))!.message, /graph input x dimension 0 is the symbolic size "batch"; bind it at compile time with \{ sizes: \{ batch: N \} \}/);
  t.regex((await t.throwsAsync(compileOnnx(chain, { sizes: { batch: 1, height: 3 } }), { instanceOf: GraphError }))!.message, /sizes\.height: the model has no symbolic dimension "height" \(it has "batch"\)/);
  t.regex((await t.throwsAsync(compileOnnx(chain, { sizes: { batch: 0 } }), { instanceOf: GraphError }))!.message, /sizes\.batch must be a positive integer, got 0/);
});

test('an unsupported op is a GraphError naming the node, op and opset, listing what is supported', async (t) => {
  const bytes = onnxModel({
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }, { op: 'NonMaxSuppressionPlus', inputs: ['y'], outputs: ['z'], name: 'nms' }],
    inputs: [{ name: 'x', dtype: 'f32', shape: [4] }], outputs: [{ name: 'z' }],
  });
  const e = await t.throwsAsync(compileOnnx(bytes), { instanceOf: GraphError });
  t.regex(e!.message, /^node nms \(NonMaxSuppressionPlus, opset 13\): Tessera has no operator NonMaxSuppressionPlus; supported: .*\bRelu\b/);
});

test('an op at an opset the library lacks says which opsets it implements', async (t) => {
  const bytes = onnxModel({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', dtype: 'f32', shape: [4] }], outputs: [{ name: 'y' }], opset: 5 });
  t.regex((await t.throwsAsync(compileOnnx(bytes), { instanceOf: GraphError }))!.message, /node n0 \(Relu, opset 5\): Tessera implements Relu for opset \d+-\d+, not opset 5/);
});
