/**
 * The cost model: ranks candidates by predicted throughput so that the search measures the promising
 * ones (MetaSchedule's XGBoost model, Ansor's, Halide's Adams2019 learned model; measurement decides).
 * The learner is a random forest regressor from ml-random-forest (Breiman 2001), trained online: every
 * `update` refits it on all samples so far (the most recent MAX_SAMPLES) with targets log(throughput /
 * best throughput seen), so the scale of the workload drops out and the best is 0. Features enter as
 * log(1 + x) (the counts span ten orders of magnitude).
 *
 * Until `minSamples` measurements exist, an analytic prior ranks instead: a roofline estimate from the
 * features (Williams, Waterman and Patterson, CACM 2009): the larger of the instruction time (at two
 * instructions a cycle) and the memory time (inner cache lines from L1 at 32 bytes a cycle, the whole
 * footprint from memory at 8), plus loop and branch overhead, in cycles.
 */
import { RandomForestRegression } from 'ml-random-forest';
import { FEATURE_NAMES, featureIndex } from './features.js';

export interface CostModel {
  /** Measurements the model has learned from. */
  readonly samples: number;
  /**
   * @param features one vector per candidate (autotune/features.ts)
   * @returns one score per candidate: higher is better (log of normalised throughput, or the prior's
   *   -log of estimated cycles before minSamples); comparable within one call
   */
  predict(features: readonly Float64Array[]): number[];
  /**
   * Learns from measured candidates.
   * @param throughputs per candidate, any unit where higher is faster (1 / seconds); 0 for a candidate
   *   that failed (it is learned as 10^4 times slower than the best)
   * @throws RangeError when the lengths differ or a vector has the wrong length
   */
  update(features: readonly Float64Array[], throughputs: readonly number[]): void;
}

export interface CostModelOptions {
  /** Seed of the forest's bagging and feature sampling (default 1). */
  readonly seed?: number;
  /** Measurements before the learner replaces the prior (default 16). */
  readonly minSamples?: number;
  /** Trees of the forest (default 32). */
  readonly trees?: number;
}

/** Samples kept for training: the most recent. */
export const MAX_SAMPLES = 1024;
const FAILED_RATIO = 1e-4;

const I = {
  vector: featureIndex('vector_instructions'), scalar: featureIndex('scalar_instructions'),
  innerLines: featureIndex('inner_lines_touched'), lines: featureIndex('lines_touched'),
  iterations: featureIndex('loop_iterations'), branches: featureIndex('branch_executions'),
};

/** The prior's estimate of a candidate's cycles (see the file's comment). */
export function rooflineCycles(x: Float64Array): number {
  const compute = (x[I.vector]! + x[I.scalar]!) / 2;
  const memory = (x[I.innerLines]! * 64) / 32 + (x[I.lines]! * 64) / 8;
  return Math.max(compute, memory) + x[I.iterations]! + x[I.branches]!;
}

const transform = (x: Float64Array): number[] => Array.from(x, (v) => Math.log1p(Math.max(0, v)));

function check(features: readonly Float64Array[]): void {
  for (const f of features) {
    if (f.length !== FEATURE_NAMES.length) throw new RangeError(`a feature vector has ${f.length} values, not ${FEATURE_NAMES.length} (FEATURE_NAMES)`);
  }
}

/**
 * A cost model: the analytic prior until `minSamples` measurements, then a random forest.
 * @throws RangeError for a minSamples below 2 or trees below 1
 */
export function createCostModel(o: CostModelOptions = {}): CostModel {
  const minSamples = o.minSamples ?? 16, trees = o.trees ?? 32, seed = o.seed ?? 1;
  if (!Number.isInteger(minSamples) || minSamples < 2) throw new RangeError(`minSamples must be an integer of at least 2, got ${minSamples}`);
  if (!Number.isInteger(trees) || trees < 1) throw new RangeError(`trees must be a positive integer, got ${trees}`);
  const xs: number[][] = [], thr: number[] = [];
  let forest: RandomForestRegression | undefined;
  return {
    get samples() { return xs.length; },
    predict(features) {
      check(features);
      if (!forest) return features.map((f) => -Math.log(rooflineCycles(f) + 1));
      return forest.predict(features.map(transform));
    },
    update(features, throughputs) {
      check(features);
      if (features.length !== throughputs.length) throw new RangeError(`update: ${features.length} feature vectors but ${throughputs.length} throughputs`);
      features.forEach((f, i) => { xs.push(transform(f)); thr.push(Math.max(0, throughputs[i]!)); });
      if (xs.length > MAX_SAMPLES) { xs.splice(0, xs.length - MAX_SAMPLES); thr.splice(0, thr.length - MAX_SAMPLES); }
      const best = Math.max(...thr);
      if (xs.length < minSamples || !(best > 0)) return;
      const y = thr.map((t) => Math.log(Math.max(t, best * FAILED_RATIO) / best));
      const f = new RandomForestRegression({
        nEstimators: trees, maxFeatures: 0.6, replacement: true, useSampleBagging: true, noOOB: true, seed,
        treeOptions: { maxDepth: 12, minNumSamples: 2 },
      } as ConstructorParameters<typeof RandomForestRegression>[0]);
      f.train(xs, y);
      forest = f;
    },
  };
}
