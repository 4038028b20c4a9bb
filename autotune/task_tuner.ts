/**
 * One task of a multi-task tuning run (a model's distinct kernels, model/tune_model.ts): tune()'s
 * search spent in rounds, so that a task scheduler (autotune/task_scheduler.ts) can give each round
 * to the task where it gains most. A TaskTuner keeps what carries from round to round: the design
 * space, the cost model (trained on the records it resumed from, then on every batch), every measured
 * candidate (never measured again), and the best so far. Its Measurer (workers and a runner process)
 * is started at its first round and can be closed between rounds (`suspend`) to bound the processes
 * of a run with many tasks; the next round starts it again.
 */
import type { Instruction } from '../schedule/instruction.js';
import { Measurer, type MeasureOptions } from './measure.js';
import type { MeasureResult } from './result.js';
import { definitionAxes, type Workload } from './workload.js';
import type { TuningTarget } from './target.js';
import type { TuningRecordStore } from './tune.js';
import { ruleTargetOf } from './tune.js';
import { loweredHash } from './lowered_hash.js';
import { extractFeatures } from './features.js';
import { createCostModel, type CostModel } from './cost_model.js';
import { generateSpace, seededSampler, type DesignSpace } from './space.js';
import { search, type MeasuredCandidate, type SearchOptions } from './search.js';
import { checkedSchedule } from './candidate.js';
import { lower } from '../lower/lower.js';
import type { Schedule } from '../schedule/schedule.js';

export interface TaskTunerOptions {
  /** Records to resume from (this workload and target class) and to append every measurement to. */
  readonly records?: TuningRecordStore;
  /** Seed of the search and the cost model (default 1). */
  readonly seed?: number;
  /** Rank proposals with the learned cost model (default true). */
  readonly costModel?: boolean;
  readonly measure?: MeasureOptions;
  /** Search options of every round (population, generations, epsilon, ...). */
  readonly search?: Partial<Omit<SearchOptions, 'trials' | 'minutes' | 'seed' | 'costModel' | 'measurer' | 'previous' | 'onBatch' | 'initialPopulation'>>;
}

export interface RoundResult {
  /** Trials measured in the round. */
  readonly trials: number;
  /** Of those, how many did not give a time. */
  readonly failures: number;
  /** The task's fastest seconds per call after the round (earlier records and the baseline included). */
  readonly bestSeconds?: number;
  /** The search stopped because the space had nothing new. */
  readonly exhausted: boolean;
}

/** A wasm-simd tuning task, tuned round by round (see the file's comment). */
export class TaskTuner {
  readonly space: DesignSpace;
  /** Candidates measured for this workload and target class (records resumed from, then this run's). */
  readonly measured: MeasuredCandidate[] = [];
  /** Trials this run measured. */
  trials = 0;
  /** Records of this workload and target class the task started from. */
  readonly resumedFrom: number;
  private readonly model: CostModel | undefined;
  private measurer: Measurer | undefined;
  private rounds = 0;
  private readonly axes: Record<string, string[]>;

  /**
   * @param workload a workload with constant shapes (a model's kernel, or autotune/specialize.ts's)
   * @param target a wasm-simd target
   * @throws TuneError-free: what generateSpace throws for a pipeline it cannot build a space for
   */
  constructor(readonly workload: Workload, readonly target: TuningTarget, private readonly o: TaskTunerOptions = {}) {
    if (target.kind !== 'wasm-simd') throw new RangeError(`TaskTuner: tuning tasks of a ${target.kind} target is not built yet; wasm-simd only`);
    this.space = generateSpace(workload.pipeline, {}, ruleTargetOf(target));
    this.model = o.costModel === false ? undefined : createCostModel({ seed: o.seed ?? 1 });
    this.axes = definitionAxes(workload.spec);
    const earlier = o.records?.records(workload.key, target) ?? [];
    this.resumedFrom = earlier.length;
    const repair = seededSampler(o.seed ?? 1);
    const features: Float64Array[] = [], seconds: number[] = [];
    for (const r of earlier) {
      let hash = r.loweredHash, f: Float64Array | undefined;
      if (this.model || !hash) {
        const c = checkedSchedule(workload.pipeline, undefined, r.trace, {}, repair);
        if ('schedule' in c) {
          try { const a = this.analyze(c.schedule); hash ??= a.hash; f = a.features; } catch { /* lowers differently now: the hash still dedups */ }
        }
      }
      if (!hash) continue;
      this.measured.push({ trace: r.trace, hash, result: r.result });
      if (f) { features.push(f); seconds.push(r.result.status === 'ok' ? r.result.seconds! : Infinity); }
    }
    const best = Math.min(...seconds);
    if (this.model && features.length && Number.isFinite(best)) this.model.update(features, seconds.map((s) => (Number.isFinite(s) ? best / s : 0)));
  }

