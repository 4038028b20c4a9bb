/**
 * Where each allocation of a kernel lives: a stage stored at block level (inside the block loops,
 * outside the thread loops) is shared by the workgroup's invocations, in `var<workgroup>` memory
 * (WGSL §7.3 address spaces); one stored inside a thread loop is private to its invocation (a
 * function-scope array, kept in registers when its indices are constant). Both need a size known at
 * compile time; workgroup memory is checked against the device's maxComputeWorkgroupStorageSize.
 */
import * as ir from '../../ir/expr.js';
import { type Stmt, allocate, mapStmtChildren, type StmtMapper } from '../../ir/stmt.js';
import { constantUpperBound } from '../../ir/interval.js';
import { simplify } from '../../ir/simplify.js';
import { printExpr } from '../../ir/printer.js';
import { ScheduleError } from '../../schedule/error.js';
import type { GpuLimits } from '../../schedule/gpu_limits.js';

/** Every element of a kernel's own buffers takes one 32-bit word (WGSL has no 8- or 16-bit types). */
export const GPU_WORD_BYTES = 4;

/**
 * @returns the body with block-level allocations in scope `workgroup` and constant sizes
 * @throws ScheduleError naming the stage for a size with no constant bound, or workgroup memory over
 *   the limit
 */
export function assignMemoryScopes(body: Stmt, limits: GpuLimits): Stmt {
  const shared: { name: string; bytes: number }[] = [];
  let threadDepth = 0;
  // Sizes are often hoisted into lets (LICM): bound them through the lets around them.
  const lets = new Map<ir.Var, ir.Expr>();
  const m: StmtMapper = {
    expr: (e) => e,
    stmt: (s) => {
      if (s.kind === 'letStmt') lets.set(s.v, ir.substitute(s.value, lets));
      if (s.kind === 'for' && s.forKind === 'gpu_thread') {
        threadDepth++;
        const out = mapStmtChildren(s, m);
        threadDepth--;
        return out;
      }
      if (s.kind !== 'allocate') return mapStmtChildren(s, m);
      const exact = ir.substitute(s.size, lets);
      const size = constantUpperBound(exact);
      if (size === undefined) {
        throw new ScheduleError('non-constant-extent', s.buffer.name, undefined, `its storage inside a GPU kernel needs a size known at compile time, but it is ${printExpr(simplify(exact))} elements; use constant split factors for the loops it is computed in`);
      }
      const inner = mapStmtChildren(s, m) as Stmt & { kind: 'allocate' };
      if (threadDepth === 0) {
        shared.push({ name: s.buffer.name, bytes: size * GPU_WORD_BYTES });
        return allocate(s.buffer, ir.constant(size), 'workgroup', inner.body);
      }
      return allocate(s.buffer, ir.constant(size), s.scope === 'register' ? 'register' : 'stack', inner.body);
    },
  };
  const out = m.stmt(body);
  const total = shared.reduce((a, b) => a + b.bytes, 0);
  if (total > limits.maxComputeWorkgroupStorageSize) {
    throw new ScheduleError('gpu-limit', shared[0]!.name, undefined, `workgroup memory ${shared.map((b) => `${b.name} (${b.bytes} B)`).join(' + ')} = ${total} B is over the device's maxComputeWorkgroupStorageSize ${limits.maxComputeWorkgroupStorageSize} B; use smaller tiles`);
  }
  return out;
}
