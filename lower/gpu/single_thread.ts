/**
 * Work at block level (inside the block loops, outside every thread loop) runs on one invocation of
 * the workgroup, as in Halide's GPU lowering: it is wrapped in a thread loop of extent 1, so
 * invocation 0 does it while the others skip it. Loops and conditions that contain thread loops stay
 * at block level, run by every invocation alike, so barriers inside them stay in uniform control flow.
 */
import * as ir from '../../ir/expr.js';
import { type Stmt, block, forLoop, ifThen, letStmt, allocate, produce, walkStmt } from '../../ir/stmt.js';

/** Whether `s` contains a loop bound to GPU threads. */
export function hasThreadLoop(s: Stmt): boolean {
  let found = false;
  walkStmt(s, (x) => { if (x.kind === 'for' && x.forKind === 'gpu_thread') found = true; });
  return found;
}

const oneInvocation = (s: Stmt): Stmt => forLoop(new ir.Var('first_invocation'), ir.constant(0), ir.constant(1), 'gpu_thread', s);

/** @param s a kernel body (from its outermost block loop) */
export function runBlockLevelWorkOnOneInvocation(s: Stmt): Stmt {
  switch (s.kind) {
    case 'block': return block(s.stmts.map(runBlockLevelWorkOnOneInvocation));
    case 'letStmt': return letStmt(s.v, s.value, runBlockLevelWorkOnOneInvocation(s.body));
    case 'allocate': return allocate(s.buffer, s.size, s.scope, runBlockLevelWorkOnOneInvocation(s.body));
    case 'produce': return produce(s.func, runBlockLevelWorkOnOneInvocation(s.body));
    case 'for':
      if (s.forKind === 'gpu_thread') return s;
      if (s.forKind === 'gpu_block' || hasThreadLoop(s.body)) return forLoop(s.v, s.min, s.extent, s.forKind, runBlockLevelWorkOnOneInvocation(s.body));
      return oneInvocation(s);
    case 'if':
      if (!hasThreadLoop(s)) return oneInvocation(s);
      return ifThen(s.cond, runBlockLevelWorkOnOneInvocation(s.then), s.else && runBlockLevelWorkOnOneInvocation(s.else));
    case 'store': case 'assert': return oneInvocation(s);
    case 'barrier': return s;
    case 'provide': case 'realize': throw new Error(`internal: ${s.kind} in a GPU kernel`);
  }
}
