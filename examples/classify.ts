/**
 * `npm run example:classify -- PHOTO [--model FILE] [--threads N] [--target wasm-simd|webgpu]`:
 * SqueezeNet 1.1 on a photo, printing the top-5 ImageNet labels with their probabilities and the
 * median time of a few runs. Input convention of the WinML SqueezeNet (../shared/data/README.md): the
 * photo resized to 224x224, BGR, 0..255 minus the Caffe mean (103.939, 116.779, 123.68).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compileOnnx } from '../model/compile_onnx.js';
import { readImage } from '../io/image.js';
import { readLabels, resizeBilinear, toNchw, topK } from './model_images.js';
import { f16ToF32, f32ToF16 } from '../runtime/f16.js';

const shared = (p: string) => fileURLToPath(new URL(`../../shared/data/${p}`, import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: shared('models/squeezenet1.1.onnx') },
    labels: { type: 'string', default: shared('labels/imagenet_labels_winml.txt') },
    threads: { type: 'string', default: '1' },
    target: { type: 'string', default: 'wasm-simd' },
  },
});
const photo = positionals[0] ?? shared('images/cat.jpg');
const target = values.target as 'wasm-simd' | 'webgpu';

const model = await compileOnnx(values.model!, { target, threads: Number(values.threads) });
const input = model.inputs[0]!;
const [, , height, width] = input.shape;
const pixels = toNchw(resizeBilinear(readImage(photo), width!, height!), { order: 'bgr', mean: [103.939, 116.779, 123.68] });
const feed = input.dtype === 'f16' ? { data: f32ToF16(pixels) as Uint16Array, shape: input.shape, dtype: 'f16' as const } : { data: pixels, shape: input.shape };
const times: number[] = [];
let out = await model.run({ [input.name]: feed });
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  out = await model.run({ [input.name]: feed });
  times.push(performance.now() - t0);
}
const result = out[model.outputs[0]!.name]!;
const probs = result.dtype === 'f16' ? f16ToF32(result.data as Uint16Array) : (result.data as Float32Array);
const labels = readLabels(values.labels!);
console.log(`${photo}: ${model.kernelCount} kernels, ${target}${target === 'wasm-simd' ? `, ${values.threads} thread(s)` : ''}, median ${times.sort((a, b) => a - b)[2]!.toFixed(1)} ms`);
for (const i of topK(probs, 5)) console.log(`  ${(probs[i]! * 100).toFixed(1).padStart(5)}%  ${labels[i]}`);
await model.dispose();
