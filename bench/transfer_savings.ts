/**
 * What transfer saves on a second model: the trials a run seeded from another model's records took to
 * reach what a run from nothing reached with its whole budget.
 *
 * The runs are compared by speedup, each run's estimated kernel time (tuneModel's curve: every
 * kernel counted from the first round, at its op schedule until measured; model/tuning_curve.ts)
 * against its own op-schedule estimate, so that a machine that runs slower in one run than in
 * the other (the same kernel varies by up to 1.5x here) does not count as tuning. The target is the
 * run from nothing's final speedup; `trialsSaved` is the difference in the trials each run needed to
 * reach it (undefined when the seeded run never did).
 */

/** One point of tuneModel's curve: the estimate after a round, against the trials so far. */
export interface CurvePoint { readonly trials: number; readonly estimatedSeconds: number }

export interface TransferSavings {
  /** The run from nothing's final speedup over its op schedules: the target. */
  readonly targetSpeedup: number;
  /** Trials each run needed to reach the target (the run from nothing: where its curve first did). */
  readonly trialsWithout: number;
  readonly trialsWith?: number;
  /** trialsWithout - trialsWith; undefined when the seeded run never reached the target. */
  readonly trialsSaved?: number;
  /** Each run's speedup after these shares of the trials (10%, 50%, 100%). */
  readonly speedupAt: readonly { readonly share: number; readonly without: number; readonly with: number }[];
}

/**
 * Compares two runs' curves (see the file's comment).
 * @param without, with: tuneModel's `curve` and `estimated.baselineSeconds` of the run from nothing and of the seeded run
 * @throws Error when a curve is empty or a baseline is not a positive number of seconds
 */
export function transferSavings(without: { curve: readonly CurvePoint[]; baselineSeconds: number }, seeded: { curve: readonly CurvePoint[]; baselineSeconds: number }): TransferSavings {
  for (const [what, run] of [['the run from nothing', without], ['the seeded run', seeded]] as const) {
    if (run.curve.length === 0) throw new Error(`transferSavings: ${what} has an empty curve`);
    if (!(run.baselineSeconds > 0)) throw new Error(`transferSavings: ${what}'s op-schedule estimate must be positive seconds, got ${run.baselineSeconds}`);
  }
  const speedup = (run: typeof without, p: CurvePoint) => run.baselineSeconds / p.estimatedSeconds;
  const targetSpeedup = speedup(without, without.curve.at(-1)!);
  // A tolerance of one part in 10^9: the run from nothing reaches its own final value exactly.
  const reaches = (run: typeof without) => run.curve.find((p) => speedup(run, p) >= targetSpeedup * (1 - 1e-9))?.trials;
  const trialsWithout = reaches(without)!;
  const trialsWith = reaches(seeded);
  const at = (run: typeof without, share: number) => {
    const total = run.curve.at(-1)!.trials;
    return speedup(run, run.curve.find((p) => p.trials >= share * total)!);
  };
  return {
    targetSpeedup, trialsWithout,
    ...(trialsWith !== undefined ? { trialsWith, trialsSaved: trialsWithout - trialsWith } : {}),
    speedupAt: [0.1, 0.5, 1].map((share) => ({ share, without: at(without, share), with: at(seeded, share) })),
  };
}
