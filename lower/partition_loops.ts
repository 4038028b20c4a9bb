/**
 * Loop partitioning (Halide's PartitionLoops): a loop whose body tests conditions linear in the loop
 * variable (the dense-or-gather selects of clamped vector loads, the all-lanes guards of vectorized
 * tails) is split into a prologue, a steady state where every such condition is known true (so the
 * tests and the slow paths disappear), and an epilogue.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, block, forLoop, ifThen, letStmt, mapStmtChildren, type StmtMapper, walkStmt, stmtExprs, mapBottomUp, varsDefinedIn } from '../ir/stmt.js';
import { simplify, constDiff, splitComparison } from '../ir/simplify.js';
import { exprKey } from '../ir/key.js';

interface Bounds { lower: ir.Expr[]; upper: ir.Expr[] }

const c = ir.constant;

/** Coefficient of `v` in the affine i32 expression `e`, with `e - coeff*v`; undefined if not affine in v. */
function affineIn(e: ir.Expr, v: ir.Var): { coeff: number; rest: ir.Expr } | undefined {
  const at0 = simplify(ir.substitute(e, new Map([[v, c(0)]])));
  const at1 = simplify(ir.substitute(e, new Map([[v, c(1)]])));
  const coeff = constDiff(at1, at0);
  if (coeff === undefined) return undefined;
  // Affine if e equals coeff*v + e(0) symbolically.
  if (constDiff(e, simplify(ir.add(ir.mul(ir.varRef(v), c(coeff)), at0))) !== 0) return undefined;
  return { coeff, rest: at0 };
}

/**
 * Adds the constraints of `cond` on `v` to `b` and returns the residual condition (the conjuncts that
 * do not involve `v`), or undefined when a conjunct involves `v` non-affinely.
 */
function constrain(cond: ir.Expr, v: ir.Var, inside: ReadonlySet<ir.Var>, b: Bounds): ir.Expr | undefined {
  if (cond.kind === 'binary' && cond.op === 'and') {
    const ra = constrain(cond.a, v, inside, b);
    const rb = ra && constrain(cond.b, v, inside, b);
    return ra && rb && simplify(ir.and(ra, rb));
  }
  if (!ir.usesVar(cond, (x) => x === v)) return cond;
  if (cond.kind !== 'cmp' || cond.lanes !== 1 || cond.a.dtype !== 'i32') return undefined;
  if (ir.usesVar(cond, (x) => x !== v && inside.has(x))) return undefined;
  // Normalize to d >= 0 with d = rhs - lhs (minus one when strict).
  let d: ir.Expr;
  switch (cond.op) {
    case 'le': d = ir.sub(cond.b, cond.a); break;
    case 'lt': d = ir.sub(ir.sub(cond.b, cond.a), c(1)); break;
    case 'ge': d = ir.sub(cond.a, cond.b); break;
    case 'gt': d = ir.sub(ir.sub(cond.a, cond.b), c(1)); break;
    default: return undefined;
  }
  const aff = affineIn(simplify(d), v);
  if (!aff) {
    // v inside a min/max (an extent's clamp): rest + min(a, b) > 0 is rest + a > 0 && rest + b > 0.
    const split = splitComparison(cond);
    return split && split.kind === 'binary' && split.op === 'and' ? constrain(simplify(split), v, inside, b) : undefined;
  }
  const k = aff.coeff;
  // k*v + rest >= 0
  if (k > 0) b.lower.push(simplify(ir.div(ir.add(ir.sub(c(0), aff.rest), c(k - 1)), c(k))));
  else if (k < 0) b.upper.push(simplify(ir.div(aff.rest, c(-k))));
  else return cond;
  return ir.TRUE;
}

/** Conditions of the loop body that partitioning can simplify: key -> residual in the steady state. */
function partitionableConditions(loop: Stmt & { kind: 'for' }): { keys: Map<string, ir.Expr>; bounds: Bounds } {
  const inside = varsDefinedIn(loop.body);
  const bounds: Bounds = { lower: [], upper: [] };
  const keys = new Map<string, ir.Expr>();
  const consider = (cond: ir.Expr) => {
    if (cond.lanes !== 1 || !ir.usesVar(cond, (x) => x === loop.v)) return;
    const trial: Bounds = { lower: [], upper: [] };
    const residual = constrain(cond, loop.v, inside, trial);
    if (!residual) return;
    keys.set(exprKey(cond), residual);
    bounds.lower.push(...trial.lower);
    bounds.upper.push(...trial.upper);
  };
  walkStmt(loop.body, (s) => {
    if (s.kind === 'if') consider(s.cond);
    for (const e of stmtExprs(s)) ir.walkExpr(e, (x) => { if (x.kind === 'select') consider(x.cond); });
  });
  return { keys, bounds };
}

