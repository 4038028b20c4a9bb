/**
 * Binding loops to the GPU grid (Halide's gpu_blocks / gpu_threads, TVM's bind to blockIdx /
 * threadIdx). A stage's block loops enclose its thread loops; each kind binds at most three loops,
 * and the innermost bound loop of a kind is dimension x, the next y, then z (Halide's convention).
 * Extents known now are checked against WebGPU's default limits; lowering checks the rest against
 * the device's.
 */
import { ScheduleError } from './error.js';
import type { StageState } from './state.js';
import { markLoop } from './for_kind.js';
import { DEFAULT_GPU_LIMITS, GPU_DIMS, workgroupSizeLimit } from './gpu_limits.js';

const MAX_GPU_DIMS = GPU_DIMS.length;

/**
 * Marks `axes` of stage `s` as GPU block loops (`gpu_block`) or thread loops (`gpu_thread`).
 * @throws ScheduleError for a missing or reduction axis; more than three loops of one kind; a thread
 *   loop outside a block loop of the same stage; a known block extent over 65535 workgroups, a thread
 *   extent over a dimension's workgroup-size limit or threads over 256 per workgroup (WebGPU's
 *   defaults, WebGPU §3.6.2)
 */
export function bindGpuLoops(s: StageState, axes: readonly string[], kind: 'gpu_block' | 'gpu_thread', primitive: string): void {
  if (axes.length === 0) throw new ScheduleError('too-few-axes', s.name, undefined, `${primitive}: name at least one axis`);
  for (const axis of axes) markLoop(s, axis, kind, primitive);
  const bound = s.loops.filter((l) => l.kind === kind);
  if (bound.length > MAX_GPU_DIMS) {
    throw new ScheduleError('gpu-too-many-dims', s.name, axes[0], `${primitive}: the stage would have ${bound.length} ${kind} loops (${bound.map((l) => l.name).join(', ')}); the GPU grid has ${MAX_GPU_DIMS} dimensions: fuse some first`);
  }
  const firstThread = s.loops.findIndex((l) => l.kind === 'gpu_thread');
  const lastBlock = s.loops.map((l) => l.kind).lastIndexOf('gpu_block');
  if (firstThread >= 0 && lastBlock > firstThread) {
    throw new ScheduleError('gpu-block-inside-thread', s.name, s.loops[lastBlock]!.name, `${primitive}: the block loop ${s.loops[lastBlock]!.name} is inside the thread loop ${s.loops[firstThread]!.name}; block loops must enclose thread loops (reorder them)`);
  }
  const known = (name: string) => s.knownExtents.get(name);
  if (kind === 'gpu_block') {
    for (const l of bound) {
      const e = known(l.name);
      if (e !== undefined && e > DEFAULT_GPU_LIMITS.maxComputeWorkgroupsPerDimension) {
        throw new ScheduleError('gpu-limit', s.name, l.name, `${primitive}: ${e} workgroups exceed maxComputeWorkgroupsPerDimension ${DEFAULT_GPU_LIMITS.maxComputeWorkgroupsPerDimension}; split ${l.name} and bind both parts to block dimensions`);
      }
    }
    return;
  }
  let invocations = 1;
  bound.slice().reverse().forEach((l, d) => {
    const e = known(l.name);
    if (e === undefined) return;
    const limit = workgroupSizeLimit(DEFAULT_GPU_LIMITS, d);
    if (e > limit) throw new ScheduleError('gpu-limit', s.name, l.name, `${primitive}: ${e} threads in dimension ${GPU_DIMS[d]} exceed maxComputeWorkgroupSize${GPU_DIMS[d]!.toUpperCase()} ${limit}; split ${l.name} first`);
    invocations *= e;
  });
  if (invocations > DEFAULT_GPU_LIMITS.maxComputeInvocationsPerWorkgroup) {
    throw new ScheduleError('gpu-limit', s.name, axes[0], `${primitive}: the thread loops ${bound.map((l) => `${l.name} (${known(l.name) ?? '?'})`).join(' x ')} make ${invocations} invocations per workgroup, over maxComputeInvocationsPerWorkgroup ${DEFAULT_GPU_LIMITS.maxComputeInvocationsPerWorkgroup}; use smaller thread tiles`);
  }
}
