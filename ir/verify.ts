/**
 * The IR verifier: checks a lowered function's invariants, so that a pass that breaks them fails at
 * once with the offending node instead of miscompiling: every variable is defined before use (params,
 * loops, lets), every load/store targets an argument or an enclosing allocation, no front-end nodes
 * (provide, realize, access) remain, and loop bounds are scalar i32.
 */
import * as ir from './expr.js';
import type { LoweredFunc, Stmt } from './stmt.js';
import { printExpr } from './printer.js';

export class VerifyError extends Error {
  override name = 'VerifyError';
}

/** @throws VerifyError naming the first violated invariant */
export function verify(f: LoweredFunc): void {
  const vars = new Set<ir.Var>(f.params);
  const buffers = new Set<ir.Buffer>(f.args.map((a) => a.buffer));
  const fail = (msg: string): never => { throw new VerifyError(`verify(${f.name}): ${msg}`); };
  const expr = (e: ir.Expr): void => {
    switch (e.kind) {
      case 'var': if (!vars.has(e.v)) fail(`variable ${e.v.name} is used outside its definition`); return;
      case 'access': fail(`a read of ${e.func.name} was not flattened`); return;
      case 'load': if (!buffers.has(e.buffer)) fail(`load from ${e.buffer.name} outside its allocation`); break;
      case 'let': {
        expr(e.value);
        vars.add(e.v);
        expr(e.body);
        vars.delete(e.v);
        return;
      }
    }
    ir.children(e).forEach(expr);
  };
  const stmt = (s: Stmt): void => {
    switch (s.kind) {
      case 'for':
        expr(s.min); expr(s.extent);
        if (s.min.lanes !== 1 || s.extent.lanes !== 1) fail(`loop ${s.v.name} has vector bounds`);
        vars.add(s.v); stmt(s.body); vars.delete(s.v);
        return;
      case 'letStmt': expr(s.value); vars.add(s.v); stmt(s.body); vars.delete(s.v); return;
      case 'allocate': expr(s.size); buffers.add(s.buffer); stmt(s.body); buffers.delete(s.buffer); return;
      case 'store':
        if (!buffers.has(s.buffer)) fail(`store to ${s.buffer.name} outside its allocation`);
        expr(s.index); expr(s.value);
        return;
      case 'if': expr(s.cond); stmt(s.then); if (s.else) stmt(s.else); return;
      case 'block': s.stmts.forEach(stmt); return;
      case 'produce': stmt(s.body); return;
      case 'assert': expr(s.cond); return;
      case 'barrier': return;
      case 'provide': fail(`a write of ${s.func.name} was not flattened`); return;
      case 'realize': fail(`the storage of ${s.func.name} was not flattened`); return;
    }
  };
  stmt(f.body);
}

export const describeExpr = printExpr;
