/**
 * tuneModel(model, options): tunes every distinct kernel of an ONNX model on this engine and files
 * the measurements as tuning records, which `compileOnnx(model, { records })` then compiles from.
 *
 *  1. Tasks (model/tasks.ts): the model's kernels deduplicated by workload, with weights and FLOPs;
 *     a kernel whose op has several implementations (a Conv's algorithms) is a task per implementation,
 *     alternatives of one choice: the scheduler counts their fastest, the compiled model takes it.
 *  2. Warm-up: each task's first round measures the op's own schedule (filed as a record, so the
 *     compiled model only ever takes a schedule measured faster) and a small batch of the search
 *     (`warmupBatch`, its transferred seeds all): SqueezeNet's 39 tasks at a full batch of 16 spent
 *     624 of the 688 trials of 20 minutes before the scheduler chose anything.
 *  3. Rounds: the task scheduler (autotune/task_scheduler.ts, Ansor's gradient-based allocation,
 *     Zheng et al. 2020 §6) gives each next batch to the task where the end-to-end latency
 *     sum(weight x best seconds) falls fastest per second of tuning time, until the trial or time budget is spent or every
 *     task's space is exhausted.
 *  4. Transfer (autotune/transfer.ts): a task's first population is seeded with the best records of
 *     the most similar workloads already in the records (same stage structure, other shapes).
 *  5. The in-model check (model/in_model_check.ts): the model compiled without and with the records,
 *     timed kernel by kernel, interleaved; each task's faster schedule in the model is declared its best.
 *  6. The model compiled without and with the records, timed side by side (model/latency.ts), and
 *     with the records as they were after a share of the run's trials (`latencyAt`, by default 10%
 *     and 50%: what a shorter budget would have given; those points predate the in-model check).
 *
 * Each task's Measurer (build workers and a runner process) lives across its rounds; at most
 * `openMeasurers` are kept started, the least recently used closed first.
 */
import type { Graph } from '../graph/ir.js';
import type { Sizes } from '../graph/analysis.js';
import type { OpLibrary } from '../graph/library.js';
import { loadOnnx, loadOnnxFile } from '../onnx/load.js';
import type { TuningRecordStore } from '../autotune/tune.js';
import type { RecordSource } from '../autotune/apply_record.js';
import type { TuningRecord } from '../autotune/database.js';
import type { TuningTarget } from '../autotune/target.js';
import type { MeasureOptions } from '../autotune/measure.js';
import { TaskTuner, type TaskTunerOptions } from '../autotune/task_tuner.js';
import { TaskScheduler, type TaskSchedulerOptions } from '../autotune/task_scheduler.js';
import { transferSeeds, type TransferOptions } from '../autotune/transfer.js';
import { completedCurve, type RoundBest } from './tuning_curve.js';
import { recordSnapshot } from '../autotune/database.js';
import { seededSampler, withoutDecisions } from '../autotune/space.js';
import { ArgumentError } from '../runtime/tensor.js';
import type { Instruction } from '../schedule/instruction.js';
import { extractTasks, type ModelTask } from './tasks.js';
import { modelKernelTarget } from './kernel_records.js';
import { compileGraph, type CompiledModel } from './compile_onnx.js';
import { sideBySideLatency } from './latency.js';
import { checkInModel, type InModelVerdict } from './in_model_check.js';

/** A record store a model is tuned into: a TuningDatabase (autotune/database.ts). */
export interface ModelRecordStore extends TuningRecordStore, RecordSource {
  records(workloadKey?: string, target?: TuningTarget): readonly TuningRecord[];
}

