/**
 * Bounds-aware simplification of min and max (what Halide's simplifier does with the loop bounds in
 * its scope): inside a loop, min(a, b) is a when a can never exceed b over the ranges of the loop
 * variables, and likewise for max. Removes the clamps of boundary conditions along axes that never
 * leave the image, such as the channel axis of a padded convolution, which loop partitioning does not
 * reach (it splits only loops whose bodies test the variable).
 */
import * as ir from '../ir/expr.js';
import { type Stmt, type StmtMapper, mapStmtChildren, forLoop, letStmt } from '../ir/stmt.js';
import { simplify, constDiff } from '../ir/simplify.js';
import { type Interval, boundsOf } from '../ir/interval.js';

/** Whether x <= y for every value of the variables: the difference of their bounds is constant. */
function provablyLE(x: Interval, y: Interval): boolean {
  if (!x.max || !y.min) return false;
  const d = constDiff(y.min, x.max) ?? ir.constValue(simplify(ir.sub(y.min, x.max)));
  return d !== undefined && d >= 0;
}

export function removeProvenClamps(s: Stmt, params: ReadonlySet<ir.Var> = new Set()): Stmt {
  const scope = new Map<ir.Var, Interval>();
  const expr = (e: ir.Expr): ir.Expr => {
    const y = ir.mapChildren(e, expr);
    if (y.kind !== 'binary' || (y.op !== 'min' && y.op !== 'max') || y.dtype !== 'i32' || y.lanes !== 1) return y;
    const a = boundsOf(y.a, scope, params), b = boundsOf(y.b, scope, params);
    if (y.op === 'min') return provablyLE(a, b) ? y.a : provablyLE(b, a) ? y.b : y;
    return provablyLE(b, a) ? y.a : provablyLE(a, b) ? y.b : y;
  };
  const m: StmtMapper = {
    expr,
    stmt: (x) => {
      if (x.kind === 'for') {
        const min = expr(x.min), extent = expr(x.extent);
        // In the bounds of the lets they use: loop partitioning's steady_min and steady_end are lets.
        const last = simplify(ir.sub(ir.add(min, extent), ir.constant(1)));
        scope.set(x.v, { min: boundsOf(min, scope, params).min, max: boundsOf(last, scope, params).max });
        const body = m.stmt(x.body);
        scope.delete(x.v);
        return min === x.min && extent === x.extent && body === x.body ? x : forLoop(x.v, min, extent, x.forKind, body);
      }
      if (x.kind === 'letStmt' && x.value.lanes === 1) {
        const value = expr(x.value);
        scope.set(x.v, boundsOf(value, scope, params));
        const body = m.stmt(x.body);
        scope.delete(x.v);
        return value === x.value && body === x.body ? x : letStmt(x.v, value, body);
      }
      return mapStmtChildren(x, m);
    },
  };
  return m.stmt(s);
}
