/**
 * Real networks from ../shared/data/models/ against onnxruntime-node (the reference), compiled by
 * compileOnnx on wasm-simd with one and two threads: outputs within rtol 1e-3 / atol 1e-4 on real
 * inputs (photos, digits), SqueezeNet's top-1 on four photos, MNIST's accuracy on 1000 digits,
 * UltraFace's face on astronaut.png, and the random-weight MobileNetV2 and ResNet-18 on a seeded
 * input. Each model compiles once per thread count (kernels shared through the process's cache).
 * With TESSERA_MODEL_RECORDS=FILE every model compiles from that tuning records file (`tessera tune`
 * writes it), so the same checks hold for the tuned schedules and the algorithms the records chose.
 */
import { requireSharedData } from './helpers/environment.js';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileOnnx, type CompiledModel } from '../model/compile_onnx.ts';
import { readImage } from '../io/image.ts';
import { readLabels, resizeBilinear, toNchw, topK } from '../examples/model_images.ts';
import { detectFaces, ultrafaceInput, iou } from '../examples/ultraface.ts';
import { random } from '../examples/random.ts';
import { f16ToF32, f32ToF16 } from '../runtime/f16.ts';
import type { ModelTensor } from '../runtime/model_tensors.ts';
import { assertOutputsClose, closeness, ortRun } from './helpers/ort_model.ts';
import { TuningDatabase } from '../autotune/database.ts';

const shared = (p: string) => fileURLToPath(new URL(`../../shared/data/${p}`, import.meta.url));
const model = (f: string) => shared(`models/${f}`);
const RTOL = 1e-3, ATOL = 1e-4;
const DATA = ['models/squeezenet1.1.onnx', 'models/squeezenet1.1_fp16_winml_original.onnx', 'models/mnist_cntk.onnx', 'models/ultraface_rfb320.onnx',
  'models/mobilenet_v2_random.onnx', 'models/resnet18_random.onnx', 'labels/imagenet_labels_winml.txt', 'mnist/images_u8.bin', 'images/astronaut.png'];
const { test, available } = requireSharedData(import.meta.url, ...DATA);
const labels = available ? readLabels(shared('labels/imagenet_labels_winml.txt')) : [];

/** SqueezeNet's input: 224x224, BGR, 0..255 minus the Caffe mean (../shared/data/README.md). */
const squeezeInput = (photo: string) => toNchw(resizeBilinear(readImage(shared(`images/${photo}`)), 224, 224), { order: 'bgr', mean: [103.939, 116.779, 123.68] });

/** What each photo shows: an ImageNet class index, or for the cat any of the domestic cats (281-285). */
const PHOTOS: [string, (top1: number) => boolean, string][] = [
  ['cat.jpg', (i) => i >= 281 && i <= 285, 'a domestic cat (281-285)'],
  ['dog.jpg', (i) => i === 207, 'golden retriever'],
  ['pelican.jpeg', (i) => i === 144, 'pelican'],
  ['bald_eagle.jpeg', (i) => i === 22, 'bald eagle'],
];

const recordsFile = process.env.TESSERA_MODEL_RECORDS;
if (recordsFile && !existsSync(recordsFile)) throw new Error(`TESSERA_MODEL_RECORDS: ${recordsFile} does not exist`);
const records = recordsFile ? TuningDatabase.open(recordsFile) : undefined;

async function withModel(file: string, threads: number, f: (m: CompiledModel) => Promise<void>): Promise<void> {
  const m = await compileOnnx(model(file), { threads, ...(records ? { records: await records } : {}) });
  try { await f(m); } finally { await m.dispose(); }
}

for (const threads of [1, 2]) {
  test(`SqueezeNet 1.1 fp32 on ${threads} thread(s): matches onnxruntime and gets the four photos right`, async (t) => {
    await withModel('squeezenet1.1.onnx', threads, async (m) => {
      t.true(m.plan.peakBytes >= m.plan.lowerBoundBytes);
      t.log(`${m.kernelCount} kernels (${m.tuned.length} from tuning records); arena peak ${m.plan.peakBytes} bytes, lower bound ${m.plan.lowerBoundBytes}`);
      for (const [photo, right, what] of PHOTOS) {
        const feeds = { data_0: { data: squeezeInput(photo), shape: [1, 3, 224, 224] } };
        const got = await m.run(feeds);
        assertOutputsClose(t, got, await ortRun(model('squeezenet1.1.onnx'), feeds), RTOL, ATOL, photo);
        const top = topK(got.softmaxout_1!.data as Float32Array, 1)[0]!;
        t.true(right(top), `${photo}: top-1 is ${top} (${labels[top]}), expected ${what}`);
      }
    });
  });
}

