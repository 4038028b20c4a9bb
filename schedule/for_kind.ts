/**
 * Loop kinds (TVM's for_kind family): vectorize, unroll, parallel, serial. Marking a loop never
 * changes the order of computation's results, except that a loop over a reduction axis cannot run
 * its iterations at once (they all update the same element).
 */
import type { ForKind } from '../ir/stmt.js';
import { ScheduleError } from './error.js';
import type { StageState } from './state.js';

export const MAX_VECTOR_LANES = 64;
export const MAX_UNROLL = 256;

/**
 * Marks loop `axis` as `kind`.
 * @throws ScheduleError for a missing axis; vectorize or parallel on a reduction axis (a race on the
 *   accumulator: rfactor first); a known extent over the limits of vectorize (64 lanes) or unroll (256)
 */
export function markLoop(s: StageState, axis: string, kind: ForKind, primitive: string): void {
  const loop = s.loop(axis, primitive);
  if (loop.isReduction && (kind === 'vectorized' || kind === 'parallel' || kind === 'gpu_block' || kind === 'gpu_thread')) {
    throw new ScheduleError('reduction-axis', s.name, axis, `${primitive}: ${axis} is a reduction axis; running its iterations at once would race on the accumulator. Use rfactor to make it a pure axis of a new stage`,
      s.loops.filter((l) => !l.isReduction).map((l) => l.name));
  }
  const ext = s.knownExtents.get(axis);
  if (kind === 'vectorized' && ext !== undefined && ext > MAX_VECTOR_LANES) {
    throw new ScheduleError('vector-too-wide', s.name, axis, `vectorize: extent ${ext} exceeds ${MAX_VECTOR_LANES} lanes; split it first (vectorize(axis, 4..16))`);
  }
  if (kind === 'unrolled' && ext !== undefined && ext > MAX_UNROLL) {
    throw new ScheduleError('unroll-too-long', s.name, axis, `unroll: extent ${ext} exceeds ${MAX_UNROLL}; split it first (unroll(axis, factor))`);
  }
  if (kind === 'vectorized' || kind === 'unrolled') {
    const inner = s.loops.slice(s.indexOf(axis) + 1).find((l) => l.kind === 'parallel' || l.kind.startsWith('gpu'));
    if (inner) throw new ScheduleError('marked-loop-inside', s.name, axis, `${primitive}: the ${inner.kind} loop ${inner.name} is inside it; ${kind === 'unrolled' ? 'an unrolled' : 'a vectorized'} loop cannot contain it`);
  }
  if (kind === 'parallel') {
    const outer = s.loops.slice(0, s.indexOf(axis)).find((l) => l.kind === 'vectorized');
    if (outer) throw new ScheduleError('marked-loop-inside', s.name, axis, `parallel: it is inside the vectorized loop ${outer.name}`);
  }
  loop.kind = kind;
}