  /** The structural hash and cost-model features of a schedule's lowered function. */
  private analyze(sch: Schedule): { hash: string; features?: Float64Array } {
    const f = lower(this.workload.pipeline, sch).func;
    let features: Float64Array | undefined;
    // A feature extraction that fails leaves the candidate to the search's random share, not the run.
    if (this.model) try { features = extractFeatures(f, {}); } catch { features = undefined; }
    return { hash: loweredHash(f), ...(features ? { features } : {}) };
  }

  /** The fastest ok measurement so far. */
  get best(): MeasuredCandidate | undefined {
    let b: MeasuredCandidate | undefined;
    for (const m of this.measured) if (m.result.status === 'ok' && (!b || m.result.seconds! < b.result.seconds!)) b = m;
    return b;
  }

  private async started(): Promise<Measurer> {
    this.measurer ??= await Measurer.create(this.workload, this.target, this.o.measure);
    return this.measurer;
  }

  private async file(trace: readonly Instruction[], result: MeasureResult): Promise<void> {
    await this.o.records?.append({
      workload: this.workload.key, workloadName: this.workload.name, axes: this.axes, target: this.target, trace,
      ...(result.loweredHash ? { loweredHash: result.loweredHash } : {}), result,
    });
  }

  /**
   * Measures a schedule outside the space (the op's own schedule, the baseline a tuned one must beat)
   * and files it as a record, unless a record of the same lowered function exists.
   * @returns its result (the recorded one when it was measured before)
   */
  async measureBaseline(trace: readonly Instruction[]): Promise<MeasureResult> {
    const m = await this.started();
    const [r] = await m.measure([trace]);
    const known = r!.loweredHash && this.measured.find((x) => x.hash === r!.loweredHash);
    if (known) return known.result as MeasureResult;
    this.measured.push({ trace, hash: r!.loweredHash ?? `baseline:${JSON.stringify(trace)}`, result: r! });
    await this.file(trace, r!);
    return r!;
  }

  /**
   * One round: up to `trials` new candidates proposed by the search (the first round's population
   * seeded with `seeds`), measured, filed as records, learned from.
   * @param seeds decided traces of the space (autotune/transfer.ts), used in the first round only
   * @param minutes the round's time budget
   * @throws RangeError for a bad trial count; what the Measurer throws when it cannot start
   */
  async round(trials: number, seeds: readonly (readonly Instruction[])[] = [], minutes?: number): Promise<RoundResult> {
    const m = await this.started();
    const model = this.model;
    const before = this.trials;
    let exhausted = false;
    const r = await search({ pipeline: this.workload.pipeline, sizes: {}, space: this.space, analyze: (s) => this.analyze(s) }, {
      ...this.o.search,
      trials, ...(minutes !== undefined ? { minutes } : {}),
      seed: (this.o.seed ?? 1) + this.rounds,
      // The model already learned the measured candidates: they come without features.
      costModel: model ?? false,
      previous: this.measured.map(({ features: _, ...c }) => c),
      ...(this.rounds === 0 && seeds.length ? { initialPopulation: seeds } : {}),
      remeasureRounds: 0,
      measurer: {
        measure: async (traces, cutoff) => {
          const results = await m.measure(traces, cutoff);
          for (const [k, res] of results.entries()) await this.file(traces[k]!, res);
          return results;
        },
      },
      onBatch: (p) => { for (const c of p.batch) this.measured.push(c); this.trials += p.batch.length; },
    });
    if (r.stoppedBy === 'exhausted') exhausted = true;
    this.rounds++;
    const done = this.trials - before;
    const failures = r.history.filter((h) => h.status !== 'ok').length;
    const best = this.best;
    return { trials: done, failures, ...(best ? { bestSeconds: best.result.seconds! } : {}), exhausted };
  }

  /** Stops the task's measurer until its next round. */
  async suspend(): Promise<void> {
    const m = this.measurer;
    this.measurer = undefined;
    await m?.close();
  }
}
