/**
 * tune(pipeline, sizes, options): the autotuner's entry point. From the definition alone it builds
 * the design space (autotune/space.ts, the rules of autotune/rules/), searches it (autotune/search.ts)
 * with candidates measured on this engine by the Measurer (autotune/measure.ts: workers, timeouts,
 * every output checked against the reference), ranks proposals with the learned cost model
 * (autotune/cost_model.ts, features of autotune/features.ts), files every measured candidate as a
 * tuning record of the workload specialised to its sizes (autotune/specialize.ts: lowering at
 * constant shapes is an order of magnitude faster, and the kernels simpler), and returns the fastest schedule with its trace, its code and the run's statistics.
 *
 * With a record store holding records of this workload and target class (an earlier or interrupted
 * run), those candidates are never measured again: their lowered functions join the deduplication
 * set, the ok ones the first population, and all of them train the cost model.
 *
 * Runs in Node and in a browser page (the Measurer's workers are then Web Workers: options.measure.workers);
 * records are a store (TuningDatabase in Node, anything with `records` and `append` elsewhere).
 */
import type { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import type { Instruction } from '../schedule/instruction.js';
import { resolveTrace } from '../schedule/sampling.js';
import { instructionToCode } from '../schedule/instruction.js';
import type { Sizes } from '../schedule/extents.js';
import type { GpuLimits } from '../schedule/gpu_limits.js';
import { lower } from '../lower/lower.js';
import { lowerForGpu } from '../lower/gpu/lower_gpu.js';
import type { GpuContext } from '../runtime/webgpu/device.js';
import { Measurer, type MeasureOptions } from './measure.js';
import type { MeasureResult } from './result.js';
import { workloadOf, definitionAxes, type Workload } from './workload.js';
import { currentTarget, type TuningTarget } from './target.js';
import type { RecordInput, TuningRecord } from './database.js';
import { loweredHash } from './lowered_hash.js';
import { extractFeatures } from './features.js';
import { createCostModel } from './cost_model.js';
import { generateSpace, type DesignSpace } from './space.js';
import type { RuleTarget } from './rules/index.js';
import { search, type MeasuredCandidate, type SearchOptions, type SearchResult, type TrialRecord } from './search.js';
import { checkedSchedule } from './candidate.js';
import { seededSampler } from './space.js';
import { specializedWorkload } from './specialize.js';

/** Where records are read from and appended to: a TuningDatabase (autotune/database.ts) in Node. */
export interface TuningRecordStore {
  records(workloadKey: string, target: TuningTarget): readonly TuningRecord[];
  append(r: RecordInput): Promise<unknown>;
}

export interface TuneOptions {
  /** 'wasm-simd' (default) or 'webgpu' (needs `gpu`). */
  readonly target?: 'wasm-simd' | 'webgpu';
  /** Threads of a wasm-simd kernel (default 1): with more, the outer loops are parallel. */
  readonly threads?: number;
  /** wasm-simd multiply-adds: 'auto' (default: relaxed-SIMD FMA where the engine has it), 'relaxed', 'none'. */
  readonly fma?: 'auto' | 'relaxed' | 'none';
  /** The device of a webgpu target. */
  readonly gpu?: GpuContext;
  /** Most candidates to measure (at least 1). */
  readonly trials: number;
  /** Time budget in minutes (default: none). */
  readonly minutes?: number;
  /** Records of earlier runs to resume from, and where this run's are appended. */
  readonly records?: TuningRecordStore;
  /** Seed of the search's random choices and the cost model (default 1). */
  readonly seed?: number;
  /** Rank proposals with the learned cost model (default true); false: random proposals, same budget. */
  readonly costModel?: boolean;
  /** The workload's name in records and reports (default: the outputs' names). */
  readonly name?: string;
  /** Also measure the default schedule first, for `statistics.defaultSeconds` (default false). */
  readonly measureDefault?: boolean;
  /**
   * Schedules to measure first with the same measurer, by label (a hand schedule's trace): their
   * results go to `statistics.baselines`, so the tuned figure can be compared under the same
   * conditions. They are not trials and not records.
   */
  readonly baselines?: Readonly<Record<string, readonly Instruction[]>>;
  /** Called after every measured batch. */
  readonly onProgress?: (p: TuneProgress) => void;
  /** Options of the Measurer (timeouts, repeats, tolerance, workers in a browser). */
  readonly measure?: MeasureOptions;
  /** Options of the search (batch size, population, generations, epsilon, stall rounds, remeasure). */
  readonly search?: Partial<Omit<SearchOptions, 'trials' | 'minutes' | 'seed' | 'costModel' | 'measurer' | 'previous' | 'onBatch'>>;
}

export interface TuneProgress {
  /** Trials measured by this run so far, and the budget. */
  readonly trials: number;
  readonly budget: number;
  /** Fastest seconds per call so far (earlier runs' records included). */
  readonly bestSeconds?: number;
  /** Trials of this run that did not give a time. */
  readonly failures: number;
  readonly elapsedSeconds: number;
}

export interface TuneStatistics {
  /** One entry per measured trial of this run, in order. */
  readonly history: readonly TrialRecord[];
  /** Measured trials by status (ok, invalid, compile, compile-timeout, timeout, trap, oom, wrong). */
  readonly statuses: Readonly<Record<string, number>>;
  /** Candidates refused before measurement, by ScheduleError code or 'check'. */
  readonly refused: Readonly<Record<string, number>>;
  readonly rounds: number;
  readonly stoppedBy: SearchResult['stoppedBy'];
  readonly elapsedSeconds: number;
  /** Where the time went (autotune/search.ts): candidates analysed and the seconds that took, seconds measuring. */
  readonly time: SearchResult['time'];
  /** Records of this workload and target class the run started from. */
  readonly resumedFrom: number;
  /** Seconds per call of the default schedule, with `measureDefault`. */
  readonly defaultSeconds?: number;
  /** The results of `baselines`, by label: from the side-by-side re-measurement with the best at the end (else from the first measurement). */
  readonly baselines: Readonly<Record<string, MeasureResult>>;
}

export interface TuneResult {
  /** The fastest schedule found, on the caller's pipeline. */
  readonly schedule: Schedule;
  /**
   * The same schedule on the pipeline specialised to the sizes (constant shapes): what was measured,
   * and the faster kernel at these sizes (`compile(specialized.pipeline, specialized.schedule)`).
   */
  readonly specialized: { readonly pipeline: Pipeline; readonly schedule: Schedule };
  /** Its trace, decisions filled (what the record holds). */
  readonly trace: readonly Instruction[];
  /** The schedule as plain TypeScript over `sch` (sampling resolved: splits, locations, marks). */
  readonly code: string;
  /** Its seconds per call (re-measured side by side with the runners-up when there were some). */
  readonly seconds: number;
  /** The caller's workload (the definition at the sizes). */
  readonly workload: Workload;
  /** The workload the records are filed under: the definition specialised to the sizes. */
  readonly recordsWorkload: Workload;
  readonly target: TuningTarget;
  readonly space: DesignSpace;
  readonly statistics: TuneStatistics;
}

export class TuneError extends Error {
  override name = 'TuneError';
}

/** What the rules need of a tuning target. */
export function ruleTargetOf(t: TuningTarget): RuleTarget {
  return {
    kind: t.kind, threads: t.threads, vectorBytes: 16, vectorRegisters: 16,
    ...(t.gpu ? { gpuLimits: t.gpu.limits as unknown as GpuLimits } : {}),
  };
}

/**
 * Tunes `p` at `sizes` (see the file's comment).
 * @param p the pipeline (its definition; any schedule of it is ignored)
 * @param sizes the value of every size variable of `p`
 * @returns the fastest schedule found and the run's statistics
 * @throws TuneError when no candidate ran (every one failed: the statistics say how) or trials is not
 *   a positive integer; WorkloadError for bad sizes; TargetError for a target this engine cannot
 *   run; what the Measurer throws when it cannot start (the reference cannot be computed)
 */
export async function tune(p: Pipeline, sizes: Sizes, o: TuneOptions): Promise<TuneResult> {
  if (!Number.isInteger(o.trials) || o.trials < 1) throw new TuneError(`tune: trials must be a positive integer, got ${o.trials}`);
  const workload = workloadOf(p, sizes, o.name);
  // Measured, analysed and recorded at constant shapes (autotune/specialize.ts).
  const measured = specializedWorkload(workload);
  const q = measured.pipeline;
  const target = await currentTarget({ kind: o.target ?? 'wasm-simd', ...(o.threads !== undefined ? { threads: o.threads } : {}), ...(o.fma ? { fma: o.fma } : {}), ...(o.gpu ? { gpu: o.gpu } : {}) });
  const space = generateSpace(q, {}, ruleTargetOf(target));
  const gpuLimits = target.gpu?.limits as unknown as GpuLimits | undefined;
  const lowered = (sch: Schedule) => (target.kind === 'webgpu' ? lowerForGpu(q, sch, gpuLimits ? { limits: gpuLimits } : {}).func : lower(q, sch).func);
  const useModel = o.costModel !== false;
  const analyze = (sch: Schedule) => {
    const f = lowered(sch);
    return { hash: loweredHash(f), ...(useModel ? { features: extractFeatures(f, {}) } : {}) };
  };
  const axes = definitionAxes(measured.spec);
  const file = (trace: readonly Instruction[], result: MeasureResult) => o.records?.append({
    workload: measured.key, workloadName: measured.name, axes, target, trace,
    ...(result.loweredHash ? { loweredHash: result.loweredHash } : {}), result,
  });

  // Earlier records of this workload and target class: never measured again.
  // (A declared best is a re-measurement of a candidate already among them, not a trial.)
  const earlier = (o.records?.records(measured.key, target) ?? []).filter((r) => !r.declared);
  const repair = seededSampler(o.seed ?? 1);
  const previous: MeasuredCandidate[] = earlier.flatMap((r) => {
    let hash = r.loweredHash;
    let features: Float64Array | undefined;
    if (useModel || !hash) {
      const c = checkedSchedule(q, undefined, r.trace, {}, repair);
      if ('schedule' in c) {
        try {
          const a = analyze(c.schedule);
          hash ??= a.hash;
          features = a.features;
        } catch { /* a record lowering differently now: its hash still dedups */ }
      }
    }
    return hash ? [{ trace: r.trace, hash, result: r.result, ...(features ? { features } : {}) }] : [];
  });

  const measurer = await Measurer.create(measured, target, o.measure);
  try {
    let defaultSeconds: number | undefined;
    if (o.measureDefault) {
      const [d] = await measurer.measure([[]]);
      if (d!.status === 'ok') defaultSeconds = d!.seconds;
      await file([], d!);
    }
    const labels = Object.keys(o.baselines ?? {});
    const baselineResults = labels.length ? await measurer.measure(labels.map((l) => o.baselines![l]!)) : [];
    const baselines = Object.fromEntries(labels.map((l, k) => [l, baselineResults[k]!]));
    const result = await search({ pipeline: q, sizes: {}, space, analyze }, {
      ...o.search,
      trials: o.trials,
      ...(o.minutes !== undefined ? { minutes: o.minutes } : {}),
      seed: o.seed ?? 1,
      costModel: useModel ? createCostModel({ seed: o.seed ?? 1 }) : false,
      previous,
      remeasureWith: labels.map((l) => o.baselines![l]!),
      measurer: {
        async measure(traces, cutoff) {
          const results = await measurer.measure(traces, cutoff);
          for (const [k, r] of results.entries()) await file(traces[k]!, r);
          return results;
        },
        remeasure: (traces, rounds) => measurer.remeasure(traces, rounds),
      },
      onBatch: (s) => o.onProgress?.({
        trials: s.trials, budget: o.trials, ...(s.best?.result.seconds !== undefined ? { bestSeconds: s.best.result.seconds } : {}),
        failures: s.failures, elapsedSeconds: s.elapsedSeconds,
      }),
    });
    const statistics: TuneStatistics = {
      history: result.history, statuses: result.statuses, refused: result.refused, rounds: result.rounds,
      stoppedBy: result.stoppedBy, elapsedSeconds: result.elapsedSeconds, time: result.time, resumedFrom: earlier.length,
      ...(defaultSeconds !== undefined ? { defaultSeconds } : {}),
      // Timed side by side with the best at the end when that happened, else as measured first.
      baselines: Object.fromEntries(labels.map((l, k) => [l, (result.remeasuredWith?.[k] as MeasureResult | undefined)?.status === 'ok' ? result.remeasuredWith![k] as MeasureResult : baselines[l]!])),
    };
    if (!result.best || result.bestSeconds === undefined) {
      throw Object.assign(new TuneError(`tune ${workload.name}: no candidate ran in ${result.history.length} trials (${Object.entries(result.statuses).map(([k, v]) => `${k} ${v}`).join(', ') || 'none measured'}; refused before measuring: ${JSON.stringify(result.refused)})`), { statistics });
    }
    const trace = result.best.trace;
    // The declared best, with its side-by-side result: what records.best() and compile({ records }) apply.
    if (result.remeasuredBest) {
      await o.records?.append({
        workload: measured.key, workloadName: measured.name, axes, target, trace, loweredHash: result.best.hash,
        result: result.remeasuredBest as MeasureResult, declared: true,
      });
    }
    return {
      schedule: Schedule.replay(p, trace),
      specialized: { pipeline: q, schedule: Schedule.replay(q, trace) },
      trace,
      code: resolveTrace(trace).map((i) => instructionToCode(i)).join('\n'),
      seconds: result.bestSeconds,
      workload, recordsWorkload: measured, target, space, statistics,
    };
  } finally {
    await measurer.close();
  }
}
