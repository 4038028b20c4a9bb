/**
 * The bench's tuned columns: `npm run bench -- --tune` tunes every bench workload from its definition
 * alone (autotune/tune.ts; the hand schedules are measured beside it for comparison, never used by
 * the search), on one thread and on two, within the budget (200 trials, 5 minutes each by default),
 * appending the records to results/tuning.jsonl and a summary to results/tuning.json; the bench then
 * reads the best record of each workload for its `tessera tuned` and `tessera tuned 2T` columns.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic_write.js';
import { dirname } from 'node:path';
import type { Pipeline } from '../dsl/pipeline.js';
import type { Schedule } from '../schedule/schedule.js';
import { compile, type CompiledPipeline } from '../tessera.js';
import { tune, type TuneResult } from '../autotune/tune.js';
import { TuningDatabase } from '../autotune/database.js';
import { wasmTarget } from '../autotune/target.js';
import { blurPipeline, classicSchedule } from '../examples/blur_pipeline.js';
import { sgemmPipeline, sgemmSchedule } from '../examples/sgemm_pipeline.js';
import { conv2dPipeline, conv2dSchedule } from '../examples/conv2d_pipeline.js';
import * as wl from './workloads.js';

export interface TunedWorkload {
  /** The bench's key of the workload (its row). */
  readonly key: string;
  readonly pipeline: () => Pipeline;
  readonly sizes: Readonly<Record<string, number>>;
  /** The hand schedule the bench's `tessera` column times, and its 2-thread form. */
  readonly hand: (p: Pipeline) => Schedule;
  readonly handParallel: (p: Pipeline) => Schedule;
  readonly unit: 'GFLOP/s' | 'ms/MP';
  /** GFLOP or megapixels per call. */
  readonly work: number;
}

const parallelOf = (hand: (p: Pipeline) => Schedule, stage: string, axis: string) => (p: Pipeline) => {
  const sch = hand(p);
  sch.stage(stage).parallel(axis);
  return sch;
};

const blur = (dtype: 'u16' | 'f32'): TunedWorkload => ({
  key: `blur_${dtype}`, pipeline: () => blurPipeline(dtype), sizes: { C: 1, H: 1536, W: 2560 },
  hand: (p) => classicSchedule(p, dtype), handParallel: (p) => classicSchedule(p, dtype), unit: 'ms/MP', work: (1536 * 2560) / 1e6,
});
const sgemm = (n: number): TunedWorkload => ({
  key: `sgemm_${n}`, pipeline: sgemmPipeline, sizes: { M: n, N: n, K: n },
  hand: (p) => sgemmSchedule(p), handParallel: parallelOf((p) => sgemmSchedule(p), 'C', 'jo'), unit: 'GFLOP/s', work: (2 * n ** 3) / 1e9,
});

/** The bench workloads the tuner is judged on (issue 9's "Must show"). */
export const TUNED_WORKLOADS: readonly TunedWorkload[] = [
  blur('u16'), blur('f32'), sgemm(256), sgemm(1024),
  {
    key: 'conv3x3', pipeline: () => conv2dPipeline({ N: 1, C: 64, K: 64, H: 56, W: 56 }), sizes: {},
    hand: conv2dSchedule, handParallel: parallelOf(conv2dSchedule, 'out', 'ko'), unit: 'GFLOP/s', work: (2 * 64 * 64 * 9 * 56 * 56) / 1e9,
  },
  {
    key: 'conv1x1', pipeline: () => wl.conv1x1Pipeline({ N: 1, C: 64, K: 256, H: 56, W: 56 }), sizes: {},
    hand: (p) => wl.conv1x1Schedule(p), handParallel: parallelOf((p) => wl.conv1x1Schedule(p), 'out', 'ko'), unit: 'GFLOP/s', work: (2 * 256 * 64 * 56 * 56) / 1e9,
  },
  {
    key: 'depthwise', pipeline: () => wl.depthwisePipeline({ N: 1, C: 144, H: 56, W: 56 }), sizes: {},
    hand: (p) => wl.depthwiseSchedule(p), handParallel: parallelOf((p) => wl.depthwiseSchedule(p), 'out', 'c'), unit: 'GFLOP/s', work: (2 * 144 * 9 * 56 * 56) / 1e9,
  },
];

/** A figure in the workload's unit from seconds per call (GFLOP/s: higher is better; ms/MP: lower). */
export const figureOf = (w: TunedWorkload, seconds: number): number => (w.unit === 'GFLOP/s' ? w.work / seconds : (seconds * 1e3) / w.work);

export interface TuningSummary {
  readonly workload: string;
  readonly threads: number;
  readonly costModel: boolean;
  readonly unit: string;
  readonly tuned: number;
  /** The hand schedule measured by the same measurer, in the same run. */
  readonly hand?: number;
  readonly trials: number;
  readonly minutes: number;
  readonly stoppedBy: string;
  /** Trials and minutes until the best reached 90% / 100% of the hand schedule's throughput. */
  readonly reach90?: { readonly trials: number; readonly minutes: number };
  readonly reach100?: { readonly trials: number; readonly minutes: number };
  readonly statuses: Readonly<Record<string, number>>;
  readonly code: string;
}

