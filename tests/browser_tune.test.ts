/**
 * Tuning in a browser: the Measurer runs in a headless Chromium page with its build and run workers
 * as module Web Workers (the compiler bundled for the browser), measures a small budget of candidates
 * of a blur on Chromium's own engine (checked against the reference evaluator in the page, a refused
 * trace classed with its code), and the records made from its results are filed under Chromium's
 * target class: they apply there, never to Node's.
 * Needs Debian's Chromium at /usr/bin/chromium: without it this check fails, saying how to install it.
 */
import { requireBrowser } from './helpers/environment.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleForBrowser, withBrowserPage, pageResult } from './helpers/browser.js';
import { workloadOf, definitionAxes } from '../autotune/workload.js';
import { wasmTarget, type TuningTarget } from '../autotune/target.js';
import { TuningDatabase } from '../autotune/database.js';
import type { MeasureResult } from '../autotune/result.js';
import { Schedule } from '../schedule/schedule.js';
import type { Instruction } from '../schedule/instruction.js';
import { blurU16 } from './helpers/pipelines.js';
import { parallelBlurSchedule } from './helpers/schedules.js';

const { test } = requireBrowser(import.meta.url);

test('the Measurer runs a small budget in headless Chromium, and its records apply to Chromium only', async (t) => {
  const tp = blurU16(24, 64);
  const w = workloadOf(tp.pipeline, tp.sizes, 'blur_u16');
  const tiled = new Schedule(tp.pipeline);
  tiled.stage('blur_y').tile('y', 'x', 4, 16);
  tiled.stage('blur_y').vectorize('xi', 8);
  tiled.stage('blur_x').computeAt('blur_y', 'xo');
  const traces: Instruction[][] = [[...tiled.trace], [...parallelBlurSchedule(tp.pipeline).trace], [], [{ op: 'vectorize', stage: 'blur_y', axis: 'x', factor: 100, outer: 'xo', inner: 'xi', tail: 'auto' }]];
  const bundle = await bundleForBrowser({
    'tune_page.js': 'browser/tune_page.ts', 'tune_build_worker.js': 'autotune/build_worker.ts', 'tune_run_worker.js': 'autotune/run_worker.ts',
  }, ['node:*']);
  const files = {
    'tune.html': readFileSync(new URL('../browser/tune.html', import.meta.url), 'utf8'),
    ...bundle.files,
    'case.json': JSON.stringify({ spec: w.spec, traces, options: { builders: 1, warmupMs: 100, minRepeatMs: 10, repeats: 3 } }),
  };
  const r = await withBrowserPage(files, 'tune.html', async ({ page }) => pageResult<{ key: string; target: TuningTarget; referenceMethod: string; results: MeasureResult[] }>(page, 180000), { timeoutMs: 180000 });
  t.is(r.key, w.key, 'the page computes the same workload key');
  t.is(r.target.engine, 'chromium');
  t.is(r.referenceMethod, 'evaluator');
  t.deepEqual(r.results.map((x) => x.status), ['ok', 'ok', 'ok', 'invalid'], JSON.stringify(r.results));
  t.is(r.results[3]!.code, 'vector-too-wide');
  for (const x of r.results.slice(0, 3)) t.true(x.seconds! > 0 && x.repeats === 3);

  const db = await TuningDatabase.open(join(mkdtempSync(join(tmpdir(), 'tessera-browser-')), 'r.jsonl'));
  for (const [i, result] of r.results.entries()) {
    await db.append({ workload: w.key, workloadName: w.name, axes: definitionAxes(w.spec), target: r.target, trace: traces[i]!, ...(result.loweredHash ? { loweredHash: result.loweredHash } : {}), result });
  }
  t.truthy(db.best(w.key, r.target), 'the records apply on Chromium');
  t.is(db.best(w.key, wasmTarget()), undefined, 'and never on Node');
});
