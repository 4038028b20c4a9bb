/**
 * Evolutionary search over the decisions of a design space (TVM MetaSchedule's EvolutionarySearch,
 * src/meta_schedule/search_strategy/evolutionary_search.cc, after Ansor §5.1): each round
 *  1. starts a population from the best candidates measured so far (the best of each sketch in turn)
 *     and random schedules of the space;
 *  2. evolves it for a few generations: parents drawn in proportion to the cost model's predicted
 *     throughput, children made by mutating one decision (autotune/mutators.ts), every child checked
 *     (autotune/checks.ts) and lowered before it is kept;
 *  3. picks a batch for measurement, epsilon-greedy: half of it the best predicted candidates of
 *     each sketch alike, the rest the best predicted of all, and a few random ones, never two with the same lowered function
 *     (structural hash) and never one measured before (a resumed run included). Each sketch keeps its
 *     elites and a pick per round because the cost model, trained mostly on one sketch's samples,
 *     ranks another's poorly: a conv 3x3 search stalled in the sketch with the lanes along the width,
 *     the one with output channels along the lanes (the best of an earlier search) measured only by
 *     the random picks;
 *  4. measures the batch and trains the cost model on it (failures count as zero throughput).
 * Traces transferred from similar workloads (`initialPopulation`) join the first population and are
 * the first round's first picks.
 * It stops at the trial budget, the time budget, when no sketch's best has improved for
 * `stallRounds` rounds, or when the space has nothing new to offer; then the fastest few are timed again side by
 * side and the fastest of that is the result. Without a cost model (`costModel: false`) the batches
 * are random schedules of the space, with the same measured budget.
 *
 * What it measures with and learns from is passed in (SearchMeasurer, SearchCostModel), so the
 * search runs the same with real measurements in workers or in a browser page, and in tests.
 */
