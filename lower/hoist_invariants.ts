/**
 * Loop-invariant code motion (Halide's LICM): maximal subexpressions of a loop body that do not
 * depend on anything the loop defines become lets outside the loop, innermost loops first, so an
 * invariant climbs as far out as it can. Expressions with loads stay (a load may be guarded by a
 * condition, or read what the loop writes); ramps stay so dense vector accesses remain visible.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, letStmt, mapStmtChildren, type StmtMapper, forLoop, mapBottomUp, varsDefinedIn } from '../ir/stmt.js';
import { exprKey } from '../ir/key.js';

const trivial = (e: ir.Expr): boolean =>
  e.kind === 'const' || e.kind === 'var' || (e.kind === 'broadcast' && (e.value.kind === 'const' || e.value.kind === 'var'));

function hasLoad(e: ir.Expr): boolean {
  let found = false;
  ir.walkExpr(e, (x) => { if (x.kind === 'load') found = true; });
  return found;
}

/** Hoists the invariants of one loop; returns the lets to wrap it in and its new body. */
function hoistFrom(loop: Stmt & { kind: 'for' }): Stmt {
  const inside = varsDefinedIn(loop.body);
  inside.add(loop.v);
  const hoisted = new Map<string, { v: ir.Var; e: ir.Expr }>();
  const rewrite = (e: ir.Expr): ir.Expr => {
    if (e.kind === 'ramp') return ir.mapChildren(e, rewrite);
    if (!trivial(e) && e.kind !== 'let' && !ir.usesVar(e, (v) => inside.has(v)) && !hasLoad(e)) {
      const key = exprKey(e);
      let h = hoisted.get(key);
      if (!h) {
        h = { v: new ir.Var(`${loop.v.name}.inv${hoisted.size}`, e.dtype, e.lanes), e };
        hoisted.set(key, h);
      }
      return ir.varRef(h.v);
    }
    return ir.mapChildren(e, rewrite);
  };
  const m: StmtMapper = { stmt: (x) => mapStmtChildren(x, m), expr: rewrite };
  const body = m.stmt(loop.body);
  if (hoisted.size === 0) return loop;
  let out: Stmt = forLoop(loop.v, loop.min, loop.extent, loop.forKind, body);
  for (const { v, e } of [...hoisted.values()].reverse()) out = letStmt(v, e, out);
  return out;
}

/** Applies loop-invariant code motion to every loop, innermost first. */
export function hoistLoopInvariants(s: Stmt): Stmt {
  return mapBottomUp(s, 'for', hoistFrom);
}
