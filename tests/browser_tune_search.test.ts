/**
 * Tuning in a browser: tune() itself (space, rules, evolutionary search with the cost model) runs in
 * a headless Chromium page with a small budget, measuring on Chromium's own engine through the
 * Measurer's module Web Workers; the schedule it finds beats the default schedule there, its records
 * are filed under Chromium's target class (they apply there and never to Node), and the schedule
 * found compiles in Node to a kernel that matches the reference.
 * Needs a Chromium (tests/helpers/environment.ts): skipped with the reason without one, required under CI=true.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleForBrowser, withBrowserPage, pageResult } from './helpers/browser.js';
import { workloadOf } from '../autotune/workload.js';
import { wasmTarget, type TuningTarget } from '../autotune/target.js';
import { TuningDatabase, type RecordInput } from '../autotune/database.js';
import type { TuneStatistics } from '../autotune/tune.js';
import { Schedule } from '../schedule/schedule.js';
import type { Instruction } from '../schedule/instruction.js';
import { blurU16 } from './helpers/pipelines.js';
import { assertMatches } from './helpers/compare.js';
import { requireBrowser } from './helpers/environment.js';

const { test } = requireBrowser(import.meta.url);

interface PageOutcome { key: string; target: TuningTarget; seconds: number; code: string; trace: Instruction[]; statistics: TuneStatistics; records: RecordInput[] }

test('tune() runs in headless Chromium with a small budget: faster than the default there, records of Chromium\'s class only', async (t) => {
  const tp = blurU16(32, 128);
  const w = workloadOf(tp.pipeline, tp.sizes, 'blur_u16');
  const bundle = await bundleForBrowser({
    'tune_search_page.js': 'browser/tune_search_page.ts', 'tune_build_worker.js': 'autotune/build_worker.ts', 'tune_run_worker.js': 'autotune/run_worker.ts',
  }, ['node:*', 'crypto']);   // random-js (the cost model's forest) requires crypto only for unseeded engines
  const files = {
    'tune_search.html': readFileSync(new URL('../browser/tune_search.html', import.meta.url), 'utf8'),
    ...bundle.files,
    'case.json': JSON.stringify({ spec: w.spec, trials: 6, measure: { builders: 1, warmupMs: 100, minRepeatMs: 10, repeats: 3 }, search: { batchSize: 3, populationSize: 12, generations: 1, remeasureRounds: 2 } }),
  };
  const r = await withBrowserPage(files, 'tune_search.html', async ({ page }) => pageResult<PageOutcome>(page, 300000), { timeoutMs: 300000 });
  t.is(r.target.engine, 'chromium');
  t.is(r.statistics.history.length, 6);
  t.true(r.statistics.defaultSeconds! > 0);
  t.true(r.seconds < r.statistics.defaultSeconds!, `tuned ${r.seconds} s, default ${r.statistics.defaultSeconds} s`);
  t.regex(r.code, /sch\.stage\("blur_y"\)/);
  t.is(r.records.length, 8, 'the default schedule, the six trials and the declared best');
  t.is(r.records.filter((x) => x.declared).length, 1);
  // Filed in Node, the page's records apply to Chromium and never to Node.
  const db = await TuningDatabase.open(join(mkdtempSync(join(tmpdir(), 'tessera-browser-tune-')), 'r.jsonl'));
  for (const rec of r.records) await db.append(rec);
  const key = r.records[0]!.workload;
  t.truthy(db.best(key, r.target));
  t.is(db.best(key, wasmTarget()), undefined);
  // The schedule found is a correct one.
  assertMatches(t, tp, Schedule.replay(tp.pipeline, r.trace));
});
