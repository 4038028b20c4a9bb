/**
 * One onnxruntime-web cold start, run by bench/peers/ort_cold_start.ts in a fresh Node process (plain
 * JavaScript, so no TypeScript loader sits between the process and the package's import):
 *
 *   node ort_cold_start_child.mjs MODEL.onnx INPUT_NAME '[1,3,224,224]' INPUT.f32 THREADS
 *
 * The model and input are read before the clock starts; then the package is imported, the session
 * created (wasm execution provider, all graph optimisations, warnings off: UltraFace alone prints 244
 * lines about initializers listed as inputs) and the first inference run. Prints one
 * JSON line: { importMs, sessionMs, firstRunMs, totalMs, outputs }.
 */
import { readFileSync } from 'node:fs';

const [model, inputName, shapeJson, dataPath, threads] = process.argv.slice(2);
if (!model || !inputName || !shapeJson || !dataPath || !threads) {
  process.stderr.write('usage: node ort_cold_start_child.mjs MODEL.onnx INPUT_NAME SHAPE_JSON INPUT.f32 THREADS\n');
  process.exit(2);
}
const bytes = readFileSync(model);
const raw = readFileSync(dataPath);
const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const shape = JSON.parse(shapeJson);

const t0 = performance.now();
const ort = await import('onnxruntime-web');
const t1 = performance.now();
ort.env.wasm.numThreads = Number(threads);
ort.env.logLevel = 'error';
const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
const t2 = performance.now();
const out = await session.run({ [inputName]: new ort.Tensor('float32', data, shape) });
const t3 = performance.now();
process.stdout.write(`${JSON.stringify({ importMs: t1 - t0, sessionMs: t2 - t1, firstRunMs: t3 - t2, totalMs: t3 - t0, outputs: Object.keys(out) })}\n`);
process.exit(0);
