/**
 * What the GPU tiling rules share: three levels per pure axis of the stage that writes the results,
 * bound to the grid (S0 workgroups, S1 invocations, S2 an invocation's own tile, unrolled with the
 * innermost axis a WGSL vector), and the checks of the device's limits.
 */
import type { Schedule } from '../../schedule/schedule.js';
import type { StageView } from '../../schedule/view.js';
import { DEFAULT_GPU_LIMITS, workgroupSizeLimit } from '../../schedule/gpu_limits.js';
import { mul } from '../checks.js';
import type { RuleContext } from './rule.js';
import { level, tileLoop } from './tiling.js';

/** Largest per-invocation tile factor of a pure axis (the innermost is a vecN, N <= 4). */
const MAX_PER_INVOCATION = 8, MAX_VECTOR = 4;
/** Largest number of values one invocation keeps (its register tile). */
export const MAX_PRIVATE_VALUES = 64;

export interface GpuTiles {
  /** Tile names, per pure axis of the write stage. */
  readonly tiles: readonly string[];
  /** Loop names per level: workgroups, invocations, per-invocation. */
  readonly levels: readonly (readonly string[])[];
}

/**
 * Tiles the pure axes of `o` into workgroups x invocations x per-invocation tiles, binds the first
 * two levels to the grid, unrolls the third (its innermost axis vectorized), and adds the checks of
 * the device's limits on the invocations of a workgroup.
 */
export function tileForGpu(sch: Schedule, o: StageView, ctx: RuleContext): GpuTiles {
  const limits = ctx.target.gpuLimits ?? DEFAULT_GPU_LIMITS;
  const h = sch.stage(o.name);
  const last = o.axes.length - 1;
  const levels: string[][] = [[], [], []];
  const tiles = o.axes.map((a, d) => {
    const name = `${o.name}.${a.name}.tile`;
    tileLoop(sch, o.name, a.name, 3, d === last ? MAX_VECTOR : MAX_PER_INVOCATION, name).forEach((l, k) => levels[k]!.push(l));
    return name;
  });
  h.reorder(...levels.flat());
  h.gpuBlocks(...levels[0]!);
  h.gpuThreads(...levels[1]!);
  levels[2]!.forEach((l, d) => (d === last ? h.vectorize(l) : h.unroll(l)));
  ctx.check({ kind: 'at-most', what: `invocations per workgroup of ${o.name}`, value: mul(...tiles.map((t) => level(t, 1))), limit: limits.maxComputeInvocationsPerWorkgroup });
  // Thread loops bind innermost first: the last axis is dimension x.
  [...tiles].reverse().forEach((t, d) => ctx.check({ kind: 'at-most', what: `invocations in dimension ${'xyz'[d]} of ${o.name}`, value: level(t, 1), limit: workgroupSizeLimit(limits, d) }));
  tiles.forEach((t) => ctx.check({ kind: 'at-most', what: `workgroups along ${t}`, value: level(t, 0), limit: limits.maxComputeWorkgroupsPerDimension }));
  return { tiles, levels };
}
