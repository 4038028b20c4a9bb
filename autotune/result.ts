/**
 * What measuring one candidate gives: a time, or the class of its failure. Every candidate gets one;
 * failures are recorded like successes (tuning never drops a candidate silently).
 */

/**
 * ok: built, checked against the reference and timed.
 * invalid: its trace was refused at replay or lowering (a ScheduleError; `code` says which rule).
 * compile: building failed otherwise (code generation, an internal error).
 * compile-timeout: building took longer than compileTimeoutMs; the builder was killed.
 * timeout: a run took longer than runTimeoutMs; the runner was killed and replaced.
 * trap: the kernel trapped or failed a run-time check.
 * oom: it needs more memory than memoryLimitBytes, or memory could not grow.
 * wrong: its outputs differ from the reference's beyond the tolerance.
 */
export type MeasureStatus = 'ok' | 'invalid' | 'compile' | 'compile-timeout' | 'timeout' | 'trap' | 'oom' | 'wrong';

export const MEASURE_STATUSES: readonly MeasureStatus[] = ['ok', 'invalid', 'compile', 'compile-timeout', 'timeout', 'trap', 'oom', 'wrong'];

export interface MeasureResult {
  readonly status: MeasureStatus;
  /** Seconds per call: the median of the repeats (ok only). */
  readonly seconds?: number;
  /** (max - min) / median of the repeats' per-call times. */
  readonly spread?: number;
  /** Timed repeats the median is of. */
  readonly repeats?: number;
  /** Calls per repeat (the adaptive inner count). */
  readonly inner?: number;
  /**
   * True when the early stop cut the timing short: the calibration already showed the candidate
   * slower than the cutoff (a multiple of the best so far), so `seconds` is that one estimate.
   */
  readonly cut?: boolean;
  /** What went wrong, for every status but ok. */
  readonly error?: string;
  /** The ScheduleError code when invalid. */
  readonly code?: string;
  /** Structural hash of the lowered function (autotune/lowered_hash.ts), when lowering succeeded. */
  readonly loweredHash?: string;
  /** Seconds building took (lowering and code generation), when it finished. */
  readonly compileSeconds?: number;
  /** How the time was taken: 'wall-clock' (wasm), or the GPU timing method (runtime/webgpu/timing.ts). */
  readonly method?: string;
  /**
   * The workload key of the definition whose outputs this candidate's were checked against, when it
   * was not the candidate's own (an approximate implementation checked against the exact one).
   */
  readonly checkedAgainst?: string;
}

/** Checks a result read from a file. @returns undefined when it is a MeasureResult, else what is wrong */
export function resultProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return 'the result is not an object';
  const o = r as Record<string, unknown>;
  if (!MEASURE_STATUSES.includes(o.status as MeasureStatus)) return `result status ${JSON.stringify(o.status)} is not one of ${MEASURE_STATUSES.join(', ')}`;
  if (o.status === 'ok' && !(typeof o.seconds === 'number' && o.seconds > 0 && Number.isFinite(o.seconds))) return `an ok result needs positive seconds, got ${JSON.stringify(o.seconds)}`;
  return undefined;
}
