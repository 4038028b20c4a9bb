/**
 * Loop extents known before lowering: constants, bound()s, split factors and, given the values of the
 * size variables, the shapes of output stages and the reduction domains. The pure axes of a stage
 * that is not an output span the region bound inference gives them, which only lowering knows: their
 * loops have no extent here (undefined), unless a bound() fixes it.
 */
import * as ir from '../ir/expr.js';
import { simplify } from '../ir/simplify.js';
import type { Pipeline } from '../dsl/pipeline.js';
import type { StageState } from './state.js';

/** Values of the pipeline's size variables, by name. */
export type Sizes = Readonly<Record<string, number>>;

/**
 * The value of an extent expression: a constant, or one that `sizes` makes constant.
 * @returns undefined when a size it uses has no value
 */
export function evaluateExtent(p: Pipeline, e: ir.Expr, sizes: Sizes = {}): number | undefined {
  const direct = ir.constValue(e);
  if (direct !== undefined) return direct;
  const map = new Map<ir.Var, ir.Expr>();
  for (const v of p.params) if (sizes[v.name] !== undefined) map.set(v, ir.constant(sizes[v.name]!));
  return ir.constValue(simplify(ir.substitute(e, map)));
}

/**
 * The extent of every loop of `s` (its current loops and the ones splits and fuses replaced) that is
 * known before lowering.
 * @param isOutput whether `s` is an output stage (its pure axes span its tensor's shape)
 * @returns extents by loop name; loops missing from the map are not known yet
 */
export function loopExtents(p: Pipeline, s: StageState, isOutput: boolean, sizes: Sizes = {}): Map<string, number> {
  const out = new Map<string, number>();
  const set = (name: string, e: number | undefined) => { if (e !== undefined) out.set(name, e); };
  s.stage.axes.forEach((v, d) => {
    const b = s.bounds.get(v.name);
    set(v.name, b ? b.extent : isOutput ? evaluateExtent(p, s.stage.shape[d]!, sizes) : undefined);
  });
  for (const a of s.stage.reduction?.axes ?? []) set(a.name, evaluateExtent(p, a.extent, sizes));
  for (const r of s.relations) {
    if (r.kind === 'split') {
      out.set(r.inner, r.factor);
      const e = out.get(r.parent);
      if (e !== undefined) out.set(r.outer, Math.ceil(e / r.factor));
    } else {
      const eo = out.get(r.outer), ei = out.get(r.inner);
      if (eo !== undefined && ei !== undefined) out.set(r.fused, eo * ei);
    }
  }
  return out;
}
