/**
 * Common-subexpression elimination across the statements of a block (what unrolling duplicates):
 * a non-trivial expression occurring more than once, evaluated unconditionally, reading no buffer
 * the block writes and using no variable the block defines, is computed once in a let before the
 * block. Unrolled register tiles then load each shared vector once.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, block, letStmt, mapStmtChildren, type StmtMapper, walkStmt, stmtExprs, mapBottomUp } from '../ir/stmt.js';
import { exprKey } from '../ir/key.js';

const trivial = (e: ir.Expr) =>
  e.kind === 'const' || e.kind === 'var' || e.kind === 'ramp' || (e.kind === 'broadcast' && (e.value.kind === 'const' || e.value.kind === 'var'));

/** Counts candidate subexpressions at unconditional positions of the block's own statements. */
function countCandidates(stmts: readonly Stmt[], written: ReadonlySet<ir.Buffer>, defined: ReadonlySet<ir.Var>): Map<string, { e: ir.Expr; n: number }> {
  const counts = new Map<string, { e: ir.Expr; n: number }>();
  const visit = (e: ir.Expr): void => {
    if (e.kind === 'select' && e.cond.lanes === 1) { visit(e.cond); return; }
    if (e.kind === 'let') return;
    let ok = !trivial(e) && !ir.usesVar(e, (v) => defined.has(v));
    if (ok) ir.walkExpr(e, (x) => { if (x.kind === 'load' && written.has(x.buffer)) ok = false; if (x.kind === 'select' || x.kind === 'let') ok = false; });
    if (ok) {
      const key = exprKey(e);
      const c = counts.get(key);
      if (c) { c.n++; return; }
      counts.set(key, { e, n: 1 });
    }
    ir.children(e).forEach(visit);
  };
  for (const s of stmts) if (s.kind === 'store') { visit(s.index); visit(s.value); }
  return counts;
}

function cseBlock(b: Stmt & { kind: 'block' }): Stmt {
  const written = new Set<ir.Buffer>();
  const defined = new Set<ir.Var>();
  walkStmt(b, (x) => {
    if (x.kind === 'store') written.add(x.buffer);
    if (x.kind === 'for' || x.kind === 'letStmt') defined.add(x.v);
    if (x.kind === 'allocate') written.add(x.buffer);
    for (const e of stmtExprs(x)) ir.walkExpr(e, (y) => { if (y.kind === 'let') defined.add(y.v); });
  });
  const counts = countCandidates(b.stmts, written, defined);
  const shared = new Map<string, ir.Var>();
  // Largest first, so a shared expression's own sub-expressions are not shared separately.
  const repeated = [...counts.entries()].filter(([, c]) => c.n > 1);
  if (repeated.length === 0) return b;
  const lets: [ir.Var, ir.Expr, string][] = [];
  const rewrite = (e: ir.Expr): ir.Expr => {
    const v = shared.get(exprKey(e));
    if (v) return ir.varRef(v);
    if (e.kind === 'select' && e.cond.lanes === 1) return ir.select(rewrite(e.cond), e.t, e.f);
    return ir.mapChildren(e, rewrite);
  };
  for (const [key, { e }] of repeated) {
    if ([...shared.keys()].some((k) => k.includes(key))) continue;
    const v = new ir.Var(`cse${lets.length}`, e.dtype, e.lanes);
    lets.push([v, e, key]);
    shared.set(key, v);
  }
  // Each shared value is bound just before the first statement that uses it, so values live no
  // longer than needed (a register tile leaves few registers for them).
  const firstUse = (key: string): number => b.stmts.findIndex((st) => st.kind === 'store' && [st.index, st.value].some((x) => {
    let found = false;
    ir.walkExpr(x, (y) => { if (!found && exprKey(y) === key) found = true; });
    return found;
  }));
  const at = new Map<number, [ir.Var, ir.Expr][]>();
  for (const [v, e, key] of lets) {
    const i = Math.max(0, firstUse(key));
    at.set(i, [...(at.get(i) ?? []), [v, e]]);
  }
  const m: StmtMapper = { stmt: (x) => (x.kind === 'store' ? mapStmtChildren(x, m) : x), expr: rewrite };
  let out: Stmt | undefined;
  for (let i = b.stmts.length - 1; i >= 0; i--) {
    out = block([m.stmt(b.stmts[i]!), out]);
    for (const [v, e] of (at.get(i) ?? []).reverse()) out = letStmt(v, e, out);
  }
  return out ?? b;
}

/** Applies block-level CSE everywhere. */
export function eliminateCommonSubexpressions(s: Stmt): Stmt {
  return mapBottomUp(s, 'block', cseBlock);
}
