/**
 * Loop transformations (TVM's loop_transformation family): split, fuse, reorder. Each edits a stage's
 * loop list and records the relation that derives the new loops from the old ones.
 */
import { ScheduleError } from './error.js';
import type { StageState, TailStrategy } from './state.js';

/** Resolves `auto` and refuses tail strategies that would change results. */
export function resolveTail(s: StageState, axis: string, isReduction: boolean, tail: TailStrategy): Exclude<TailStrategy, 'auto'> {
  if (tail === 'auto') return s.isReduction ? 'guard' : 'shift_inwards';
  if (tail === 'shift_inwards' && s.isReduction) {
    throw new ScheduleError('tail-recomputes-reduction', s.name, axis, `tail shift_inwards recomputes points, but ${s.name} is a reduction whose update must run once per point`, ['guard', 'round_up (pure axes only)']);
  }
  if (tail === 'round_up' && isReduction) {
    throw new ScheduleError('tail-outside-domain', s.name, axis, `tail round_up on the reduction axis ${axis} would reduce over points outside its domain`, ['guard']);
  }
  return tail;
}

/**
 * Splits loop `axis` into `outer` (ceil(extent/factor) iterations) and `inner` (factor iterations),
 * axis = outer*factor + inner, replacing it in place (outer outside inner).
 * @throws ScheduleError for a missing axis, a factor that is not a positive integer, taken names, or
 *   a tail strategy that would change results
 */
export function split(s: StageState, axis: string, factor: number, outer: string, inner: string, tail: TailStrategy): void {
  const idx = s.indexOf(axis);
  const loop = s.loop(axis, 'split');
  if (!Number.isInteger(factor) || factor < 1) throw new ScheduleError('bad-factor', s.name, axis, `split factor must be a positive integer, got ${factor}`);
  if (outer === inner) throw new ScheduleError('names-not-distinct', s.name, axis, `split: outer and inner need different names (both ${outer})`);
  s.freshName(outer, 'split');
  s.freshName(inner, 'split');
  const t = resolveTail(s, axis, loop.isReduction, tail);
  const derived = s.relations.some((r) => (r.kind === 'split' ? r.outer === axis || r.inner === axis : r.fused === axis));
  if (t === 'round_up' && s.isReduction && derived) {
    throw new ScheduleError('tail-recomputes-reduction', s.name, axis, `tail round_up on ${axis}, which an earlier split or fuse made, would update points of neighbouring iterations twice in the reduction ${s.name}`, ['guard']);
  }
  if (loop.kind !== 'serial') throw new ScheduleError('loop-already-marked', s.name, axis, `split: ${axis} is already marked ${loop.kind}; split before marking it`);
  s.relations.push({ kind: 'split', parent: axis, outer, inner, factor, tail: t });
  s.loops.splice(idx, 1, { name: outer, kind: 'serial', isReduction: loop.isReduction }, { name: inner, kind: 'serial', isReduction: loop.isReduction });
  s.axisNames.add(outer);
  s.axisNames.add(inner);
  s.knownExtents.set(inner, factor);
  const ext = s.knownExtents.get(axis);
  if (ext !== undefined) s.knownExtents.set(outer, Math.ceil(ext / factor));
}

/**
 * Fuses two adjacent loops, `outer` directly outside `inner`, into one loop `fused` of extent
 * outer.extent * inner.extent (outer = fused / inner.extent, inner = fused % inner.extent).
 * @throws ScheduleError when the loops are not adjacent in that order, or one is a reduction axis and
 *   the other not
 */
export function fuse(s: StageState, outer: string, inner: string, fused: string): void {
  const io = s.indexOf(outer), ii = s.indexOf(inner);
  const lo = s.loop(outer, 'fuse'), li = s.loop(inner, 'fuse');
  if (ii !== io + 1) {
    throw new ScheduleError('fuse-not-adjacent', s.name, inner, `fuse: ${inner} must be the loop directly inside ${outer}; the loops are ${s.loops.map((l) => l.name).join(', ')} (reorder first)`);
  }
  if (lo.isReduction !== li.isReduction) {
    throw new ScheduleError('fuse-mixed-axes', s.name, inner, `fuse: cannot fuse the reduction axis ${lo.isReduction ? outer : inner} with the pure axis ${lo.isReduction ? inner : outer}`);
  }
  if (lo.kind !== 'serial' || li.kind !== 'serial') throw new ScheduleError('fuse-marked-loop', s.name, outer, `fuse: ${outer} and ${inner} must be serial loops to fuse (mark the fused loop instead)`);
  s.freshName(fused, 'fuse');
  s.relations.push({ kind: 'fuse', outer, inner, fused });
  s.loops.splice(io, 2, { name: fused, kind: 'serial', isReduction: lo.isReduction });
  s.axisNames.add(fused);
  const eo = s.knownExtents.get(outer), ei = s.knownExtents.get(inner);
  if (eo !== undefined && ei !== undefined) s.knownExtents.set(fused, eo * ei);
}

/**
 * Reorders the named loops, outermost first, into the positions they occupy together; other loops
 * keep their places (TVM's reorder).
 * @throws ScheduleError for unknown or repeated axes
 */
export function reorder(s: StageState, axes: readonly string[]): void {
  if (axes.length < 2) throw new ScheduleError('too-few-axes', s.name, axes[0], 'reorder needs at least two axes');
  const seen = new Set<string>();
  for (const a of axes) {
    s.loop(a, 'reorder');
    if (seen.has(a)) throw new ScheduleError('listed-twice', s.name, a, `reorder: ${a} is listed twice`);
    seen.add(a);
  }
  const positions = axes.map((a) => s.indexOf(a)).sort((x, y) => x - y);
  const loops = axes.map((a) => s.loops[s.indexOf(a)]!);
  positions.forEach((p, i) => { s.loops[p] = loops[i]!; });
}
