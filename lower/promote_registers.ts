/**
 * Register promotion: a small allocation whose every access has a constant index (after unrolling
 * and vectorization) and the same vector width is kept in registers (wasm locals) instead of memory,
 * what LLVM's SROA does for Halide. This turns a compute_at-ed accumulator tile into register
 * accumulators.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, allocate, walkStmt, stmtExprs, mapBottomUp } from '../ir/stmt.js';

/** Largest promoted allocation, in elements (64 f32 = 16 v128 registers). */
export const MAX_REGISTER_ELEMENTS = 128;

function promotable(body: Stmt, buf: ir.Buffer, size: number): boolean {
  let lanes: number | undefined;
  let ok = true;
  const check = (index: ir.Expr, n: number) => {
    const start = ir.constValue(index.kind === 'ramp' ? index.base : index);
    const dense = index.kind !== 'ramp' || ir.constValue(index.stride) === 1;
    if (start === undefined || !dense || start % n !== 0 || (lanes !== undefined && lanes !== n)) ok = false;
    lanes = n;
  };
  walkStmt(body, (s) => {
    if (s.kind === 'store' && s.buffer === buf) check(s.index, s.value.lanes);
    for (const e of stmtExprs(s)) ir.walkExpr(e, (x) => { if (x.kind === 'load' && x.buffer === buf) check(x.index, x.lanes); });
  });
  return ok && lanes !== undefined && size % lanes === 0;
}

/** Marks promotable stack allocations `register`. */
export function promoteRegisters(s: Stmt): Stmt {
  return mapBottomUp(s, 'allocate', (y) => {
      if (y.scope !== 'stack') return y;
      const size = ir.constValue(y.size);
      if (size === undefined || size > MAX_REGISTER_ELEMENTS || !promotable(y.body, y.buffer, size)) return y;
      return allocate(y.buffer, y.size, 'register', y.body);
  });
}
