/**
 * Explicit bounds in bound inference (Halide's BoundsInference "respect any user-specified bounds",
 * and AddImageChecks for outputs): bound() replaces the region inferred for a pure axis by a
 * constant one, align_bounds() rounds it outward. Both come with run-time checks where the
 * replacement could be too small.
 */
import * as ir from '../ir/expr.js';
import { type Range, type Stmt, assertStmt } from '../ir/stmt.js';
import { simplify } from '../ir/simplify.js';
import { printExpr } from '../ir/printer.js';
import type { StageState } from '../schedule/state.js';
import { ScheduleError } from '../schedule/error.js';

const c = ir.constant;

/**
 * An assert of `cond`, nothing when it is known true, a ScheduleError when it is known false.
 * `role` names the stage in the assert's message ("stage", "output").
 */
function check(s: StageState, role: string, axis: string, cond: ir.Expr, message: string): Stmt[] {
  const known = ir.constValue(simplify(cond));
  if (known === 1) return [];
  if (known === 0) throw new ScheduleError('outside-bound', s.name, axis, message);
  return [assertStmt(simplify(cond), `${role} ${s.name}, axis ${axis}: ${message}`)];
}

/** The range a stage computes in pure axis `axis` given the range `r` its consumers need. */
function computedRange(s: StageState, axis: string, r: Range): Range {
  const b = s.bounds.get(axis);
  const out = b ? { min: c(b.min), extent: c(b.extent) } : r;
  const a = s.alignments.get(axis);
  if (!a || a.modulus === 1) return out;
  const m = c(a.modulus);
  const min = simplify(ir.add(ir.mul(ir.div(ir.sub(out.min, c(a.remainder)), m), m), c(a.remainder)));
  // The aligned extent covers [min, old end): ceil((old end - min) / m) * m.
  const end = ir.add(out.min, out.extent);
  return { min, extent: simplify(ir.mul(ir.div(ir.add(ir.sub(end, min), c(a.modulus - 1)), m), m)) };
}

/**
 * The region a non-output stage computes, given the region its consumers read.
 * @param s the stage's schedule (its bounds and alignments, by pure axis)
 * @param needed per pure axis, outermost first: [min, min + extent) that the consumers read
 * @param consumers who reads, for messages ("its consumers", "its consumers inside g.xo")
 * @returns the region to compute: a bounded axis gets its bound, then an aligned axis is rounded out
 *   to min = remainder (mod modulus) and an extent that is a multiple of modulus; and the asserts
 *   that the needed region lies inside each bound
 * @throws ScheduleError when the needed region is provably outside a bound
 */
export function explicitRegion(s: StageState, needed: readonly Range[], consumers: string): { region: Range[]; checks: Stmt[] } {
  const checks: Stmt[] = [];
  const region = needed.map((r, d) => {
    const axis = s.stage.axes[d]!.name;
    const b = s.bounds.get(axis);
    if (b) {
      const max = simplify(ir.sub(ir.add(r.min, r.extent), c(1)));
      const cond = ir.and(ir.le(c(b.min), r.min), ir.le(max, c(b.min + b.extent - 1)));
      checks.push(...check(s, 'stage', axis, cond, `${consumers} read ${s.name} over [${printExpr(simplify(r.min))}, ${printExpr(max)}] in ${axis}, outside its bound('${axis}', ${b.min}, ${b.extent}) = [${b.min}, ${b.min + b.extent - 1}]; widen the bound`));
    }
    return computedRange(s, axis, r);
  });
  return { region, checks };
}

/**
 * The region a non-output stage's buffer holds: in a bounded axis, exactly what is computed (the
 * bound, rounded out by an alignment), since the asserts of `explicitRegion` keep every read inside
 * it; elsewhere the region its code touches.
 * @param touched per pure axis, the region read and written under the storage site
 */
export function storageRegion(s: StageState, touched: readonly Range[]): Range[] {
  return touched.map((r, d) => {
    const axis = s.stage.axes[d]!.name;
    return s.bounds.has(axis) ? computedRange(s, axis, r) : r;
  });
}

/**
 * The region an output computes: [0, extent) of its tensor, or [0, bound extent) in a bounded axis.
 * @param shape the output's shape, outermost first
 * @returns the region, and asserts that the tensor's extent equals each bound's
 */
export function outputRegion(s: StageState, shape: readonly ir.Expr[]): { region: Range[]; checks: Stmt[] } {
  const checks: Stmt[] = [];
  const region = shape.map((e, d) => {
    const axis = s.stage.axes[d]!.name;
    const b = s.bounds.get(axis);
    if (!b) return { min: c(0), extent: e };
    checks.push(...check(s, 'output', axis, ir.eq(e, c(b.extent)), `the tensor has extent ${printExpr(e)} in dimension ${d}, but bound('${axis}', 0, ${b.extent}) computes exactly ${b.extent} points there; pass a tensor of extent ${b.extent}`));
    return { min: c(0), extent: c(b.extent) };
  });
  return { region, checks };
}
