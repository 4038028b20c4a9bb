/**
 * Explicit bounds (Halide's Func::bound and Func::align_bounds, kept as FuncSchedule::bounds()):
 * hints that replace or round the region bound inference gives a stage in one pure axis. They
 * change which points are computed, never their values.
 */
import { constValue } from '../ir/expr.js';
import { ScheduleError } from './error.js';
import type { ScheduleContext } from './compute_location.js';
import type { StageState } from './state.js';

/** Checks that `axis` is a pure axis of the stage's definition (Halide's is_pure_arg). */
function pureAxis(s: StageState, axis: string, primitive: string): number {
  const d = s.stage.axes.findIndex((v) => v.name === axis);
  if (d >= 0) return d;
  const pure = s.stage.axes.map((v) => v.name);
  if (s.stage.reduction?.axes.some((a) => a.name === axis)) {
    throw new ScheduleError('reduction-axis', s.name, axis, `${primitive}: ${axis} is a reduction axis; only the pure axes of the definition have a region to bound`, pure);
  }
  throw new ScheduleError('not-a-pure-axis', s.name, axis, `${primitive}: ${axis} is not a pure axis of the definition of ${s.name} (bounds name the definition's axes, not loops made by split or fuse)`, pure);
}

/**
 * bound(axis, min, extent): computes the stage over exactly [min, min + extent) in `axis`, whatever
 * its consumers need, so that the loops over it have a constant extent (vectorize or unroll them
 * without a split). Follows Halide's rules: any stage, pure axes only. An output is computed over
 * [0, extent) of its tensor, so its bound must start at 0, and the kernel asserts at run time that
 * the tensor's extent is `extent` (KernelError otherwise). For another stage, the kernel asserts that
 * every region its consumers read lies inside the bound. No effect while the stage is inlined.
 * @param v the schedule
 * @param stage the stage's name
 * @param axis a pure axis of the stage's definition
 * @param min the first index computed (an integer; 0 for an output)
 * @param extent how many indices are computed (a positive integer)
 * @throws ScheduleError for a reduction axis or a name that is not a pure axis, a min that is not an
 *   integer, an extent that is not a positive integer, a min other than 0 on an output, or an output
 *   whose constant extent differs
 */
export function bound(v: ScheduleContext, stage: string, axis: string, min: number, extent: number): void {
  const s = v.state(stage);
  const d = pureAxis(s, axis, 'bound');
  if (!Number.isInteger(min)) throw new ScheduleError('bad-bound', stage, axis, `bound: min must be an integer, got ${min}`);
  if (!Number.isInteger(extent) || extent < 1) throw new ScheduleError('bad-bound', stage, axis, `bound: extent must be a positive integer, got ${extent}`);
  if (v.isOutput(stage)) {
    if (min !== 0) throw new ScheduleError('output-region', stage, axis, `bound: ${stage} is an output of the pipeline, computed over [0, extent) of its tensor; its bound must start at 0, got ${min}`);
    const shape = constValue(s.stage.shape[d]!);
    if (shape !== undefined && shape !== extent) {
      throw new ScheduleError('output-region', stage, axis, `bound: the output ${stage} has extent ${shape} in dimension ${d} (${axis}), not ${extent}`);
    }
  }
  s.bounds.set(axis, { min, extent });
  if (s.loops.some((l) => l.name === axis)) s.knownExtents.set(axis, extent);
}

/**
 * align_bounds(axis, modulus, remainder): rounds the region bound inference gives the stage in `axis`
 * outward, so that its min is `remainder` modulo `modulus` and its extent a multiple of `modulus`
 * (Halide's align_bounds): a split of that axis by a divisor of `modulus` then has no tail. The
 * extra points are computed too; a stage that reads an input without a boundary condition may then
 * read outside it (a bounds assert). Not on outputs, whose region is their tensor's shape.
 * @param modulus a positive integer
 * @param remainder an integer, taken modulo `modulus` (default 0)
 * @throws ScheduleError for a reduction axis or a name that is not a pure axis, an output stage, or a
 *   modulus that is not a positive integer or a remainder that is not an integer
 */
export function alignBounds(v: ScheduleContext, stage: string, axis: string, modulus: number, remainder = 0): void {
  const s = v.state(stage);
  pureAxis(s, axis, 'align_bounds');
  if (v.isOutput(stage)) {
    throw new ScheduleError('output-region', stage, axis, `align_bounds: ${stage} is an output of the pipeline; its region is its tensor's shape. Align a cacheWrite copy of it instead, or split with tail round_up`);
  }
  if (!Number.isInteger(modulus) || modulus < 1) throw new ScheduleError('bad-factor', stage, axis, `align_bounds: modulus must be a positive integer, got ${modulus}`);
  if (!Number.isInteger(remainder)) throw new ScheduleError('bad-bound', stage, axis, `align_bounds: remainder must be an integer, got ${remainder}`);
  s.alignments.set(axis, { modulus, remainder: ((remainder % modulus) + modulus) % modulus });
}
