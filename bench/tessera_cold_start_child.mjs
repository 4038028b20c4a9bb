/**
 * One Tessera cold start, run by bench/tessera_cold_start.ts in a fresh Node process (plain
 * JavaScript: nothing between the process and the artifact's loader):
 *
 *   node tessera_cold_start_child.mjs DIR/NAME.js INPUT_NAME '[1,3,224,224]' INPUT.f32
 *
 * The input is read before the clock starts; then the artifact's loader (which imports the bundled
 * runtime beside it) is imported, `load()` reads the description, compiles the kernels and copies the
 * weights in, and the first inference runs. Prints one JSON line:
 * { importMs, loadMs, firstRunMs, totalMs, outputs }.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [loader, inputName, shapeJson, dataPath] = process.argv.slice(2);
if (!loader || !inputName || !shapeJson || !dataPath) {
  process.stderr.write('usage: node tessera_cold_start_child.mjs DIR/NAME.js INPUT_NAME SHAPE_JSON INPUT.f32\n');
  process.exit(2);
}
const raw = readFileSync(dataPath);
const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const shape = JSON.parse(shapeJson);

const t0 = performance.now();
const { load } = await import(pathToFileURL(loader).href);
const t1 = performance.now();
const model = await load();
const t2 = performance.now();
const out = await model.run({ [inputName]: { data, shape } });
const t3 = performance.now();
process.stdout.write(`${JSON.stringify({ importMs: t1 - t0, loadMs: t2 - t1, firstRunMs: t3 - t2, totalMs: t3 - t0, outputs: Object.keys(out) })}\n`);
await model.close();
process.exit(0);