import type { Pipeline } from '../dsl/pipeline.js';
import type { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import type { Instruction } from '../schedule/instruction.js';
import type { Sampler } from '../schedule/sampling.js';
import type { Sizes } from '../schedule/extents.js';
import { type DesignSpace, pickSketch, seededSampler } from './space.js';
import { checkedSchedule, decisionKey, sketchOf } from './candidate.js';
import { mutate } from './mutators.js';

/** What measuring one candidate gave (autotune/measure.ts's MeasureResult has this shape). */
export interface SearchMeasureResult {
  readonly status: string;
  /** Seconds per call, when status is 'ok'. */
  readonly seconds?: number;
  readonly error?: string;
  readonly code?: string;
}

export interface SearchMeasurer {
  /**
   * Builds, checks and times each decided trace; one result per trace, never throws for a bad one.
   * `cutoffSeconds`: a candidate already seen to be slower than this may be timed roughly (early stop).
   */
  measure(traces: readonly (readonly Instruction[])[], o?: { readonly cutoffSeconds?: number }): Promise<readonly SearchMeasureResult[]>;
  /** Times the traces again, interleaved, `rounds` times. */
  remeasure?(traces: readonly (readonly Instruction[])[], rounds: number): Promise<readonly SearchMeasureResult[]>;
}

/** A learned model of throughput (autotune/cost_model.ts's CostModel has this shape). */
export interface SearchCostModel {
  readonly samples: number;
  /** Predicted normalised throughput (higher is better) per feature vector. */
  predict(features: readonly Float64Array[]): number[];
  update(features: readonly Float64Array[], throughputs: readonly number[]): void;
}

/** What the search needs of a lowered candidate. */
export interface Analysis {
  /** Structural hash of the lowered function: equal hashes are the same code, measured once. */
  readonly hash: string;
  /** The cost model's features of the lowered function (only needed with a cost model). */
  readonly features?: Float64Array;
}

/** A candidate measured by this run or an earlier one. */
export interface MeasuredCandidate {
  readonly trace: readonly Instruction[];
  readonly hash: string;
  readonly result: SearchMeasureResult;
  readonly features?: Float64Array;
}

export interface SearchOptions {
  /** Most candidates to measure (trials), at least 1. */
  readonly trials: number;
  /**
   * Time budget in minutes (default: none), the final re-measurement included: no round starts that
   * would likely end past it, less the time the re-measurement is expected to take (at most half of it).
   */
  readonly minutes?: number;
  /** Candidates measured per round (default 16). */
  readonly batchSize?: number;
  /** Population of each generation (default 32: every member is lowered to be ranked, the main cost of a round besides measuring). */
  readonly populationSize?: number;
  /** Generations evolved per round with the cost model (default 2). */
  readonly generations?: number;
  /** Probability that a child is a mutant rather than a copy of its parent (default 0.85). */
  readonly mutateProbability?: number;
  /** Share of each batch drawn at random instead of by predicted throughput (default 0.1). */
  readonly epsilon?: number;
  /** Stop after this many rounds without an improvement of at least `minImprovement` (default 8: with batches of 16, a 200-trial budget is not cut short by a plateau of a few rounds). */
  readonly stallRounds?: number;
  /** Relative gain that counts as an improvement (default 0.01). */
  readonly minImprovement?: number;
  /**
   * Early stop (tinygrad's BEAM): a candidate slower than this multiple of the best so far is timed
   * once, not repeated: it cannot win, and the cost model needs only its order of magnitude
   * (default 3; 0: every candidate timed in full).
   */
  readonly cutoffFactor?: number;
  /** Candidates timed again side by side at the end (default 3; needs remeasure; 0: none). */
  readonly remeasureTop?: number;
  /** Other traces timed in the same side-by-side re-measurement (a hand schedule to compare with). */
  readonly remeasureWith?: readonly (readonly Instruction[])[];
  /** Rounds of that re-measurement (default 5; 0: no re-measurement, the best as first measured). */
  readonly remeasureRounds?: number;
  /** Seed of every random choice (default 1). */
  readonly seed?: number;
  /** The learned model ranking proposals, or false for random proposals. */
  readonly costModel: SearchCostModel | false;
  readonly measurer: SearchMeasurer;
  /** Candidates measured before (a resumed run): never measured again; they seed the population and the model. */
  readonly previous?: readonly MeasuredCandidate[];
  /**
   * Unmeasured traces of the space (decisions filled: schedules transferred from similar workloads,
   * autotune/transfer.ts) that join the first round's population, checked like any candidate; with
   * random proposals they are the first round's picks.
   */
  readonly initialPopulation?: readonly (readonly Instruction[])[];
  /** Called after every measured batch. */
  readonly onBatch?: (progress: SearchProgress) => void;
  /** Clock in milliseconds (default performance.now). */
  readonly now?: () => number;
}

export interface SearchProgress {
  readonly batch: readonly MeasuredCandidate[];
  readonly trials: number;
  readonly best?: MeasuredCandidate;
  readonly failures: number;
  readonly elapsedSeconds: number;
}

export interface TrialRecord {
  /** 1-based index of the trial in this run. */
  readonly trial: number;
  readonly status: string;
  readonly seconds?: number;
  /** Fastest seconds so far, this run and earlier ones. */
  readonly bestSeconds?: number;
  readonly elapsedSeconds: number;
}

export interface SearchResult {
  /** The fastest candidate, after the side-by-side re-measurement; undefined when none ran. */
  readonly best?: MeasuredCandidate;
  /** Its seconds per call (re-measured when that happened). */
  readonly bestSeconds?: number;
  /** The results of `remeasureWith`, from the side-by-side re-measurement. */
  readonly remeasuredWith?: readonly SearchMeasureResult[];
  /** The best's own result in that re-measurement (when there was one). */
  readonly remeasuredBest?: SearchMeasureResult;
  readonly measured: readonly MeasuredCandidate[];
  readonly history: readonly TrialRecord[];
  /** Measured candidates by status ('ok', 'trap', 'timeout', ...). */
  readonly statuses: Readonly<Record<string, number>>;
  /** Candidates refused before measurement, by ScheduleError code or 'check'. */
  readonly refused: Readonly<Record<string, number>>;
  readonly rounds: number;
  readonly stoppedBy: 'trials' | 'minutes' | 'stall' | 'exhausted';
  readonly elapsedSeconds: number;
  /** Where the time went: candidates lowered and analysed (count, seconds), measuring (seconds). */
  readonly time: { readonly analysed: number; readonly analyseSeconds: number; readonly measureSeconds: number };
}

/** The task: the pipeline, its space, and how to lower a candidate for the search. */
export interface SearchTask {
  readonly pipeline: Pipeline;
  readonly sizes: Sizes;
  readonly space: DesignSpace;
  /**
   * Lowers a checked schedule: its structural hash and features.
   * @throws ScheduleError when lowering refuses it (the candidate is then skipped)
   */
  analyze(sch: Schedule): Analysis;
}

interface Candidate { readonly trace: readonly Instruction[]; readonly analysis: Analysis }

const positiveInteger = (name: string, v: number): number => {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`search: ${name} must be a positive integer, got ${v}`);
  return v;
};

