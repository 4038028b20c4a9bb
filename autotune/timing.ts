/**
 * Adaptive repeats: a warm-up, then an inner call count grown until one repeat (that many calls back
 * to back) lasts at least minRepeatMs, then several repeats whose per-call times give a median and a
 * spread. The repeat is a function, so the same logic times a WebAssembly kernel (synchronous calls
 * under a wall clock) and a GPU program (asynchronous launches under timestamp queries).
 *
 * Why each step: short calls are dominated by timer resolution and call overhead unless batched; V8
 * first runs WebAssembly in its baseline tier (Liftoff) and optimises it later (TurboFan), so early
 * calls are slow; the median of repeats resists the outliers of a shared machine (tinygrad and
 * MetaSchedule's runners also take several repeats of a grown number of calls).
 */

/** Runs `inner` calls and returns how many milliseconds they took. */
export type Repeat = (inner: number) => number | Promise<number>;

export interface RepeatOptions {
  /** Milliseconds of calls before anything is timed (at least one call). */
  readonly warmupMs: number;
  readonly minRepeatMs: number;
  readonly repeats: number;
  /** The most calls one repeat may batch (default 1e6). */
  readonly maxInner?: number;
  /**
   * Early stop (tinygrad's BEAM stops at 3x the best): when the calibration already shows more than
   * this many milliseconds per call, that one estimate is the result and no repeats are run.
   */
  readonly cutoffMs?: number;
}

export interface Timing {
  /** Milliseconds per call of each repeat, in order. */
  readonly perCallMs: readonly number[];
  readonly inner: number;
  /** True when the early stop cut the timing short (perCallMs is then the calibration's one estimate). */
  readonly cut?: boolean;
}

export const now = (): number => performance.now();

/** Grows the inner count from `start` until a repeat lasts at least minRepeatMs (or maxInner is reached). */
export async function calibrate(repeat: Repeat, o: Pick<RepeatOptions, 'warmupMs' | 'minRepeatMs' | 'maxInner'>, start = 1): Promise<number> {
  return (await calibrateTimed(repeat, o, start)).inner;
}

/** calibrate, also giving the per-call milliseconds of its last repeat. */
async function calibrateTimed(repeat: Repeat, o: Pick<RepeatOptions, 'warmupMs' | 'minRepeatMs' | 'maxInner'>, start = 1): Promise<{ inner: number; perCallMs: number }> {
  const maxInner = o.maxInner ?? 1e6;
  const t0 = now();
  do await repeat(1); while (now() - t0 < o.warmupMs);
  let inner = Math.max(1, Math.min(start, maxInner));
  for (;;) {
    const ms = await repeat(inner);
    if (ms >= o.minRepeatMs || inner >= maxInner) return { inner, perCallMs: ms / inner };
    // Jump to the estimate (with a margin), at least doubling: a few steps even from sub-microsecond calls.
    const estimate = ms > 0 ? Math.ceil((inner * o.minRepeatMs * 1.2) / ms) : inner * 16;
    inner = Math.min(maxInner, Math.max(inner * 2, estimate));
  }
}

/** Warm-up, calibration, then `repeats` timed repeats (none when the calibration is over `cutoffMs`). */
export async function timeRepeats(repeat: Repeat, o: RepeatOptions): Promise<Timing> {
  if (!(o.repeats >= 1) || !(o.minRepeatMs >= 0) || !(o.warmupMs >= 0)) throw new RangeError(`repeat options must be non-negative with repeats >= 1, got ${JSON.stringify(o)}`);
  if (o.cutoffMs !== undefined && !(o.cutoffMs > 0)) throw new RangeError(`cutoffMs must be positive, got ${o.cutoffMs}`);
  const { inner, perCallMs: estimate } = await calibrateTimed(repeat, o);
  if (o.cutoffMs !== undefined && estimate > o.cutoffMs) return { perCallMs: [estimate], inner, cut: true };
  const perCallMs: number[] = [];
  for (let r = 0; r < o.repeats; r++) perCallMs.push((await repeat(inner)) / inner);
  return { perCallMs, inner };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median and spread ((max - min) / median) of per-call times. */
export function summarize(perCallMs: readonly number[]): { medianMs: number; spread: number } {
  const med = median(perCallMs);
  return { medianMs: med, spread: med > 0 ? (Math.max(...perCallMs) - Math.min(...perCallMs)) / med : 0 };
}