export interface TuneModelOptions {
  /** Most candidates to measure over all tasks (the op schedules measured as baselines aside). */
  readonly trials: number;
  /** Time budget in minutes for the tuning (the latency measurement after it aside). */
  readonly minutes?: number;
  /** Threads the model's kernels run on (default 1); records are for this thread count. */
  readonly threads?: number;
  /** Where the records are appended and resumed from (and transferred from). */
  readonly records: ModelRecordStore;
  /** Values of the model's symbolic dimensions. */
  readonly sizes?: Sizes;
  readonly library?: OpLibrary;
  readonly skipPasses?: readonly string[];
  /** Candidates measured per round of a task (default 16). */
  readonly batchSize?: number;
  /** Candidates measured in a task's first round, beside its op schedule (default 4; at least its transferred seeds; at most batchSize). */
  readonly warmupBatch?: number;
  readonly seed?: number;
  /** Rank proposals with the learned cost model (default true). */
  readonly costModel?: boolean;
  readonly measure?: MeasureOptions;
  readonly search?: TaskTunerOptions['search'];
  readonly scheduler?: TaskSchedulerOptions;
  /** Seed tasks from records of similar workloads (default true; false to measure what it saves). */
  readonly transfer?: boolean | TransferOptions;
  /** Rounds of the side-by-side latency measurement before and after (default 10; 0: none). */
  readonly latencyRounds?: number;
  /**
   * Shares of the run's trials (each in (0, 1)) after which the model's latency is also measured,
   * compiled from the records filed by then, side by side with the others (default [0.1, 0.5]).
   */
  readonly latencyAt?: readonly number[];
  /**
   * Interleaved profile rounds of the in-model check (model/in_model_check.ts) before the latency is
   * measured (default 6; 0: no check, the records' own best applies).
   */
  readonly inModelRounds?: number;
  /** Measurers kept started at once (default 2). */
  readonly openMeasurers?: number;
  /** Called once the tasks are known, before anything is measured. */
  readonly onTasks?: (tasks: readonly ModelTask[]) => void;
  /** Called after every round. */
  readonly onProgress?: (p: ModelTuneProgress) => void;
}

export interface ModelTuneProgress {
  /** The task the round was spent on, and its state. */
  readonly task: number;
  readonly taskTrials: number;
  readonly taskBestSeconds?: number;
  /** Trials over all tasks, and the budget. */
  readonly trials: number;
  readonly budget: number;
  /** sum(weight x best seconds) over the tasks: the kernels' share of the latency. */
  readonly estimatedSeconds: number;
  readonly elapsedSeconds: number;
}

export interface TaskOutcome extends ModelTask {
  /** The op's own schedule, measured with the same measurer. */
  readonly baselineSeconds?: number;
  /** The fastest measured (the baseline and earlier records included). */
  readonly bestSeconds?: number;
  /** Trials this run measured, rounds it had, and the trial (1-based) that reached the final best. */
  readonly trials: number;
  readonly rounds: number;
  readonly trialsToBest?: number;
  /** Seeds transferred from similar workloads into its first population. */
  readonly seeds: number;
  /** Records of the task's workload the run started from. */
  readonly resumedFrom: number;
  /** Why the task could not be tuned (its space could not be built or its measurer not started). */
  readonly error?: string;
}

export interface TuneModelResult {
  readonly tasks: readonly TaskOutcome[];
  readonly target: TuningTarget;
  readonly trials: number;
  readonly rounds: number;
  readonly stoppedBy: 'trials' | 'minutes' | 'exhausted';
  readonly elapsedSeconds: number;
  /** sum(weight x seconds) with the op schedules, and with the best found. */
  readonly estimated: { readonly baselineSeconds: number; readonly tunedSeconds: number };
  /**
   * The kernels' estimate after each round, against the trials so far (the 10%, 50%, 100% points of a
   * budget), every kernel counted, at its op schedule's time until one of its tasks is measured
   * (model/tuning_curve.ts): from `estimated.baselineSeconds` down to `estimated.tunedSeconds`.
   */
  readonly curve: readonly { readonly trials: number; readonly estimatedSeconds: number }[];
  /** The in-model check: per task that took a record, its kernels' time in the model without and with it, and what was declared. */
  readonly inModel?: readonly InModelVerdict[];
  /** Medians of the whole model run side by side, compiled without and with the records (after the in-model check). */
  readonly latency?: {
    readonly untunedSeconds: number; readonly tunedSeconds: number; readonly rounds: number;
    /** Compiled from the records as they were after `share` of the trials (`latencyAt`). */
    readonly along: readonly AlongTheRun[];
  };
}

