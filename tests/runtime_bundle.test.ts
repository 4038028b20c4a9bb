/**
 * The runtime-only entry `tessera/runtime` (runtime/index.ts), bundled for browsers by esbuild as an
 * application would: it must hold runtime modules only (no binaryen, nothing of dsl/, ir/, schedule/,
 * lower/, codegen/, cli/, io/), and its size minified and gzipped is printed (docs/package.md quotes it).
 */
import test from 'ava';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { REPO_ROOT } from './helpers/cli.js';

/** Generous: the runtime is about a quarter of it; a bundle past it has pulled in something it should not. */
const BUDGET_GZIP_BYTES = 64 * 1024;

test('the runtime bundle holds the runtime alone; its size minified and gzipped', async (t) => {
  const r = await build({
    absWorkingDir: REPO_ROOT, entryPoints: ['runtime/index.ts'], bundle: true, minify: true, format: 'esm', platform: 'browser',
    target: 'es2022', write: false, metafile: true, logLevel: 'silent', outfile: 'tessera-runtime.min.js',
  });
  const inputs = Object.keys(r.metafile.inputs);
  t.deepEqual(inputs.filter((p) => !p.startsWith('runtime/')), [], 'only runtime/ sources');
  t.deepEqual(inputs.filter((p) => /binaryen|(^|\/)(dsl|ir|schedule|lower|codegen|cli|io)\//.test(p)), [], 'no binaryen, no compiler module');
  const code = r.outputFiles[0]!.contents;
  const gzipped = gzipSync(code, { level: 9 }).byteLength;
  t.log(`tessera/runtime bundle: ${inputs.length} modules, ${(code.byteLength / 1024).toFixed(1)} KiB minified, ${(gzipped / 1024).toFixed(1)} KiB minified and gzipped`);
  t.true(gzipped < BUDGET_GZIP_BYTES, `${gzipped} bytes gzipped, over the budget of ${BUDGET_GZIP_BYTES}`);
  t.false(new TextDecoder().decode(code).includes('binaryen'), 'the text names no binaryen');
});
