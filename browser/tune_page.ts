/**
 * The tuning page: measures candidate schedules of a workload with the same Measurer as in Node, on
 * this browser's engine (build and run workers are module Web Workers from the bundles served beside
 * the page), and sets window.__result to `{ target, referenceMethod, results }` or `{ error }`.
 * `case.json` holds `{ spec, traces, options }`: the workload's spec (autotune/workload.ts), the
 * traces to measure, and MeasureOptions.
 */
import { Measurer, type MeasureOptions } from '../autotune/measure.js';
import { workloadFromSpec, type WorkloadSpec } from '../autotune/workload.js';
import { wasmTarget } from '../autotune/target.js';
import type { Instruction } from '../schedule/instruction.js';

interface TuneCase { readonly spec: WorkloadSpec; readonly traces: readonly Instruction[][]; readonly options?: MeasureOptions }

const page = globalThis as unknown as { __result?: unknown };
try {
  const base = new URL('.', location.href);
  const kase = await (await fetch(new URL('case.json', base))).json() as TuneCase;
  const workload = workloadFromSpec(kase.spec);
  const target = wasmTarget();
  const m = await Measurer.create(workload, target, {
    ...kase.options,
    workers: { build: new URL('tune_build_worker.js', base), run: new URL('tune_run_worker.js', base) },
  });
  try {
    const results = await m.measure(kase.traces);
    page.__result = { key: workload.key, target, referenceMethod: m.referenceMethod, results };
  } finally {
    await m.close();
  }
} catch (e) {
  page.__result = { error: e instanceof Error ? e.stack ?? e.message : String(e) };
}
