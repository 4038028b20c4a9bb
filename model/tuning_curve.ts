/**
 * A model tuning run's curve: the kernels' estimated seconds (sum over the model's kernels of weight x
 * seconds) after each round, with every kernel counted from the first round on. A kernel none of whose
 * tasks has been measured yet counts at its op schedule's time as the run measured it: that is what the
 * untuned model runs (a kernel whose op schedule has no time, at the fastest the run found for it).
 * So the curve starts at the op-schedule estimate, ends at the tuned one and never rises. A sum over
 * the measured tasks only (the live progress figure) grows as tasks enter it, and a speedup over it
 * is the first tasks' (3.5x after 4 trials of a MobileNetV2 run that ended at 1.26x).
 */

/** What the curve needs of a task: its kernels' weight, its choice (alternatives share one), its op schedule's time. */
export interface CurveTask {
  readonly key: string;
  readonly choice: string;
  readonly weight: number;
  /** The op schedule's seconds, measured by the run (undefined: never measured). */
  readonly baselineSeconds?: number;
}

/** One round of the run: the trials so far, the task it was spent on, that task's best seconds after it. */
export interface RoundBest {
  readonly trials: number;
  readonly task: number;
  readonly bestSeconds?: number;
}

export interface CurvePoint { readonly trials: number; readonly estimatedSeconds: number }

/**
 * The completed curve (see the file's comment): per round, the sum over choices of the default task's
 * weight x the fastest of its op-schedule time and the best seconds its alternatives had reached by
 * then; a choice without an op-schedule time counts at its fastest over the run (0 when it has none).
 * @param tasks the run's tasks; a choice's default is the task whose key is the choice
 * @param rounds in order, each task an index into `tasks`
 * @throws RangeError for a round whose task is not an index of `tasks`
 */
export function completedCurve(tasks: readonly CurveTask[], rounds: readonly RoundBest[]): CurvePoint[] {
  const choices = [...new Set(tasks.map((t) => t.choice))];
  const index = new Map(choices.map((c, k) => [c, k]));
  const weight = choices.map((c) => tasks.find((t) => t.key === c)?.weight ?? tasks.find((t) => t.choice === c)!.weight);
  const fastest = choices.map((c) => tasks.find((t) => t.key === c)?.baselineSeconds ?? Infinity);
  const overRun = [...fastest];
  for (const r of rounds) {
    const t = tasks[r.task];
    if (!t) throw new RangeError(`completedCurve: round task ${r.task} is not one of the ${tasks.length} tasks`);
    const k = index.get(t.choice)!;
    if (r.bestSeconds !== undefined && r.bestSeconds < overRun[k]!) overRun[k] = r.bestSeconds;
  }
  fastest.forEach((f, k) => { if (!Number.isFinite(f)) fastest[k] = overRun[k]!; });
  const sum = () => fastest.reduce((s, f, k) => s + (Number.isFinite(f) ? weight[k]! * f : 0), 0);
  return rounds.map((r) => {
    const k = index.get(tasks[r.task]!.choice)!;
    if (r.bestSeconds !== undefined && r.bestSeconds < fastest[k]!) fastest[k] = r.bestSeconds;
    return { trials: r.trials, estimatedSeconds: sum() };
  });
}
