/**
 * Artifacts in a browser: what `tessera compile` writes (the blur with its parallel classic schedule,
 * SGEMM with a baseline and a relaxed-SIMD binary, the blur's WebGPU program) is served as it is to a
 * cross-origin-isolated headless Chromium page, whose import map points `tessera/runtime` at an
 * esbuild browser bundle of the runtime alone. The page imports each NAME.js, `await load()`s it (the
 * binaries found beside it through import.meta.url) and runs it: the blur of the bundled photo is
 * bit-exact against the reference evaluator on wasm and on the page's WebGPU, SGEMM within f32
 * tolerance, and the SGEMM loader takes the relaxed-SIMD binary when the page's engine has it.
 */
import { requireBrowser } from './helpers/environment.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blurPipeline } from '../examples/blur_pipeline.js';
import { sgemmPipeline } from '../examples/sgemm_pipeline.js';
import { evaluate } from '../reference/evaluate.js';
import { readImage, toPlanar } from '../io/image.js';
import { diffArrays } from './helpers/compare.js';
import { randomTensor } from './helpers/pipelines.js';
import { REPO_ROOT, runCli } from './helpers/cli.js';
import { bundleForBrowser, pageResult, withBrowserPage, type PageFiles } from './helpers/browser.js';

const { test } = requireBrowser(import.meta.url);

const SGEMM = { M: 70, N: 83, K: 45 } as const;

/** The page: loads each artifact through its NAME.js and reports outputs, binaries and features. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Tessera artifacts in the browser</title>
<script type="importmap">{ "imports": { "tessera/runtime": "./tessera-runtime.js" } }</script>
<script type="module">
import { engineWasmFeatures } from 'tessera/runtime';
import loadBlur from './blur/blur.js';
import loadSgemm from './sgemm/sgemm.js';
import loadBlurGpu from './blur_gpu/blur_gpu.js';
const bytes = async (file) => (await (await fetch(file)).arrayBuffer());
try {
  const shape = await (await fetch('photo.json')).json();
  const photo = { data: new Uint16Array(await bytes('photo.bin')), shape };
  const blur = await loadBlur();
  const wasm = Array.from(blur({ input: photo }).blur_y.data);
  const sgemm = await loadSgemm();
  const A = { data: new Float32Array(await bytes('A.bin')), shape: [${SGEMM.M}, ${SGEMM.K}] };
  const B = { data: new Float32Array(await bytes('B.bin')), shape: [${SGEMM.K}, ${SGEMM.N}] };
  const C = Array.from(sgemm({ A, B }).C.data);
  const gpuBlur = await loadBlurGpu();
  const gpu = Array.from((await gpuBlur({ input: photo })).blur_y.data);
  gpuBlur.close();
  window.__result = { wasm, C, gpu, sgemmBinary: sgemm.binary.file, blurBinary: blur.binary.file, features: [...engineWasmFeatures()], isolated: crossOriginIsolated };
} catch (e) {
  window.__result = { error: e.stack || String(e) };
}
</script>
`;

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

test('artifacts written by tessera compile run in headless Chromium with a browser bundle of the runtime alone', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-browser-artifact-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const compileTo = async (name: string, args: string[]) => {
    const out = join(scratch, name);
    const r = await runCli(['compile', ...args, '--name', name, '-o', out]);
    t.is(r.status, 0, r.err);
    return Object.fromEntries(readdirSync(out).map((f) => [`${name}/${f}`, new Uint8Array(readFileSync(join(out, f)))]));
  };
  const artifacts = {
    ...await compileTo('blur', ['examples/blur_pipeline.ts', '--pipeline', 'blur', '--schedule', 'classic']),
    ...await compileTo('sgemm', ['examples/sgemm_pipeline.ts', '--schedule', 'tiled']),
    ...await compileTo('blur_gpu', ['examples/blur_pipeline.ts', '--pipeline', 'blur', '--schedule', 'gpu', '--target', 'webgpu']),
  };
  const bundle = await bundleForBrowser({ 'tessera-runtime.js': 'runtime/index.ts' });
  t.deepEqual(bundle.inputs.filter((p) => !p.startsWith('runtime/')), [], 'the browser bundle holds the runtime alone');

  const photo = toPlanar(readImage(join(REPO_ROOT, 'examples/data/chelsea.png')), 'u16');
  const A = randomTensor('f32', [SGEMM.M, SGEMM.K], 1, -1, 1), B = randomTensor('f32', [SGEMM.K, SGEMM.N], 2, -1, 1);
  const files: PageFiles = {
    'index.html': PAGE, ...bundle.files, ...artifacts,
    'photo.bin': bytesOf(photo.data), 'photo.json': JSON.stringify(photo.shape), 'A.bin': bytesOf(A.data), 'B.bin': bytesOf(B.data),
  };
  const report = await withBrowserPage(files, 'index.html', async ({ page, problems }) => {
    const r = await pageResult<{ wasm: number[]; C: number[]; gpu: number[]; sgemmBinary: string; blurBinary: string; features: string[]; isolated: boolean }>(page, 240000);
    t.deepEqual(problems, [], 'the page logged no errors');
    return r;
  }, { timeoutMs: 240000 });
  t.true(report.isolated, 'the page is cross-origin isolated (the classic blur needs shared memory)');
  t.log(`page engine features: ${report.features.join(', ')}; SGEMM binary taken: ${report.sgemmBinary}`);
  t.is(report.blurBinary, 'blur.wasm');
  t.is(report.sgemmBinary, report.features.includes('relaxed-simd') ? 'sgemm.relaxed.wasm' : 'sgemm.wasm');

  const want = evaluate(blurPipeline('u16'), { input: photo }, { C: 3, H: photo.shape[1], W: photo.shape[2] }).blur_y!;
  t.is(diffArrays('blur_y (wasm artifact in Chromium)', Uint16Array.from(report.wasm), want.data, want.shape, false), undefined);
  t.is(diffArrays('blur_y (WebGPU artifact in Chromium)', Uint16Array.from(report.gpu), want.data, want.shape, false), undefined);
  const C = evaluate(sgemmPipeline(), { A, B }, SGEMM).C!;
  t.is(diffArrays('C (SGEMM artifact in Chromium)', Float32Array.from(report.C), C.data, C.shape, true), undefined);
});
