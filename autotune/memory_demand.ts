/**
 * How much WebAssembly memory a kernel needs at concrete sizes, from its lowered function, before it
 * runs: the runtime's layout (runtime/wasm_kernel.ts) of reserved bytes, the tensors, a page of slack,
 * then the scratch stack, whose peak is the largest sum of nested stack allocations; parallel loops
 * give each participant a scratch region of THREAD_SCRATCH_BYTES. A candidate that needs more than the
 * measurer's memory limit is classed out of memory without running.
 */
import * as ir from '../ir/expr.js';
import { bytes } from '../ir/dtype.js';
import type { LoweredFunc, Stmt } from '../ir/stmt.js';
import { boundsOf, constantUpperBound, type Interval } from '../ir/interval.js';
import { simplify } from '../ir/simplify.js';
import { THREAD_SCRATCH_BYTES, RESERVED_BYTES, PAGE_BYTES, TENSOR_ALIGNMENT } from '../runtime/abi.js';

const align = (n: number) => Math.ceil(n / TENSOR_ALIGNMENT) * TENSOR_ALIGNMENT;

/**
 * @param f the lowered function
 * @param sizes the value of every size parameter by name
 * @param threads participants of a parallel loop (1: parallel loops run on the caller)
 * @returns bytes of linear memory the call needs (an upper bound where an allocation's size varies);
 *   Infinity when an allocation has no constant bound at these sizes
 * @throws Error when a size parameter of `f` is missing from `sizes`
 */
export function memoryDemandBytes(f: LoweredFunc, sizes: Readonly<Record<string, number>>, threads = 1): number {
  const values = new Map<ir.Var, ir.Expr>();
  for (const p of f.params) {
    const v = sizes[p.name];
    if (v === undefined) throw new Error(`memoryDemandBytes: size ${p.name} has no value`);
    values.set(p, ir.constant(v));
  }
  const concrete = (e: ir.Expr) => simplify(ir.substitute(e, values));
  const scope = new Map<ir.Var, Interval>();
  const upper = (e: ir.Expr): number => {
    const c = concrete(e);
    const direct = constantUpperBound(c);
    if (direct !== undefined) return direct;
    const max = boundsOf(c, scope).max;
    return (max && constantUpperBound(max)) ?? Infinity;
  };
  let tensors = RESERVED_BYTES;
  for (const a of f.args) {
    const n = a.shape.reduce((acc, e) => acc * upper(e), 1);
    tensors += align(n * bytes(a.buffer.dtype));
  }
  let parallel = false;
  const peak = (s: Stmt): number => {
    switch (s.kind) {
      case 'allocate': {
        const own = s.scope === 'stack' ? align(upper(s.size) * bytes(s.buffer.dtype)) : 0;
        return own + peak(s.body);
      }
      case 'for': {
        if (s.forKind === 'parallel') parallel = true;
        const lo = concrete(s.min), ext = concrete(s.extent);
        scope.set(s.v, { min: boundsOf(lo, scope).min, max: simplify(ir.add(ir.add(boundsOf(lo, scope).max ?? lo, boundsOf(ext, scope).max ?? ext), ir.constant(-1))) });
        const inner = peak(s.body);
        scope.delete(s.v);
        return inner;
      }
      case 'letStmt': {
        // Only scalar integer lets can size an allocation (interval arithmetic of vector lets mixes lane counts).
        if (s.value.lanes !== 1 || s.value.dtype !== 'i32') return peak(s.body);
        const v = concrete(s.value);
        scope.set(s.v, boundsOf(v, scope));
        const inner = peak(s.body);
        scope.delete(s.v);
        return inner;
      }
      case 'block': return s.stmts.reduce((m, x) => Math.max(m, peak(x)), 0);
      case 'if': return Math.max(peak(s.then), s.else ? peak(s.else) : 0);
      case 'realize': case 'produce': return peak(s.body);
      default: return 0;
    }
  };
  const stack = peak(f.body);
  const scratch = parallel && threads > 1 ? threads * THREAD_SCRATCH_BYTES : 0;
  return tensors + PAGE_BYTES + stack + scratch;
}
