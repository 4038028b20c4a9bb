/**
 * Region analysis over statements (Halide's boxes_required / boxes_touched): the box of a stage's
 * coordinates that a statement reads and/or writes, expressed over the variables defined outside the
 * statement. Conditions of `if`s tighten the variables they compare (so guarded tails need no more
 * than their extent).
 */
import * as ir from '../ir/expr.js';
import type { Stmt } from '../ir/stmt.js';
import { type Interval, type Scope, boundsOf, union } from '../ir/interval.js';
import { simplify } from '../ir/simplify.js';

export type Box = Interval[];

export interface RegionQuery {
  readonly func: ir.FuncRef;
  readonly reads: boolean;
  readonly writes: boolean;
  /** Variables known to be >= 0 (size parameters). */
  readonly nonNegative: ReadonlySet<ir.Var>;
}

function unionBox(a: Box | undefined, b: Box): Box {
  return a ? a.map((x, i) => union(x, b[i]!)) : b;
}

function tighten(scope: Map<ir.Var, Interval>, cond: ir.Expr, nonNeg: ReadonlySet<ir.Var>): void {
  if (cond.kind === 'binary' && cond.op === 'and') {
    tighten(scope, cond.a, nonNeg);
    tighten(scope, cond.b, nonNeg);
    return;
  }
  if (cond.kind !== 'cmp' || cond.lanes !== 1) return;
  const one = ir.constant(1);
  const bound = (v: ir.Expr, other: ir.Expr, op: ir.CmpOp) => {
    if (v.kind !== 'var' || !scope.has(v.v)) return;
    const cur = scope.get(v.v)!;
    const o = boundsOf(other, scope, nonNeg);
    if ((op === 'lt' || op === 'le') && o.max) {
      const hi = op === 'lt' ? simplify(ir.sub(o.max, one)) : o.max;
      scope.set(v.v, { min: cur.min, max: cur.max ? simplify(ir.min(cur.max, hi)) : hi });
    } else if ((op === 'gt' || op === 'ge') && o.min) {
      const lo = op === 'gt' ? simplify(ir.add(o.min, one)) : o.min;
      scope.set(v.v, { min: cur.min ? simplify(ir.max(cur.min, lo)) : lo, max: cur.max });
    }
  };
  const flip: Record<ir.CmpOp, ir.CmpOp> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' };
  bound(cond.a, cond.b, cond.op);
  bound(cond.b, cond.a, flip[cond.op]);
}

/**
 * The box of `q.func`'s coordinates that `s` reads (and/or writes), or undefined when it touches
 * none. Bounds use only variables defined outside `s`; an unbounded side is `undefined`.
 */
export function boxTouched(s: Stmt, q: RegionQuery, outer: Scope = new Map()): Box | undefined {
  let box: Box | undefined;
  const visitExpr = (e: ir.Expr, scope: Scope) => {
    if (e.kind === 'let') {
      visitExpr(e.value, scope);
      const inner = new Map(scope);
      inner.set(e.v, boundsOf(e.value, scope, q.nonNegative));
      visitExpr(e.body, inner);
      return;
    }
    if (e.kind === 'access' && e.func === q.func && q.reads) {
      box = unionBox(box, e.args.map((a) => boundsOf(a, scope, q.nonNegative)));
    }
    for (const c of ir.children(e)) visitExpr(c, scope);
  };
  const visit = (st: Stmt, scope: Scope) => {
    switch (st.kind) {
      case 'for': {
        visitExpr(st.min, scope);
        visitExpr(st.extent, scope);
        const lo = boundsOf(st.min, scope, q.nonNegative);
        const hi = boundsOf(simplify(ir.sub(ir.add(st.min, st.extent), ir.constant(1))), scope, q.nonNegative);
        const inner = new Map(scope);
        inner.set(st.v, { min: lo.min, max: hi.max });
        visit(st.body, inner);
        return;
      }
      case 'letStmt': {
        visitExpr(st.value, scope);
        const inner = new Map(scope);
        inner.set(st.v, boundsOf(st.value, scope, q.nonNegative));
        visit(st.body, inner);
        return;
      }
      case 'if': {
        visitExpr(st.cond, scope);
        const inner = new Map(scope);
        tighten(inner, st.cond, q.nonNegative);
        visit(st.then, inner);
        if (st.else) visit(st.else, scope);
        return;
      }
      case 'provide': {
        st.args.forEach((a) => visitExpr(a, scope));
        visitExpr(st.value, scope);
        if (st.func === q.func && q.writes) box = unionBox(box, st.args.map((a) => boundsOf(a, scope, q.nonNegative)));
        return;
      }
      case 'realize':
        st.bounds.forEach((r) => { visitExpr(r.min, scope); visitExpr(r.extent, scope); });
        visit(st.body, scope);
        return;
      case 'allocate': visitExpr(st.size, scope); visit(st.body, scope); return;
      case 'block': st.stmts.forEach((x) => visit(x, scope)); return;
      case 'produce': visit(st.body, scope); return;
      case 'store': visitExpr(st.index, scope); visitExpr(st.value, scope); return;
      case 'assert': visitExpr(st.cond, scope); return;
    }
  };
  visit(s, outer);
  return box;
}

/** Whether `s` reads `f` anywhere. */
export function reads(s: Stmt, f: ir.FuncRef): boolean {
  let found = false;
  const seeExpr = (e: ir.Expr) => ir.walkExpr(e, (x) => { if (x.kind === 'access' && x.func === f) found = true; });
  const visit = (st: Stmt) => {
    if (found) return;
    switch (st.kind) {
      case 'for': seeExpr(st.min); seeExpr(st.extent); visit(st.body); return;
      case 'letStmt': seeExpr(st.value); visit(st.body); return;
      case 'if': seeExpr(st.cond); visit(st.then); if (st.else) visit(st.else); return;
      case 'provide': st.args.forEach(seeExpr); seeExpr(st.value); return;
      case 'store': seeExpr(st.index); seeExpr(st.value); return;
      case 'realize': st.bounds.forEach((r) => { seeExpr(r.min); seeExpr(r.extent); }); visit(st.body); return;
      case 'allocate': seeExpr(st.size); visit(st.body); return;
      case 'block': st.stmts.forEach(visit); return;
      case 'produce': visit(st.body); return;
      case 'assert': seeExpr(st.cond); return;
    }
  };
  visit(s);
  return found;
}