const nonNegativeInteger = (name: string, v: number): number => {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`search: ${name} must be a non-negative integer, got ${v}`);
  return v;
};

/** Draws an index with probability proportional to max(weight, 0) + a small floor. */
function roulette(weights: readonly number[], r: Sampler): number {
  const w = weights.map((x) => Math.max(0, Number.isFinite(x) ? x : 0) + 1e-6);
  let pick = r.random() * w.reduce((a, b) => a + b, 0);
  for (let k = 0; k < w.length; k++) if ((pick -= w[k]!) < 0) return k;
  return w.length - 1;
}

/**
 * Runs the search (see the file's comment).
 * @throws RangeError for options out of range; whatever the measurer or the cost model throws
 */
export async function search(task: SearchTask, o: SearchOptions): Promise<SearchResult> {
  const trials = positiveInteger('trials', o.trials);
  const batchSize = positiveInteger('batchSize', o.batchSize ?? 16);
  const populationSize = positiveInteger('populationSize', o.populationSize ?? 32);
  const generations = o.generations ?? 2;
  const mutateProbability = o.mutateProbability ?? 0.85;
  const epsilon = o.epsilon ?? 0.1;
  const stallRounds = positiveInteger('stallRounds', o.stallRounds ?? 8);
  const minImprovement = o.minImprovement ?? 0.01;
  const cutoffFactor = o.cutoffFactor ?? 3;
  if (!(cutoffFactor === 0 || cutoffFactor >= 1)) throw new RangeError(`search: cutoffFactor must be 0 or at least 1, got ${cutoffFactor}`);
  // Checked before anything is measured: a bad value must not end a run after its budget is spent.
  const remeasureTop = nonNegativeInteger('remeasureTop', o.remeasureTop ?? 3);
  const remeasureRounds = nonNegativeInteger('remeasureRounds', o.remeasureRounds ?? 5);
  if (o.minutes !== undefined && !(o.minutes > 0)) throw new RangeError(`search: minutes must be positive, got ${o.minutes}`);
  const now = o.now ?? (() => performance.now());
  const start = now();
  const elapsed = () => (now() - start) / 1000;
  const r = seededSampler(o.seed ?? 1);
  const model = o.costModel || undefined;

  const analyses = new Map<string, Candidate | { refusal: string }>();
  let analysed = 0, analyseMs = 0, measureMs = 0;
  const refused: Record<string, number> = {};
  /** The candidate a trace stands for, analysed once per distinct decisions. */
  const candidateOf = (trace: readonly Instruction[]): Candidate | undefined => {
    // A space (decisions to draw) is a new candidate every time; a decided trace is looked up.
    const key = decisionKey(trace);
    const drawn = trace.some((i) => i.op.startsWith('sample_') && (i as { decision?: unknown }).decision === undefined);
    const known = drawn ? undefined : analyses.get(key);
    if (known) return 'refusal' in known ? undefined : known;
    const checked = checkedSchedule(task.pipeline, task.space, trace, task.sizes, r);
    if ('schedule' in checked && drawn) {
      const again = analyses.get(decisionKey(checked.schedule.trace));
      if (again) return 'refusal' in again ? undefined : again;
    }
    let entry: Candidate | { refusal: string };
    if ('refusal' in checked) entry = { refusal: checked.refusal.code };
    else {
      try {
        const t0 = now();
        const analysis = task.analyze(checked.schedule);
        analysed++;
        analyseMs += now() - t0;
        entry = { trace: checked.schedule.trace, analysis };
      } catch (e) {
        if (!(e instanceof ScheduleError)) throw e;
        entry = { refusal: e.code };
      }
    }
    if ('refusal' in entry) refused[entry.refusal] = (refused[entry.refusal] ?? 0) + 1;
    if (!drawn) analyses.set(key, entry);
    if ('trace' in entry) analyses.set(decisionKey(entry.trace), entry);
    return 'refusal' in entry ? undefined : entry;
  };
  const randomCandidate = (attempts = 32): Candidate | undefined => {
    for (let k = 0; k < attempts; k++) {
      const c = candidateOf(pickSketch(task.space, r).trace);
      if (c) return c;
    }
    return undefined;
  };

  const measuredHashes = new Set<string>();
  const all: MeasuredCandidate[] = [];
  const okOf = () => all.filter((m) => m.result.status === 'ok' && m.result.seconds !== undefined)
    .sort((a, b) => a.result.seconds! - b.result.seconds!);
  /** Each sketch's fastest measured seconds (Infinity when none). */
  const sketchBests = (): number[] => {
    const out = task.space.sketches.map(() => Infinity);
    for (const m of all) {
      if (m.result.status !== 'ok' || m.result.seconds === undefined) continue;
      const k = task.space.sketches.indexOf(sketchOf(task.space, m.trace)!);
      if (k >= 0 && m.result.seconds < out[k]!) out[k] = m.result.seconds;
    }
    return out;
  };
  /** The `count` fastest measured of the space, taken from each sketch in turn (its fastest first). */
  const elites = (count: number): MeasuredCandidate[] => {
    const bySketch = task.space.sketches.map(() => [] as MeasuredCandidate[]);
    for (const m of okOf()) {
      const sk = sketchOf(task.space, m.trace);
      if (sk) bySketch[task.space.sketches.indexOf(sk)]!.push(m);
    }
    const out: MeasuredCandidate[] = [];
    for (let rank = 0; out.length < count && bySketch.some((l) => l.length > rank); rank++) {
      for (const l of bySketch) if (out.length < count && l[rank]) out.push(l[rank]!);
    }
    return out;
  };
  let reference: number | undefined;
  const train = (batch: readonly MeasuredCandidate[]) => {
    if (!model) return;
    const withFeatures = batch.filter((m) => m.features);
    if (!withFeatures.length) return;
    reference ??= withFeatures.find((m) => m.result.status === 'ok')?.result.seconds;
    if (reference === undefined) return;
    model.update(withFeatures.map((m) => m.features!), withFeatures.map((m) => (m.result.status === 'ok' && m.result.seconds ? reference! / m.result.seconds : 0)));
  };
  for (const m of o.previous ?? []) {
    measuredHashes.add(m.hash);
    all.push(m);
  }
  reference = okOf()[0]?.result.seconds;
  train(o.previous ?? []);

  const history: TrialRecord[] = [];
  const statuses: Record<string, number> = {};
  let done = 0, rounds = 0, stall = 0;
  let best = okOf()[0]?.result.seconds;
  let stoppedBy: SearchResult['stoppedBy'] = 'trials';
  const roundTimes: number[] = [];

  /** Seconds measuring one candidate takes, on average so far (1 before any). */
  const perCandidate = () => (done > 0 ? measureMs / 1000 / done : 1);
  // The final side-by-side re-measurement is part of the time budget: the rounds leave it room.
  const remeasured = remeasureRounds > 0 && o.measurer.remeasure ? remeasureTop + (o.remeasureWith?.length ?? 0) : 0;
  const total = o.minutes === undefined ? Infinity : o.minutes * 60;
  let budget = total;
  const seeds = o.initialPopulation ?? [];
  while (done < trials) {
    budget = Math.max(total / 2, total - remeasured * remeasureRounds * perCandidate());
    const roundStart = elapsed();
    const seeded = rounds === 0 ? seeds.map((t) => candidateOf(t)).filter((c): c is Candidate => c !== undefined) : [];
    // The longest recent round: rounds grow as the population converges on larger candidates.
    const typical = Math.max(0, ...roundTimes.slice(-3));
    if (roundStart + Math.min(typical, perCandidate() * batchSize) > budget) { stoppedBy = 'minutes'; break; }
    let need = Math.min(batchSize, trials - done);
    // Evolution (lowering candidates to rank them) may take no longer than measuring this round's
    // candidates is expected to, and at most a third of the time left, so that measurement gets at
    // least half the time: on a workload that is slow to lower (a convolution), an uncapped evolution
    // spent most of the budget ranking and measured a third of the trials. Sized by the round, not the
    // batch option: a 4-candidate warm-up round of a Winograd F(4x4) layer (up to 8 s per lowering)
    // lowered 16 fresh samples and took 90-180 s.
    const evolveUntil = roundStart + Math.min((budget - roundStart) / 3, Math.max(2, perCandidate() * need));
    const picks: Candidate[] = [];
    const picked = new Set<string>();
    const take = (c: Candidate | undefined): boolean => {
      if (!c || measuredHashes.has(c.analysis.hash) || picked.has(c.analysis.hash)) return false;
      picked.add(c.analysis.hash);
      picks.push(c);
      return true;
    };
    const randomShare = model ? Math.round(need * epsilon) : need;
    if (model) {
      // Population: the best measured, then random schedules of the space.
      const pop: Candidate[] = [...seeded];
      for (const m of elites(Math.ceil(populationSize * 0.2))) {
        const c = candidateOf(m.trace);
        if (c) pop.push(c);
      }
      // (At least the round's worth of fresh samples; more while the evolution's time allows.)
      for (let k = 0; pop.length < populationSize && k < populationSize * 2 && (pop.length < need || elapsed() <= evolveUntil); k++) {
        const c = randomCandidate(4);
        if (c) pop.push(c);
      }
      const pool = new Map<string, { c: Candidate; score: number }>();
      for (let g = 0; g <= generations && pop.length; g++) {
        const scores = model.predict(pop.map((c) => c.analysis.features ?? new Float64Array()));
        pop.forEach((c, k) => {
          const h = c.analysis.hash;
          if (measuredHashes.has(h)) return;
          const prior = pool.get(h);
          if (!prior || prior.score < scores[k]!) pool.set(h, { c, score: scores[k]! });
        });
        if (g === generations) break;
        if (elapsed() > evolveUntil) break;
        const next: Candidate[] = [];
        for (let k = 0; k < populationSize && elapsed() <= evolveUntil; k++) {
          for (let attempt = 0; attempt < 8; attempt++) {
            const parent = pop[roulette(scores, r)]!;
            const child = r.random() < mutateProbability ? mutate(parent.trace, r) : [...parent.trace];
            const c = child && candidateOf(child);
            if (c) { next.push(c); break; }
          }
        }
        pop.splice(0, pop.length, ...next);
      }
      // Transferred schedules are measured first: their decisions were the best of similar workloads.
      for (const c of seeded) if (picks.length < need - randomShare) take(c);
      const ranked = [...pool.values()].sort((a, b) => b.score - a.score);
      // Half the model's picks shared among the sketches alike, each sketch's best predicted first.
      const sketches = task.space.sketches;
      if (sketches.length > 1) {
        const perSketch = Math.max(1, Math.floor((need - randomShare) / (2 * sketches.length)));
        for (const sk of sketches) {
          let taken = 0;
          for (const { c } of ranked) {
            if (taken >= perSketch || picks.length >= need - randomShare) break;
            if (sketchOf(task.space, c.trace) === sk && take(c)) taken++;
          }
        }
      }
      for (const { c } of ranked) {
        if (picks.length >= need - randomShare) break;
        take(c);
      }
    }
    if (!model) for (const c of seeded) if (picks.length < need) take(c);
    for (let k = 0; picks.length < need && k < need * 8; k++) take(randomCandidate());
    if (picks.length === 0) { stoppedBy = 'exhausted'; break; }
    // No more than the time left can measure (the best predicted first).
    need = Math.max(1, Math.min(picks.length, Math.floor((budget - elapsed()) / perCandidate())));
    if (budget - elapsed() < perCandidate()) { stoppedBy = 'minutes'; break; }
    picks.splice(need);

    const measureStart = now();
    const results = await o.measurer.measure(picks.map((c) => c.trace), cutoffFactor > 0 && best !== undefined ? { cutoffSeconds: best * cutoffFactor } : {});
    measureMs += now() - measureStart;
    if (results.length !== picks.length) throw new Error(`search: the measurer returned ${results.length} results for ${picks.length} candidates`);
    const batch: MeasuredCandidate[] = picks.map((c, k) => ({
      trace: c.trace, hash: c.analysis.hash, result: results[k]!, ...(c.analysis.features ? { features: c.analysis.features } : {}),
    }));
    const before = best;
    const sketchBestBefore = sketchBests();
    for (const m of batch) {
      measuredHashes.add(m.hash);
      all.push(m);
      done++;
      statuses[m.result.status] = (statuses[m.result.status] ?? 0) + 1;
      if (m.result.status === 'ok' && m.result.seconds !== undefined && (best === undefined || m.result.seconds < best)) best = m.result.seconds;
      history.push({ trial: done, status: m.result.status, ...(m.result.seconds !== undefined ? { seconds: m.result.seconds } : {}), ...(best !== undefined ? { bestSeconds: best } : {}), elapsedSeconds: elapsed() });
    }
    train(batch);
    rounds++;
    roundTimes.push(elapsed() - roundStart);
    // Progress is the best of any sketch improving: a sketch still climbing is not a stall.
    const sketchBestAfter = sketchBests();
    const improved = (best !== undefined && (before === undefined || best < before * (1 - minImprovement)))
      || sketchBestAfter.some((b, k) => b < sketchBestBefore[k]! * (1 - minImprovement));
    stall = improved ? 0 : stall + 1;
    o.onBatch?.({ batch, trials: done, best: okOf()[0], failures: done - (statuses.ok ?? 0), elapsedSeconds: elapsed() });
    if (stall >= stallRounds && done < trials) { stoppedBy = 'stall'; break; }
  }

  // The fastest few (and the comparison schedules), timed again side by side: the best is declared on that.
  const ranked = okOf();
  const top = remeasureRounds > 0 ? ranked.slice(0, remeasureTop) : [];
  const others = o.remeasureWith ?? [];
  let winner = ranked[0], winnerSeconds = ranked[0]?.result.seconds;
  let remeasuredWith: readonly SearchMeasureResult[] | undefined, remeasuredBest: SearchMeasureResult | undefined;
  if (top.length > 0 && o.measurer.remeasure && (top.length > 1 || others.length > 0)) {
    const again = await o.measurer.remeasure([...top.map((m) => m.trace), ...others], remeasureRounds);
    remeasuredWith = again.slice(top.length);
    const timed = again.slice(0, top.length).flatMap((res, k) => (res.status === 'ok' && res.seconds !== undefined ? [{ k, seconds: res.seconds }] : []));
    const fastest = timed.sort((a, b) => a.seconds - b.seconds)[0];
    if (fastest) { winner = top[fastest.k]; winnerSeconds = fastest.seconds; remeasuredBest = again[fastest.k]; }
  }
  return {
    ...(winner ? { best: winner, bestSeconds: winnerSeconds } : {}),
    ...(remeasuredWith ? { remeasuredWith } : {}),
    ...(remeasuredBest ? { remeasuredBest } : {}),
    measured: all, history, statuses, refused, rounds, stoppedBy, elapsedSeconds: elapsed(),
    time: { analysed, analyseSeconds: analyseMs / 1000, measureSeconds: measureMs / 1000 },
  };
}