/** The body in the steady state: each partitioned condition replaced by its residual. */
function assumeTrue(s: Stmt, keys: ReadonlyMap<string, ir.Expr>): Stmt {
  const expr = (e: ir.Expr): ir.Expr => {
    const y = ir.mapChildren(e, expr);
    if (y.kind !== 'select') return y;
    const r = keys.get(exprKey(y.cond));
    if (!r) return y;
    return ir.constValue(r) === 1 ? y.t : ir.select(r, y.t, y.f);
  };
  const m: StmtMapper = {
    expr,
    stmt: (x) => {
      const r = x.kind === 'if' ? keys.get(exprKey(x.cond)) : undefined;
      if (x.kind === 'if' && r) {
        if (ir.constValue(r) === 1) return m.stmt(x.then);
        return ifThen(r, m.stmt(x.then), x.else && m.stmt(x.else));
      }
      return mapStmtChildren(x, m);
    },
  };
  return m.stmt(s);
}

/** Numbers the steady-state bounds of one call of partitionLoops (names then depend on nothing else). */
let counter = 0;

function partition(loop: Stmt & { kind: 'for' }): Stmt {
  if (loop.forKind !== 'serial' && loop.forKind !== 'parallel') return loop;
  const { keys, bounds } = partitionableConditions(loop);
  if (keys.size === 0) return loop;
  const n = counter++;
  const end = simplify(ir.add(loop.min, loop.extent));
  const lo = new ir.Var(`${loop.v.name}.steady_min${n}`), hi = new ir.Var(`${loop.v.name}.steady_end${n}`);
  const clamp = (e: ir.Expr, a: ir.Expr, b: ir.Expr) => simplify(ir.min(ir.max(e, a), b));
  // Bounds the loop's own range already implies need no prologue or epilogue.
  bounds.lower = bounds.lower.filter((e) => !((constDiff(e, loop.min) ?? 1) <= 0));
  bounds.upper = bounds.upper.filter((e) => !((constDiff(e, simplify(ir.sub(end, c(1)))) ?? -1) >= 0));
  const distinct = (es: ir.Expr[]) => [...new Map(es.map((e) => [exprKey(e), e])).values()];
  const lower = distinct(bounds.lower).reduce((a, b) => ir.max(a, b), loop.min);
  const upperPlusOne = distinct(bounds.upper).reduce((a, b) => ir.min(a, b), ir.sub(end, c(1)));
  const loRef = ir.varRef(lo), hiRef = ir.varRef(hi);
  // Fresh loop variables for the copies keep every variable defined once.
  const copy = (min: ir.Expr, max: ir.Expr, body: Stmt, kind = loop.forKind) => {
    const v = new ir.Var(loop.v.name);
    const sub = new Map([[loop.v, ir.varRef(v)]]);
    const m: StmtMapper = { stmt: (x) => mapStmtChildren(x, m), expr: (e) => ir.substitute(e, sub) };
    return forLoop(v, min, simplify(ir.sub(max, min)), kind, m.stmt(body));
  };
  // Only conditions that bound the variable from below need a prologue, from above an epilogue. Of a
  // parallel loop only the steady state stays parallel: its few edge iterations run serially rather
  // than fork again.
  const hasLower = bounds.lower.length > 0, hasUpper = bounds.upper.length > 0;
  const steadyMin = hasLower ? loRef : loop.min;
  const steadyEnd = hasUpper ? hiRef : end;
  let out: Stmt = block([
    hasLower ? copy(loop.min, loRef, loop.body, 'serial') : undefined,
    copy(steadyMin, steadyEnd, assumeTrue(loop.body, keys)),
    hasUpper ? copy(hiRef, end, loop.body, 'serial') : undefined,
  ]);
  if (hasUpper) out = letStmt(hi, clamp(ir.add(upperPlusOne, c(1)), steadyMin, end), out);
  if (hasLower) out = letStmt(lo, clamp(lower, loop.min, end), out);
  return out;
}

/** Partitions every serial or parallel loop with partitionable conditions, innermost first. */
export function partitionLoops(s: Stmt): Stmt {
  // Per call, not per process: the same schedule must give the same code (WGSL text keys the
  // pipeline cache; compiled programs are artifacts).
  counter = 0;
  return mapBottomUp(s, 'for', partition);
}
