/**
 * The model compiler's kernel cache (model/kernel_cache.ts): groups that differ only in the values
 * of constants their code does not read (weights) share one build, and the model still matches
 * onnxruntime-node; constants an op bakes into its code (Clip's bounds) keep builds apart unless
 * their bytes are equal, whatever the tensors are called.
 */
import test from 'ava';
import { compileOnnx } from '../model/compile_onnx.ts';
import { KernelCache } from '../model/kernel_cache.ts';
import { random } from '../examples/random.ts';
import { onnxModel } from './helpers/onnx_graph.ts';
import { assertOutputsClose, ortRun } from './helpers/ort_model.ts';

const floats = (n: number, seed: number, scale = 1) => { const r = random(seed); return Array.from({ length: n }, () => r() * scale); };

/** Two 3x3 convolutions 6 -> 6 over 10x10, each with its own weights and bias, then Relu. */
const twoConvs = onnxModel({
  nodes: [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'w2', 'b2'], outputs: ['c2'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c2'], outputs: ['out'] },
  ],
  inputs: [{ name: 'x', dtype: 'f32', shape: [1, 6, 10, 10] }],
  outputs: [{ name: 'out', dtype: 'f32', shape: [1, 6, 10, 10] }],
  initializers: [
    { name: 'w1', dtype: 'f32', shape: [6, 6, 3, 3], data: floats(324, 1, 0.3) },
    { name: 'b1', dtype: 'f32', shape: [6], data: floats(6, 2) },
    { name: 'w2', dtype: 'f32', shape: [6, 6, 3, 3], data: floats(324, 3, 0.3) },
    { name: 'b2', dtype: 'f32', shape: [6], data: floats(6, 4) },
  ],
});

/** Three Clips of one input: bounds [-0.5, 0.5], [-1, 0.25], and [-0.5, 0.5] again in tensors of other names. */
const threeClips = onnxModel({
  nodes: [
    { op: 'Clip', inputs: ['x', 'lo1', 'hi1'], outputs: ['a'] },
    { op: 'Clip', inputs: ['x', 'lo2', 'hi2'], outputs: ['b'] },
    { op: 'Clip', inputs: ['x', 'lo3', 'hi3'], outputs: ['c'] },
  ],
  inputs: [{ name: 'x', dtype: 'f32', shape: [3, 17] }],
  outputs: [{ name: 'a', dtype: 'f32', shape: [3, 17] }, { name: 'b', dtype: 'f32', shape: [3, 17] }, { name: 'c', dtype: 'f32', shape: [3, 17] }],
  initializers: [
    { name: 'lo1', dtype: 'f32', shape: [], data: [-0.5] }, { name: 'hi1', dtype: 'f32', shape: [], data: [0.5] },
    { name: 'lo2', dtype: 'f32', shape: [], data: [-1] }, { name: 'hi2', dtype: 'f32', shape: [], data: [0.25] },
    { name: 'lo3', dtype: 'f32', shape: [], data: [-0.5] }, { name: 'hi3', dtype: 'f32', shape: [], data: [0.5] },
  ],
});

for (const threads of [1, 2]) {
  test(`two convolutions of one shape with other weights share one build on ${threads} thread(s), and match onnxruntime`, async (t) => {
    const cache = new KernelCache();
    const model = await compileOnnx(twoConvs, { cache, threads });
    try {
      t.is(model.kernelCount, 2);
      t.deepEqual([cache.misses, cache.hits], [1, 1]);
      t.is(model.wasm!.program.kernels.length, 1, 'the model holds the shared kernel once');
      t.deepEqual(model.wasm!.program.steps.map((s) => s.kernel), [0, 0]);
      const feeds = { x: { data: Float32Array.from(floats(600, 5, 2)), shape: [1, 6, 10, 10] } };
      assertOutputsClose(t, await model.run(feeds), await ortRun(twoConvs, feeds), 1e-4, 1e-5);
    } finally {
      await model.dispose();
    }
  });
}

test('constants an op bakes into its code keep builds apart; equal bytes under other names share one', async (t) => {
  const cache = new KernelCache();
  const model = await compileOnnx(threeClips, { cache });
  try {
    t.is(model.kernelCount, 3);
    t.deepEqual([cache.misses, cache.hits], [2, 1]);
    const feeds = { x: { data: Float32Array.from(floats(51, 6, 3)), shape: [3, 17] } };
    assertOutputsClose(t, await model.run(feeds), await ortRun(threeClips, feeds), 0, 0);
  } finally {
    await model.dispose();
  }
  // The same workloads in a second model come from the cache.
  const again = await compileOnnx(threeClips, { cache });
  t.deepEqual([cache.misses, cache.hits], [2, 4]);
  await again.dispose();
});
