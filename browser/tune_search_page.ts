/**
 * The tuning-search page: runs tune() (autotune/tune.ts: space, rules, evolutionary search with the
 * cost model) entirely in this browser, measuring with the Measurer's module Web Workers served beside
 * the page, so the schedule found is the fastest on the engine that will run it. `case.json` holds
 * `{ spec, trials, options }`; window.__result becomes `{ key, target, seconds, code, trace, statistics,
 * records }` (the records the run made, for the caller to file) or `{ error }`.
 */
import { tune } from '../autotune/tune.js';
import { workloadFromSpec, type WorkloadSpec } from '../autotune/workload.js';
import type { MeasureOptions } from '../autotune/measure.js';
import type { RecordInput } from '../autotune/database.js';

interface TuneSearchCase {
  readonly spec: WorkloadSpec;
  readonly trials: number;
  readonly measure?: MeasureOptions;
  readonly search?: Record<string, number>;
}

const page = globalThis as unknown as { __result?: unknown; __progress?: unknown[] };
try {
  const base = new URL('.', location.href);
  const kase = await (await fetch(new URL('case.json', base))).json() as TuneSearchCase;
  const workload = workloadFromSpec(kase.spec);
  const records: RecordInput[] = [];
  page.__progress = [];
  const r = await tune(workload.pipeline, workload.sizes, {
    trials: kase.trials, measureDefault: true,
    records: { records: () => [], append: async (x) => { records.push(x); } },
    measure: { ...kase.measure, workers: { build: new URL('tune_build_worker.js', base), run: new URL('tune_run_worker.js', base) } },
    ...(kase.search ? { search: kase.search } : {}),
    onProgress: (p) => page.__progress!.push(p),
  });
  page.__result = { key: r.workload.key, target: r.target, seconds: r.seconds, code: r.code, trace: r.trace, statistics: r.statistics, records };
} catch (e) {
  page.__result = { error: e instanceof Error ? e.stack ?? e.message : String(e) };
}
