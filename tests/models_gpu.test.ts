/**
 * Whole models on WebGPU (SwiftShader in CI: slow, so the MNIST CNN on 20 digits and one SqueezeNet
 * run) against onnxruntime-node, within the same tolerance as on wasm-simd: rtol 1e-3, atol 1e-4
 * (WGSL's f32 division may be 2.5 ULP off, WGSL § 15.7.2; the sums are the same length as on wasm,
 * so that allowance is far inside the tolerance).
 */
import { requireGpu, requireSharedData } from './helpers/environment.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileOnnx } from '../model/compile_onnx.ts';
import { acquireGpu, type GpuContext } from '../runtime/webgpu/device.ts';
import { readImage } from '../io/image.ts';
import { resizeBilinear, toNchw, topK } from '../examples/model_images.ts';
import { assertOutputsClose, ortRun } from './helpers/ort_model.ts';

const shared = (p: string) => fileURLToPath(new URL(`../../shared/data/${p}`, import.meta.url));
const RTOL = 1e-3, ATOL = 1e-4;
const data = requireSharedData(import.meta.url, 'models/mnist_cntk.onnx', 'models/squeezenet1.1.onnx', 'mnist/images_u8.bin', 'images/pelican.jpeg');
const test = data.available ? (await requireGpu(import.meta.url)).test : data.test;

let gpu: GpuContext;
test.before(async () => { gpu = await acquireGpu(); });
test.after.always(() => gpu?.destroy());

test('MNIST CNN on WebGPU: 20 digits match onnxruntime and are read right', async (t) => {
  const images = readFileSync(shared('mnist/images_u8.bin')), digits = readFileSync(shared('mnist/labels_u8.bin'));
  const model = await compileOnnx(shared('models/mnist_cntk.onnx'), { target: 'webgpu', gpu });
  t.is(model.target, 'webgpu');
  let right = 0;
  for (let i = 0; i < 1000; i += 50) {
    const feeds = { Input3: { data: Float32Array.from(images.subarray(i * 784, (i + 1) * 784)), shape: [1, 1, 28, 28] } };
    const got = await model.run(feeds);
    assertOutputsClose(t, got, await ortRun(shared('models/mnist_cntk.onnx'), feeds), RTOL, ATOL, `digit ${i}`);
    if (topK(got.Plus214_Output_0!.data as Float32Array, 1)[0] === digits[i]) right++;
  }
  t.true(right >= 19, `${right} of 20`);
  await model.dispose();
});

test('SqueezeNet 1.1 on WebGPU: one photo matches onnxruntime', async (t) => {
  const model = await compileOnnx(shared('models/squeezenet1.1.onnx'), { target: 'webgpu', gpu });
  const data = toNchw(resizeBilinear(readImage(shared('images/pelican.jpeg')), 224, 224), { order: 'bgr', mean: [103.939, 116.779, 123.68] });
  const feeds = { data_0: { data, shape: [1, 3, 224, 224] } };
  const got = await model.run(feeds);
  assertOutputsClose(t, got, await ortRun(shared('models/squeezenet1.1.onnx'), feeds), RTOL, ATOL);
  t.is(topK(got.softmaxout_1!.data as Float32Array, 1)[0], 144);
  await model.dispose();
});