test('SqueezeNet 1.1 fp16 (the published file): f16 bits in and out, the fp32 model\'s results', async (t) => {
  // Tessera widens the f16 weights and computes in f32, so on the same (f16-rounded) input its fp16
  // model gives the fp32 model's output rounded once to f16: within rtol 1e-3 of onnxruntime's fp32
  // run. onnxruntime runs the fp16 file with f16 intermediates, which differ from both by more.
  for (const threads of [1, 2]) {
    await withModel('squeezenet1.1_fp16_winml_original.onnx', threads, async (m) => {
      t.deepEqual(m.inputs[0], { name: 'data_0', dtype: 'f16', shape: [1, 3, 224, 224] });
      for (const [photo, right] of PHOTOS.slice(threads - 1, threads + 1)) {
        const bits = f32ToF16(squeezeInput(photo)) as Uint16Array;
        const got = await m.run({ data_0: { data: bits, shape: [1, 3, 224, 224], dtype: 'f16' } });
        t.is(got.softmaxout_1!.dtype, 'f16');
        const probs = f16ToF32(got.softmaxout_1!.data as Uint16Array) as Float32Array;
        const want = await ortRun(model('squeezenet1.1.onnx'), { data_0: { data: f16ToF32(bits) as Float32Array, shape: [1, 3, 224, 224] } });
        const c = closeness({ data: probs, shape: [1, 1000, 1, 1] }, want.softmaxout_1!, RTOL, ATOL);
        t.true(c.ok, `${photo}: max |error| ${c.maxAbs} against onnxruntime's fp32 run`);
        const half = await ortRun(model('squeezenet1.1_fp16_winml_original.onnx'), { data_0: { data: bits, shape: [1, 3, 224, 224], dtype: 'f16' } });
        const ch = closeness(got.softmaxout_1!, half.softmaxout_1!, 2e-2, 2e-3);
        t.true(ch.ok, `${photo}: max |error| ${ch.maxAbs} against onnxruntime's fp16 run`);
        t.true(right(topK(probs, 1)[0]!), photo);
      }
    });
  }
});

test('MNIST CNN: at least 99% of the 1000 digits, and onnxruntime\'s outputs on 1 and 2 threads', async (t) => {
  const images = readFileSync(shared('mnist/images_u8.bin')), digits = readFileSync(shared('mnist/labels_u8.bin'));
  const feed = (i: number) => ({ Input3: { data: Float32Array.from(images.subarray(i * 784, (i + 1) * 784)), shape: [1, 1, 28, 28] } });
  await withModel('mnist_cntk.onnx', 1, async (m) => {
    let right = 0;
    for (let i = 0; i < 1000; i++) {
      const out = (await m.run(feed(i))).Plus214_Output_0!.data as Float32Array;
      if (topK(out, 1)[0] === digits[i]) right++;
    }
    t.log(`MNIST: ${right} of 1000 digits right`);
    t.true(right >= 990, `${right} of 1000`);
    for (let i = 0; i < 1000; i += 97) assertOutputsClose(t, await m.run(feed(i)), await ortRun(model('mnist_cntk.onnx'), feed(i)), RTOL, ATOL, `digit ${i}`);
  });
  await withModel('mnist_cntk.onnx', 2, async (m) => {
    for (let i = 5; i < 1000; i += 199) assertOutputsClose(t, await m.run(feed(i)), await ortRun(model('mnist_cntk.onnx'), feed(i)), RTOL, ATOL, `digit ${i}, 2 threads`);
  });
});

for (const threads of [1, 2]) {
  test(`UltraFace RFB-320 on ${threads} thread(s): matches onnxruntime and finds the astronaut's face`, async (t) => {
    const img = readImage(shared('images/astronaut.png'));
    const feeds = { input: { data: ultrafaceInput(img), shape: [1, 3, 240, 320] } };
    await withModel('ultraface_rfb320.onnx', threads, async (m) => {
      const got = await m.run(feeds);
      const want = await ortRun(model('ultraface_rfb320.onnx'), feeds);
      assertOutputsClose(t, got, want, RTOL, ATOL);
      const faces = detectFaces(got.scores!.data as Float32Array, got.boxes!.data as Float32Array, img.width, img.height);
      const reference = detectFaces(want.scores!.data as Float32Array, want.boxes!.data as Float32Array, img.width, img.height);
      t.is(faces.length, 1, JSON.stringify(faces));
      // The face of the astronaut (skimage's astronaut.png) is around (180..270, 60..175).
      t.true(iou(faces[0]!, { x1: 180, y1: 60, x2: 270, y2: 175 }) > 0.7, JSON.stringify(faces[0]));
      t.true(iou(faces[0]!, reference[0]!) > 0.99);
    });
  });
}

/** A seeded input in [-1, 1): the random-weight networks accept any values (../shared/data/README.md). */
const randomImage = (seed: number): ModelTensor => { const r = random(seed); return { data: Float32Array.from({ length: 3 * 224 * 224 }, () => r()), shape: [1, 3, 224, 224] }; };

for (const [file, label] of [['mobilenet_v2_random.onnx', 'MobileNetV2'], ['resnet18_random.onnx', 'ResNet-18']] as const) {
  test(`${label} (random weights, opset 13) matches onnxruntime on 1 and 2 threads`, async (t) => {
    const feeds = { input: randomImage(label.length) };
    const want = await ortRun(model(file), feeds);
    for (const threads of [1, 2]) {
      await withModel(file, threads, async (m) => {
        assertOutputsClose(t, await m.run(feeds), want, RTOL, ATOL, `${threads}T`);
        t.log(`${label} ${threads}T: ${m.kernelCount} kernels; arena peak ${m.plan.peakBytes} bytes, lower bound ${m.plan.lowerBoundBytes}`);
      });
    }
  });
}
