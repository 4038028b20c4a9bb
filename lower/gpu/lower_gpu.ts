/**
 * Lowering for the GPU: the common passes (lower/lower.ts, with GPU loop-kind checks), then the host/
 * kernel split and, per kernel, memory scopes, one-invocation block-level work, thread dimensions and
 * barriers. The result is what codegen/wgsl turns into shaders and a host program.
 */
import type * as ir from '../../ir/expr.js';
import type { Stmt, LoweredFunc } from '../../ir/stmt.js';
import { walkStmt } from '../../ir/stmt.js';
import { printStmt } from '../../ir/printer.js';
import type { Pipeline } from '../../dsl/pipeline.js';
import type { Schedule } from '../../schedule/schedule.js';
import { ScheduleError } from '../../schedule/error.js';
import { DEFAULT_GPU_LIMITS, type GpuLimits } from '../../schedule/gpu_limits.js';
import { lower, type LowerOptions } from '../lower.js';
import { stageAndAxis } from '../loop_names.js';
import { type HostProgram, type KernelNest, splitHostAndKernels, freeNames } from './kernels.js';
import { assignMemoryScopes } from './memory_scopes.js';
import { runBlockLevelWorkOnOneInvocation } from './single_thread.js';
import { type ThreadDims, threadDimensions } from './thread_dims.js';
import { insertBarriers } from './barriers.js';

export type KernelBufferRole = 'input' | 'output' | 'intermediate' | 'workgroup' | 'private';

export interface LoweredKernel {
  readonly nest: KernelNest;
  /** The kernel body after the GPU passes. */
  readonly body: Stmt;
  readonly dims: ThreadDims;
  /** Every buffer the kernel touches and what it is to the kernel. */
  readonly buffers: ReadonlyMap<ir.Buffer, KernelBufferRole>;
}

export interface GpuLowered {
  readonly func: LoweredFunc;
  readonly host: HostProgram;
  readonly kernels: readonly LoweredKernel[];
  readonly notes: readonly string[];
}

export interface GpuLowerOptions extends Omit<LowerOptions, 'device'> {
  /** The device's limits (default: WebGPU's defaults, which every adapter has). */
  readonly limits?: GpuLimits;
}

/**
 * @throws ScheduleError for schedules the GPU cannot run as asked (each message names the stage, the
 *   loop and the limit or rule)
 */
export function lowerForGpu(p: Pipeline, sch: Schedule, options: GpuLowerOptions = {}): GpuLowered {
  const limits = options.limits ?? DEFAULT_GPU_LIMITS;
  const { func, notes } = lower(p, sch, { ...options, device: 'gpu' });
  const host = splitHostAndKernels(func);
  const roles = new Map<ir.Buffer, KernelBufferRole>();
  for (const a of func.args) roles.set(a.buffer, a.role);
  for (const i of host.intermediates) roles.set(i.buffer, 'intermediate');
  const params = new Set(func.params);
  const kernels = host.steps.flatMap((step) => {
    if (step.kind !== 'launch') return [];
    const k = step.kernel;
    k.grid.forEach((extent, d) => {
      const n = extent.kind === 'const' ? extent.value : undefined;
      if (n !== undefined && n > limits.maxComputeWorkgroupsPerDimension) {
        const [stage, axis] = stageAndAxis(k.blockVars[d]!.name);
        throw new ScheduleError('gpu-limit', stage, axis, `${n} workgroups in dimension ${'xyz'[d]} are over the device's maxComputeWorkgroupsPerDimension ${limits.maxComputeWorkgroupsPerDimension}; split ${axis} and bind both parts with gpuBlocks`);
      }
    });
    let body = assignMemoryScopes(k.body, limits);
    body = runBlockLevelWorkOnOneInvocation(body);
    const dims = threadDimensions(body, limits);
    const buffers = new Map<ir.Buffer, KernelBufferRole>();
    walkStmt(body, (x) => { if (x.kind === 'allocate') buffers.set(x.buffer, x.scope === 'workgroup' ? 'workgroup' : 'private'); });
    const free = freeNames(body);
    for (const b of free.buffers) {
      const role = roles.get(b);
      if (!role) throw new Error(`internal: kernel ${k.name} uses buffer ${b.name}, which nothing allocates`);
      buffers.set(b, role);
    }
    for (const v of free.vars) if (!params.has(v)) throw new Error(`internal: kernel ${k.name} uses ${v.name}, which is neither a size nor defined in it`);
    const storage = [...buffers.values()].filter((r) => r !== 'workgroup' && r !== 'private').length;
    if (storage > limits.maxStorageBuffersPerShaderStage) {
      throw new ScheduleError('gpu-limit', k.name, undefined, `its kernel binds ${storage} storage buffers, over the device's maxStorageBuffersPerShaderStage ${limits.maxStorageBuffersPerShaderStage}; compute some of its producers inline or at root`);
    }
    const workgroup = new Set([...buffers].filter(([, r]) => r === 'workgroup').map(([b]) => b));
    const priv = new Set([...buffers].filter(([, r]) => r === 'private').map(([b]) => b));
    body = insertBarriers(body, workgroup, priv);
    return [{ nest: k, body, dims, buffers }];
  });
  const lowered: GpuLowered = { func, host, kernels, notes };
  if (options.debug) {
    const text = printGpuLowered(lowered);
    if (typeof options.debug === 'function') options.debug('gpu kernels', text);
    else process.stderr.write(`--- after gpu kernels ---\n${text}`);
  }
  return lowered;
}

/** The kernels as text: grid, workgroup size and body of each. */
export function printGpuLowered(g: GpuLowered): string {
  return g.kernels.map((k) => `kernel ${k.nest.name} grid [${k.nest.grid.map((e) => (e.kind === 'const' ? e.value : '…')).join(', ')}] workgroup [${k.dims.workgroupSize.join(', ')}] {\n${printStmt(k.body, '  ')}}\n`).join('');
}
