/**
 * Region analysis over statements (Halide's boxes_required / boxes_touched): the box of a stage's
 * coordinates that a statement reads and/or writes, expressed over the variables defined outside the
 * statement. Conditions of `if`s tighten the variables they compare (so guarded tails need no more
 * than their extent).
 */
import * as ir from '../ir/expr.js';
import type { Stmt } from '../ir/stmt.js';
import { type Interval, boundsOf, union } from '../ir/interval.js';
import { simplify, distributeSum } from '../ir/simplify.js';

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

/**
 * Inside `if (cond)`, a variable compared with a bound equals its clamp to that bound, so the clamp
 * can be substituted into the box exactly (v < B: v = min(v, B - 1)).
 */
function assumeCondition(box: Box, cond: ir.Expr, params: ReadonlySet<ir.Var>): Box {
  if (cond.kind === 'binary' && cond.op === 'and') return assumeCondition(assumeCondition(box, cond.a, params), cond.b, params);
  if (cond.kind !== 'cmp' || cond.lanes !== 1 || cond.a.dtype !== 'i32') return box;
  const one = ir.constant(1);
  const flip: Record<ir.CmpOp, ir.CmpOp> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' };
  // Solve for a loop-derived variable (never a size parameter): first on the left, then the right.
  const solved = solveForVar(cond.a, cond.b, params);
  const op = solved ? cond.op : flip[cond.op];
  const s = solved ?? solveForVar(cond.b, cond.a, params);
  if (!s || op === 'eq' || op === 'ne') return box;
  const v = ir.varRef(s.v);
  const clamped = op === 'lt' ? ir.min(v, ir.sub(s.rhs, one)) : op === 'le' ? ir.min(v, s.rhs)
    : op === 'gt' ? ir.max(v, ir.add(s.rhs, one)) : ir.max(v, s.rhs);
  // Both forms are equal inside the branch; clamping only the side the condition bounds keeps the
  // other side simple (so extents like min(x + 3, M - 1) - x + 1 show their constant bound).
  const upper = op === 'lt' || op === 'le';
  const map = new Map([[s.v, clamped]]);
  const f = (e?: ir.Expr) => (e ? distributeSum(simplify(ir.substitute(e, map))) : undefined);
  return box.map((iv) => (upper ? { min: iv.min, max: f(iv.max) } : { min: f(iv.min), max: iv.max }));
}

/** For a comparison lhs ? rhs, a variable v (not a parameter) with lhs = v + rest: v and rhs - rest. */
function solveForVar(lhs: ir.Expr, rhs: ir.Expr, params: ReadonlySet<ir.Var>): { v: ir.Var; rhs: ir.Expr } | undefined {
  const terms: ir.Expr[] = [];
  const collect = (e: ir.Expr) => {
    if (e.kind === 'binary' && e.op === 'add') { collect(e.a); collect(e.b); } else terms.push(e);
  };
  collect(lhs);
  for (let i = terms.length - 1; i >= 0; i--) {
    const t = terms[i]!;
    if (t.kind !== 'var' || params.has(t.v)) continue;
    const rest = terms.filter((_, j) => j !== i).reduce<ir.Expr>((a, b) => ir.add(a, b), ir.constant(0));
    if (ir.usesVar(rest, (x) => x === t.v) || ir.usesVar(rhs, (x) => x === t.v)) continue;
    return { v: t.v, rhs: simplify(ir.sub(rhs, rest)) };
  }
  return undefined;
}

function substituteBox(box: Box, map: ReadonlyMap<ir.Var, ir.Expr>): Box {
  const f = (e?: ir.Expr) => (e ? simplify(ir.substitute(e, map)) : undefined);
  return box.map((iv) => ({ min: f(iv.min), max: f(iv.max) }));
}

/** Widens every bound of `box` over v in [lo, hi] (bounds without v are unchanged). */
function relax(box: Box, v: ir.Var, range: Interval, nonNegative: ReadonlySet<ir.Var>): Box {
  const scope = new Map([[v, range]]);
  return box.map((iv) => ({
    min: iv.min && (ir.usesVar(iv.min, (x) => x === v) ? boundsOf(iv.min, scope, nonNegative).min : iv.min),
    max: iv.max && (ir.usesVar(iv.max, (x) => x === v) ? boundsOf(iv.max, scope, nonNegative).max : iv.max),
  }));
}

/**
 * The box of `q.func`'s coordinates that `s` reads (and/or writes), or undefined when it touches
 * none, computed bottom-up as Halide does: each loop widens the box of its body over its own
 * variable, lets are substituted, conditions clamp the variables they bound. Bounds use only
 * variables defined outside `s`; an unbounded side is `undefined`.
 */
export function boxTouched(s: Stmt, q: RegionQuery): Box | undefined {
  const merge = (a: Box | undefined, b: Box | undefined): Box | undefined => (a && b ? unionBox(a, b) : a ?? b);
  const exprBox = (e: ir.Expr): Box | undefined => {
    let box: Box | undefined;
    const visit = (x: ir.Expr) => {
      if (x.kind === 'let') {
        const inner = exprBox(x.body);
        box = merge(box, inner && substituteBox(inner, new Map([[x.v, x.value]])));
        visit(x.value);
        return;
      }
      if (x.kind === 'select' && x.cond.lanes === 1) {
        // Reads in the chosen-when-true side happen only when the condition holds.
        visit(x.cond);
        const t = exprBox(x.t);
        box = merge(merge(box, t && assumeCondition(t, x.cond, q.nonNegative)), exprBox(x.f));
        return;
      }
      if (x.kind === 'access' && x.func === q.func && q.reads) box = merge(box, x.args.map((a) => ({ min: simplify(a), max: simplify(a) })));
      ir.children(x).forEach(visit);
    };
    visit(e);
    return box;
  };
  const exprsBox = (es: readonly ir.Expr[]) => es.reduce<Box | undefined>((b, e) => merge(b, exprBox(e)), undefined);
  const visit = (st: Stmt): Box | undefined => {
    switch (st.kind) {
      case 'for': {
        const inner = visit(st.body);
        const own = exprsBox([st.min, st.extent]);
        if (!inner) return own;
        const range = { min: st.min, max: simplify(ir.sub(ir.add(st.min, st.extent), ir.constant(1))) };
        return merge(own, relax(inner, st.v, range, q.nonNegative));
      }
      case 'letStmt': {
        const inner = visit(st.body);
        return merge(exprBox(st.value), inner && substituteBox(inner, new Map([[st.v, st.value]])));
      }
      case 'if': {
        const t = visit(st.then);
        return merge(merge(exprBox(st.cond), t && assumeCondition(t, st.cond, q.nonNegative)), st.else && visit(st.else));
      }
      case 'provide': {
        const own = exprsBox([...st.args, st.value]);
        if (st.func === q.func && q.writes) return merge(own, st.args.map((a) => ({ min: simplify(a), max: simplify(a) })));
        return own;
      }
      case 'realize': return merge(exprsBox(st.bounds.flatMap((r) => [r.min, r.extent])), visit(st.body));
      case 'allocate': return merge(exprBox(st.size), visit(st.body));
      case 'block': return st.stmts.reduce<Box | undefined>((b, x) => merge(b, visit(x)), undefined);
      case 'produce': return visit(st.body);
      case 'store': return exprsBox([st.index, st.value]);
      case 'assert': return exprBox(st.cond);
      case 'barrier': return undefined;
    }
  };
  return visit(s);
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
      case 'barrier': return;
    }
  };
  visit(s);
  return found;
}
