/**
 * Which local_invocation_id dimension each thread loop reads, and the workgroup size. The innermost
 * thread loop of a nest is x, the one around it y, then z (Halide's convention); the workgroup size in
 * a dimension is the largest constant bound of the extents of the loops bound to it. A nest that binds
 * fewer dimensions than the workgroup has runs on the invocations whose other ids are 0.
 */
import type * as ir from '../../ir/expr.js';
import * as irx from '../../ir/expr.js';
import { type Stmt, subStmts } from '../../ir/stmt.js';
import { constantUpperBound } from '../../ir/interval.js';
import { printExpr } from '../../ir/printer.js';
import { ScheduleError } from '../../schedule/error.js';
import { type GpuLimits, GPU_DIMS, workgroupSizeLimit } from '../../schedule/gpu_limits.js';
import { stageAndAxis } from '../loop_names.js';

export interface ThreadDims {
  /** Dimension (0 = x) of every thread loop's variable. */
  readonly dimOf: ReadonlyMap<ir.Var, number>;
  readonly workgroupSize: readonly [number, number, number];
}

/** The depth of thread loops inside `s` (0 when none). */
function threadDepth(s: Stmt): number {
  const inside = Math.max(0, ...subStmts(s).map(threadDepth));
  return s.kind === 'for' && s.forKind === 'gpu_thread' ? inside + 1 : inside;
}

/**
 * @throws ScheduleError naming the stage and loop for more than three nested thread loops, an extent
 *   with no constant bound, or a workgroup over the device's limits
 */
export function threadDimensions(body: Stmt, limits: GpuLimits): ThreadDims {
  const dimOf = new Map<ir.Var, number>();
  const size: [number, number, number] = [1, 1, 1];
  const names: string[][] = [[], [], []];
  // Extents are often hoisted into lets (LICM): bound them through the lets around them.
  const lets = new Map<ir.Var, ir.Expr>();
  const visit = (s: Stmt, enclosing?: ir.Var) => {
    if (s.kind === 'letStmt') lets.set(s.v, irx.substitute(s.value, lets));
    if (s.kind === 'for' && s.forKind === 'gpu_thread') {
      const d = threadDepth(s.body);
      const [stage, axis] = stageAndAxis(s.v.name);
      // A stage computed inside another stage's thread loop is private to one invocation: threads of
      // its own would each fill part of their own copy (and a copy stored outside would race).
      const outer = enclosing && stageAndAxis(enclosing.name)[0];
      if (outer !== undefined && outer !== stage) {
        throw new ScheduleError('gpu-private-threads', stage, axis, `the thread loop ${s.v.name} is inside the thread loop ${enclosing!.name} of ${outer}: ${stage} is computed by one invocation, into memory private to it; make ${axis} serial, or compute ${stage} at a block-level loop (workgroup memory) to bind its loops to threads`);
      }
      enclosing = s.v;
      if (d >= GPU_DIMS.length) throw new ScheduleError('gpu-too-many-dims', stage, axis, `${d + 1} nested thread loops from ${s.v.name} inward; a workgroup has 3 dimensions: fuse some`);
      const extent = constantUpperBound(irx.substitute(s.extent, lets));
      if (extent === undefined) throw new ScheduleError('non-constant-extent', stage, axis, `the thread loop ${s.v.name} has extent ${printExpr(s.extent)}, with no constant bound; the workgroup size must be known at compile time: split it by a constant and bind the inner loop`);
      dimOf.set(s.v, d);
      size[d] = Math.max(size[d]!, extent);
      names[d]!.push(`${s.v.name} (${extent})`);
    }
    for (const x of subStmts(s)) visit(x, enclosing);
  };
  visit(body);
  const fail = (d: number, why: string) => {
    const first = [...dimOf].find(([, x]) => x === d)?.[0];
    const [stage, axis] = first ? stageAndAxis(first.name) : ['(kernel)', undefined];
    throw new ScheduleError('gpu-limit', stage, axis, why);
  };
  size.forEach((n, d) => {
    const limit = workgroupSizeLimit(limits, d);
    if (n > limit) fail(d, `${n} threads in dimension ${GPU_DIMS[d]} (${names[d]!.join(', ')}) exceed the device's maxComputeWorkgroupSize${GPU_DIMS[d]!.toUpperCase()} ${limit}; split the loop and bind only the inner part`);
  });
  const total = size[0] * size[1] * size[2];
  if (total > limits.maxComputeInvocationsPerWorkgroup) {
    fail(0, `a workgroup of ${size.join(' x ')} = ${total} invocations is over the device's maxComputeInvocationsPerWorkgroup ${limits.maxComputeInvocationsPerWorkgroup}; bind smaller thread tiles`);
  }
  return { dimOf, workgroupSize: size };
}
