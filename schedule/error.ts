/**
 * ScheduleError: an illegal scheduling request. It names the stage, the axis (when one is involved)
 * and the reason, and lists the legal alternatives where there are some.
 */
export class ScheduleError extends Error {
  override name = 'ScheduleError';
  constructor(
    readonly stage: string,
    readonly axis: string | undefined,
    readonly reason: string,
    readonly alternatives: readonly string[] = [],
  ) {
    const where = axis === undefined ? `stage ${stage}` : `stage ${stage}, axis ${axis}`;
    const alts = alternatives.length ? `\n  legal alternatives: ${alternatives.join(', ')}` : '';
    super(`${where}: ${reason}${alts}`);
  }
}
