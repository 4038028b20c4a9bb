/**
 * `npm run example:faces -- PHOTO OUT.png [--model FILE] [--threads N] [--target wasm-simd|webgpu]`:
 * UltraFace RFB-320 finds the faces on a photo; the boxes (score over 0.7, hard NMS at IoU 0.3, as the
 * model's repository does) are printed and drawn into OUT.png.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compileOnnx } from '../model/compile_onnx.js';
import { readImage, writePng } from '../io/image.js';
import { drawBoxes } from './model_images.js';
import { detectFaces, ultrafaceInput, ULTRAFACE_HEIGHT, ULTRAFACE_WIDTH } from './ultraface.js';

const shared = (p: string) => fileURLToPath(new URL(`../../shared/data/${p}`, import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: shared('models/ultraface_rfb320.onnx') },
    threads: { type: 'string', default: '1' },
    target: { type: 'string', default: 'wasm-simd' },
    threshold: { type: 'string', default: '0.7' },
  },
});
const photo = positionals[0] ?? shared('images/astronaut.png');
const outPath = positionals[1] ?? 'out/faces.png';

const img = readImage(photo);
const model = await compileOnnx(values.model!, { target: values.target as 'wasm-simd' | 'webgpu', threads: Number(values.threads) });
const t0 = performance.now();
const out = await model.run({ input: { data: ultrafaceInput(img), shape: [1, 3, ULTRAFACE_HEIGHT, ULTRAFACE_WIDTH] } });
const ms = performance.now() - t0;
const faces = detectFaces(out.scores!.data as Float32Array, out.boxes!.data as Float32Array, img.width, img.height, Number(values.threshold));
console.log(`${photo}: ${faces.length} face(s) in ${ms.toFixed(1)} ms (first run)`);
for (const f of faces) console.log(`  score ${f.score.toFixed(3)}  box (${f.x1.toFixed(0)}, ${f.y1.toFixed(0)}) - (${f.x2.toFixed(0)}, ${f.y2.toFixed(0)})`);
mkdirSync(dirname(outPath), { recursive: true });
writePng(outPath, drawBoxes(img, faces));
console.log(`wrote ${outPath}`);
await model.dispose();
