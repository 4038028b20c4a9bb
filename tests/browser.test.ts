/**
 * The thread pool in a browser: a parallel kernel compiled in Node runs on a 2-thread pool of Web
 * Workers in a cross-origin-isolated Chromium page, from a browser bundle of the runtime alone (no
 * compiler), both in a dedicated Worker of the page (the join blocks in Atomics.wait) and on the
 * page's main thread (the join spins), and its output equals the reference computed in Node.
 * Needs Chromium (Debian's at /usr/bin/chromium): without it the tests are skipped with the reason (helpers/environment.ts), unless CI=true.
 */
import plainTest from 'ava';
import { requireBrowser } from './helpers/environment.js';
import { readFileSync } from 'node:fs';
import { compile } from '../tessera.js';
import { blurU16 } from './helpers/pipelines.js';
import { reference, diffArrays } from './helpers/compare.js';
import { bundleForBrowser, withBrowserPage, pageResult } from './helpers/browser.js';
import { parallelBlurSchedule } from './helpers/schedules.js';
import type { KernelCase, RunReport } from '../browser/run_case.js';

const { test } = requireBrowser(import.meta.url);

/** Sources a browser bundle of the runtime may include: the runtime and the page's own. */
const RUNTIME_ONLY = /^(runtime\/|browser\/)/;

test('a parallel kernel compiled in Node runs on a 2-thread pool in a cross-origin-isolated page, in a Worker and on the main thread', async (t) => {
  const tp = blurU16(61, 203);
  const sch = parallelBlurSchedule(tp.pipeline);
  const f = compile(tp.pipeline, sch);
  t.true((f.signature.tasks?.length ?? 0) > 0, 'the kernel has a parallel loop');
  const input = tp.inputs(1).input!;
  const want = reference(tp, 1).blur_y!;

  const bundle = await bundleForBrowser({ 'threads_page.js': 'browser/threads_page.ts', 'threads_worker.js': 'browser/threads_worker.ts' });
  t.deepEqual(bundle.inputs.filter((p) => !RUNTIME_ONLY.test(p)), [], 'the browser bundle holds the runtime only');
  const kase: KernelCase = { signature: f.signature, input: { name: 'input', dtype: 'u16', shape: input.shape }, output: 'blur_y' };
  const files = {
    'threads.html': readFileSync(new URL('../browser/threads.html', import.meta.url), 'utf8'),
    ...bundle.files,
    'kernel.wasm': f.binary!,
    'case.json': JSON.stringify(kase),
    'input.bin': new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength),
  };

  const result = await withBrowserPage(files, 'threads.html', async ({ page, problems }) => {
    const r = await pageResult<{ crossOriginIsolated: boolean; worker: RunReport; main: RunReport }>(page);
    t.deepEqual(problems, [], 'the page logged no errors');
    return r;
  });
  t.true(result.crossOriginIsolated, 'the page is cross-origin isolated');
  for (const [where, report, join] of [['a Worker of the page', result.worker, 'wait'], ['the main thread', result.main, 'spin']] as const) {
    t.true(report.crossOriginIsolated, `${where} is cross-origin isolated`);
    t.is(report.threads, 2, `${where}: pool threads`);
    t.is(report.join, join, `${where}: how the caller joins`);
    const got = Uint16Array.from(report.output);
    t.is(report.output.length, want.data.length, `${where}: output length`);
    t.is(diffArrays(`blur_y (${where})`, got, want.data, want.shape, false), undefined);
  }
});

test('a page that never reports fails in time, naming the global, with the console errors of the page and its workers and unknown requests', async (t) => {
  const files = {
    'index.html': `<!doctype html><script type="module">console.error('boom in the page'); new Worker('worker.js'); fetch('missing.json');</script>`,
    'worker.js': `console.error('boom in a worker');`,
  };
  const error = await t.throwsAsync(withBrowserPage(files, 'index.html', ({ page }) => pageResult(page, 2000), { timeoutMs: 20000 }));
  t.regex(error!.message, /the page did not set window\.__result within 2 s/);
  t.regex(error!.message, /console error in the page: boom in the page/);
  t.regex(error!.message, /console error in worker \S+worker\.js: boom in a worker/);
  t.regex(error!.message, /server: GET \/missing\.json is not one of the served files/);
});

plainTest('without Chromium a browser check fails, saying how to install it', async (t) => {
  await t.throwsAsync(withBrowserPage({ 'index.html': '' }, 'index.html', async () => {}, { executablePath: '/nonexistent/chromium' }), {
    message: /browser checks need Chromium at \/nonexistent\/chromium, which is missing: install it with `apt-get install -y chromium`/,
  });
});