/** The model's latency compiled from the records filed after the first `trials` of a run; `tunedKernels`: kernels that took a record. */
export interface AlongTheRun {
  readonly share: number;
  readonly trials: number;
  readonly seconds: number;
  readonly tunedKernels: number;
}

const positiveInteger = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`tuneModel: ${name} must be a positive integer, got ${v}`);
  return v;
};

/**
 * Tunes a model (see the file's comment).
 * @param model the .onnx bytes, its path, or a loaded graph
 * @throws ArgumentError for bad options; what loading and extracting the tasks throws (ModelLoadError,
 *   GraphError, OpError, ModelCompileError); TuningDatabaseError when a record cannot be appended.
 *   A task whose space or measurer fails is reported in its outcome's `error`, not thrown.
 */
export async function tuneModel(model: Uint8Array | string | Graph, o: TuneModelOptions): Promise<TuneModelResult> {
  const budget = positiveInteger('trials', o.trials);
  const threads = positiveInteger('threads', o.threads ?? 1);
  const batchSize = positiveInteger('batchSize', o.batchSize ?? 16);
  const openLimit = positiveInteger('openMeasurers', o.openMeasurers ?? 2);
  const warmupBatch = Math.min(batchSize, positiveInteger('warmupBatch', o.warmupBatch ?? 4));
  const latencyRounds = o.latencyRounds ?? 10;
  if (!Number.isInteger(latencyRounds) || latencyRounds < 0) throw new ArgumentError(`tuneModel: latencyRounds must be a non-negative integer, got ${latencyRounds}`);
  const inModelRounds = o.inModelRounds ?? 6;
  if (!Number.isInteger(inModelRounds) || inModelRounds < 0) throw new ArgumentError(`tuneModel: inModelRounds must be a non-negative integer, got ${inModelRounds}`);
  const latencyAt = o.latencyAt ?? [0.1, 0.5];
  for (const f of latencyAt) if (!(f > 0 && f < 1)) throw new ArgumentError(`tuneModel: every latencyAt share must lie in (0, 1), got ${f}`);
  if (o.minutes !== undefined && !(o.minutes > 0)) throw new ArgumentError(`tuneModel: minutes must be positive, got ${o.minutes}`);
  const graph = typeof model === 'string' ? loadOnnxFile(model) : model instanceof Uint8Array ? loadOnnx(model) : model;
  const { tasks } = extractTasks(graph, { threads, ...(o.sizes ? { sizes: o.sizes } : {}), ...(o.library ? { library: o.library } : {}), ...(o.skipPasses ? { skipPasses: o.skipPasses } : {}) });
  o.onTasks?.(tasks);
  const target = modelKernelTarget(threads);
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  const deadline = o.minutes === undefined ? Infinity : o.minutes * 60;
  const transfer = o.transfer === false ? undefined : o.transfer === true || o.transfer === undefined ? {} : o.transfer;
  const sampler = seededSampler(o.seed ?? 1);
  // Transfer donors: the records as they were before this run (this run's tasks seed from earlier models).
  const donors = transfer ? o.records.records(undefined, target).filter((r) => r.result.status === 'ok') : [];

  const tuners: (TaskTuner | undefined)[] = [];
  const errors: (string | undefined)[] = [];
  for (const [i, t] of tasks.entries()) {
    try {
      tuners[i] = new TaskTuner(t.workload, target, { records: o.records, seed: (o.seed ?? 1) + i, ...(o.costModel === false ? { costModel: false } : {}), measure: { ...o.measure, ...(t.checkAgainst ? { checkAgainst: t.checkAgainst } : {}), ...(t.constantInputs ? { constantInputs: t.constantInputs } : {}) }, ...(o.search ? { search: o.search } : {}) });
    } catch (e) {
      errors[i] = `${(e as Error).name}: ${(e as Error).message}`;
    }
  }
  const groups = tuners.map((tt) => (tt ? JSON.stringify(tt.space.sketches.map((sk) => sk.trace)) : undefined));
  const scheduler = new TaskScheduler(tasks.map((t, i) => ({ weight: t.weight, flops: t.flops, choice: t.choice, ...(groups[i] ? { group: groups[i] } : {}) })), { seed: o.seed ?? 1, ...o.scheduler });
  // Tasks that cannot be tuned are out of the schedule from the start.
  tuners.forEach((tt, i) => { if (!tt) scheduler.record(i, undefined, true); });
  const baselines: (number | undefined)[] = [];
  const seeds: number[] = tasks.map(() => 0);
  const trialsToBest: (number | undefined)[] = [];
  const open: number[] = [];
  const roundBests: RoundBest[] = [];
  // Records of the target class on file after each round (aligned with curve): the snapshots of latencyAt.
  const filed: number[] = [];
  let trials = 0, rounds = 0;
  let stoppedBy: TuneModelResult['stoppedBy'] = 'trials';
  try {
    while (trials < budget) {
      if (elapsed() >= deadline) { stoppedBy = 'minutes'; break; }
      const i = scheduler.next();
      if (i === undefined) { stoppedBy = 'exhausted'; break; }
      const tt = tuners[i]!;
      const roundStart = elapsed();
      try {
        let taskSeeds: (readonly Instruction[])[] = [];
        const first = scheduler.rounds(i) === 0;
        if (first) {
          const b = await tt.measureBaseline(tasks[i]!.baseline);
          baselines[i] = b.status === 'ok' ? b.seconds : undefined;
          if (transfer) taskSeeds = transferSeeds(tt.workload.pipeline, tt.space, tt.workload.key, donors, sampler, transfer).map((s) => s.trace);
          seeds[i] = taskSeeds.length;
        }
        const before = tt.best?.result.seconds;
        const left = deadline === Infinity ? undefined : Math.max(1e-3, (deadline - elapsed()) / 60);
        const batch = first ? Math.min(batchSize, Math.max(warmupBatch, taskSeeds.length)) : batchSize;
        const r = await tt.round(Math.min(batch, budget - trials), taskSeeds, left);
        if (r.bestSeconds !== undefined && (before === undefined || r.bestSeconds < before)) {
          // The trial of this run that reached the new best.
          const k = tt.measured.slice(-r.trials).findIndex((m) => m.result.status === 'ok' && m.result.seconds === r.bestSeconds);
          if (k >= 0) trialsToBest[i] = tt.trials - r.trials + k + 1;
        }
        trials += r.trials;
        scheduler.record(i, r.bestSeconds, r.exhausted || r.trials === 0, Math.max(1e-6, elapsed() - roundStart));
      } catch (e) {
        errors[i] = `${(e as Error).name}: ${(e as Error).message}`;
        if ((e as Error).name === 'TuningDatabaseError') throw e;
        scheduler.record(i, tt.best?.result.seconds, true);
        await tt.suspend();
      }
      rounds++;
      const at = open.indexOf(i);
      if (at >= 0) open.splice(at, 1);
      open.push(i);
      while (open.length > openLimit) await tuners[open.shift()!]!.suspend();
      roundBests.push({ trials, task: i, ...(tt.best ? { bestSeconds: tt.best.result.seconds! } : {}) });
      filed.push(o.records.records(undefined, target).length);
      o.onProgress?.({
        task: i, taskTrials: tt.trials, ...(tt.best ? { taskBestSeconds: tt.best.result.seconds! } : {}),
        trials, budget, estimatedSeconds: scheduler.estimatedSeconds(), elapsedSeconds: elapsed(),
      });
    }
  } finally {
    await Promise.all(tuners.map((tt) => tt?.suspend()));
  }
  const elapsedSeconds = elapsed();
  // A task this run gave no round still has its op schedule among the records it resumed from.
  for (const [i, t] of tasks.entries()) {
    if (baselines[i] !== undefined) continue;
    const key = JSON.stringify(t.baseline);
    const m = tuners[i]?.measured.find((x) => x.result.status === 'ok' && JSON.stringify(x.trace) === key);
    if (m) baselines[i] = m.result.seconds;
  }
  const outcomes: TaskOutcome[] = tasks.map((t, i) => {
    const tt = tuners[i];
    const best = tt?.best?.result.seconds;
    return {
      ...t, trials: tt?.trials ?? 0, rounds: scheduler.rounds(i) - (tt ? 0 : 1), seeds: seeds[i]!, resumedFrom: tt?.resumedFrom ?? 0,
      ...(baselines[i] !== undefined ? { baselineSeconds: baselines[i] } : {}),
      ...(best !== undefined ? { bestSeconds: best } : {}),
      ...(trialsToBest[i] !== undefined ? { trialsToBest: trialsToBest[i] } : {}),
      ...(errors[i] ? { error: errors[i] } : {}),
    };
  });
  // The op schedules: each kernel's default implementation; the best: the fastest alternative of each kernel.
  const defaults = outcomes.filter((t) => t.key === t.choice);
  const fastestOf = (choice: string) => Math.min(...outcomes.filter((t) => t.choice === choice).map((t) => t.bestSeconds ?? t.baselineSeconds ?? Infinity));
  const estimated = {
    baselineSeconds: defaults.reduce((s, t) => s + t.weight * (t.baselineSeconds ?? 0), 0),
    tunedSeconds: defaults.reduce((s, t) => { const f = fastestOf(t.choice); return s + t.weight * (Number.isFinite(f) ? f : 0); }, 0),
  };
  const curve = completedCurve(outcomes, roundBests);
  let latency: TuneModelResult['latency'];
  let inModel: InModelVerdict[] | undefined;
  if (latencyRounds > 0 || inModelRounds > 0) {
    const compileOptions = { threads, ...(o.sizes ? { sizes: o.sizes } : {}), ...(o.library ? { library: o.library } : {}), ...(o.skipPasses ? { skipPasses: o.skipPasses } : {}) };
    const withRecords = () => compileGraph(graph, { ...compileOptions, records: o.records, tuningTarget: target });
    const untuned = await compileGraph(graph, compileOptions);
    try {
      let tuned = await withRecords();
      try {
        if (inModelRounds > 0 && tuned.tuned.length) {
          inModel = await checkInModel(untuned, tuned, tasks, o.records, target, { rounds: inModelRounds, seed: o.seed ?? 1 });
          await tuned.dispose();
          tuned = await withRecords();
        }
        if (latencyRounds > 0) {
          const points = latencyAt.flatMap((share) => {
            const k = curve.findIndex((c) => c.trials >= share * trials);
            return k >= 0 && k < curve.length - 1 ? [{ share, trials: curve[k]!.trials, filed: filed[k]! }] : [];
          });
          const earlier: CompiledModel[] = [];
          try {
            for (const p of points) {
              const snapshot = recordSnapshot(o.records.records(undefined, target).slice(0, p.filed));
              earlier.push(await compileGraph(graph, { ...compileOptions, records: snapshot, tuningTarget: target }));
            }
            const [a, b, ...rest] = await sideBySideLatency([untuned, tuned, ...earlier], latencyRounds, o.seed ?? 1);
            const along = points.map((p, k) => ({ share: p.share, trials: p.trials, seconds: rest[k]!, tunedKernels: earlier[k]!.tuned.length }));
            latency = { untunedSeconds: a!, tunedSeconds: b!, rounds: latencyRounds, along };
          } finally { await Promise.all(earlier.map((m) => m.dispose())); }
        }
      } finally { await tuned.dispose(); }
    } finally { await untuned.dispose(); }
  }
  return { tasks: outcomes, target, trials, rounds, stoppedBy, elapsedSeconds, estimated, curve, ...(inModel ? { inModel } : {}), ...(latency ? { latency } : {}) };
}
