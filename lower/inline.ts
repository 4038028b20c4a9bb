/**
 * compute_inline: replaces reads of inlined stages by their definitions with the read's coordinates
 * substituted for the axes (Halide's Inline.cpp).
 */
import * as ir from '../ir/expr.js';
import type { Stage } from '../dsl/func.js';

/**
 * @param e an expression that may read inlined stages
 * @param inlined the inlined stages by identity of what reads refer to (a stage's original object)
 * @returns `e` with every read of an inlined stage replaced, recursively
 */
export function inlineStages(e: ir.Expr, inlined: ReadonlyMap<ir.FuncRef, Stage>): ir.Expr {
  if (inlined.size === 0) return e;
  const go = (x: ir.Expr): ir.Expr => {
    const y = ir.mapChildren(x, go);
    if (y.kind !== 'access') return y;
    const def = inlined.get(y.func);
    if (!def) return y;
    const map = new Map(def.axes.map((v, i) => [v, y.args[i]!] as const));
    return go(ir.substitute(def.body, map));
  };
  return go(e);
}