/** The first trial whose best so far is within `ratio` of the hand schedule's seconds. */
function reach(r: TuneResult, handSeconds: number, ratio: number): { trials: number; minutes: number } | undefined {
  const h = r.statistics.history.find((x) => x.bestSeconds !== undefined && handSeconds / x.bestSeconds >= ratio);
  return h && { trials: h.trial, minutes: Number((h.elapsedSeconds / 60).toFixed(2)) };
}

export interface TuneBenchOptions {
  readonly records: string;
  readonly summary: string;
  readonly trials: number;
  readonly minutes: number;
  readonly threads: readonly number[];
  readonly costModel: boolean;
  readonly only?: (w: TunedWorkload) => boolean;
  readonly log: (line: string) => void;
}

/** The summaries already in `path` (none when it is absent or not a JSON array of them). */
function earlierSummaries(path: string): TuningSummary[] {
  if (!existsSync(path)) return [];
  try {
    const x: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(x) ? x as TuningSummary[] : [];
  } catch {
    return [];
  }
}

/**
 * Tunes every workload on every thread count of `o.threads`, appending to `o.records` (a run that
 * finds records there resumes from them), and writes the summaries to `o.summary` (atomically after
 * each workload), keeping those of workloads, thread counts and proposal kinds this run does not tune.
 * @throws what tune() throws for a workload (the others are not tuned then)
 */
export async function tuneBenchWorkloads(o: TuneBenchOptions): Promise<TuningSummary[]> {
  mkdirSync(dirname(o.records), { recursive: true });
  const db = await TuningDatabase.open(o.records);
  for (const w of db.warnings) o.log(`warning: ${w}`);
  const out: TuningSummary[] = [];
  const earlier = earlierSummaries(o.summary);
  const same = (a: TuningSummary, b: TuningSummary) => a.workload === b.workload && a.threads === b.threads && a.costModel === b.costModel;
  for (const w of TUNED_WORKLOADS) {
    if (o.only && !o.only(w)) continue;
    for (const threads of o.threads) {
      const p = w.pipeline();
      const hand = (threads > 1 ? w.handParallel : w.hand)(p).trace;
      o.log(`tuning ${w.key} on ${threads} thread${threads > 1 ? 's' : ''} (${o.trials} trials, ${o.minutes} min${o.costModel ? '' : ', random proposals'})`);
      const r = await tune(p, w.sizes, {
        trials: o.trials, minutes: o.minutes, threads, records: db, name: w.key, costModel: o.costModel, baselines: { hand },
        onProgress: (x) => o.log(`  ${x.trials}/${x.budget} trials, best ${x.bestSeconds === undefined ? '-' : figureOf(w, x.bestSeconds).toFixed(3)} ${w.unit}, ${x.failures} failures, ${x.elapsedSeconds.toFixed(0)} s`),
      });
      const handResult = r.statistics.baselines.hand;
      const handSeconds = handResult?.status === 'ok' ? handResult.seconds : undefined;
      const s: TuningSummary = {
        workload: w.key, threads, costModel: o.costModel, unit: w.unit, tuned: figureOf(w, r.seconds),
        ...(handSeconds !== undefined ? { hand: figureOf(w, handSeconds) } : {}),
        trials: r.statistics.history.length, minutes: Number((r.statistics.elapsedSeconds / 60).toFixed(2)), stoppedBy: r.statistics.stoppedBy,
        ...(handSeconds !== undefined && reach(r, handSeconds, 0.9) ? { reach90: reach(r, handSeconds, 0.9)! } : {}),
        ...(handSeconds !== undefined && reach(r, handSeconds, 1) ? { reach100: reach(r, handSeconds, 1)! } : {}),
        statuses: r.statistics.statuses, code: r.code,
      };
      const t = r.statistics.time;
      o.log(`  ${w.key} ${threads}T: tuned ${s.tuned.toFixed(3)} ${w.unit}, hand ${s.hand?.toFixed(3) ?? '-'} (same measurer), ${s.trials} trials, ${s.minutes} min (${t.analysed} candidates lowered in ${t.analyseSeconds.toFixed(0)} s, ${t.measureSeconds.toFixed(0)} s measuring)`);
      out.push(s);
      const kept = earlier.filter((e) => !out.some((x) => same(x, e)));
      writeFileAtomic(o.summary, `${JSON.stringify([...kept, ...out], null, 2)}\n`);
    }
  }
  return out;
}

/**
 * The kernel of the best record of `w` for `threads` threads in `records`, compiled (from the
 * workload's definition at its sizes; autotune/apply_record.ts), or undefined when there is none.
 */
export function tunedKernel(w: TunedWorkload, records: TuningDatabase | undefined, threads: number): CompiledPipeline | undefined {
  if (!records) return undefined;
  const f = compile(w.pipeline(), undefined, { records, sizes: w.sizes, tuningTarget: wasmTarget({ threads }) });
  return f.record ? f : undefined;
}
