/**
 * Register promotion: a small allocation whose every access has a constant index (after unrolling
 * and vectorization) and the same vector width (or one element) is kept in registers (wasm locals) instead of memory,
 * what LLVM's SROA does for Halide. This turns a compute_at-ed accumulator tile into register
 * accumulators.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, allocate, walkStmt, stmtExprs, mapBottomUp } from '../ir/stmt.js';

/** Largest promoted allocation, in elements (64 f32 = 16 v128 registers). */
export const MAX_REGISTER_ELEMENTS = 128;

/**
 * Whether every access of `buf` in `body` has a constant index and the vector width of the widest
 * (its slot width), aligned to it; a single-lane access may also read or write any one element of a
 * slot (the lanes of an rfactor'd accumulator summed after its loop, a vector loop's scalar tail).
 */
function promotable(body: Stmt, buf: ir.Buffer, size: number): boolean {
  const accesses: { index: ir.Expr; lanes: number }[] = [];
  walkStmt(body, (s) => {
    if (s.kind === 'store' && s.buffer === buf) accesses.push({ index: s.index, lanes: s.value.lanes });
    for (const e of stmtExprs(s)) ir.walkExpr(e, (x) => { if (x.kind === 'load' && x.buffer === buf) accesses.push({ index: x.index, lanes: x.lanes }); });
  });
  if (!accesses.length) return false;
  const slot = Math.max(...accesses.map((a) => a.lanes));
  if (size % slot !== 0) return false;
  // (A mask's lanes are as wide as the comparison that made it: one element has no fixed place.)
  if (buf.dtype === 'bool' && accesses.some((a) => a.lanes !== slot)) return false;
  return accesses.every(({ index, lanes }) => {
    const start = ir.constValue(index.kind === 'ramp' ? index.base : index);
    const dense = index.kind !== 'ramp' || ir.constValue(index.stride) === 1;
    if (start === undefined || !dense || start < 0 || start + lanes > size) return false;
    return lanes === slot ? start % slot === 0 : lanes === 1;
  });
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
