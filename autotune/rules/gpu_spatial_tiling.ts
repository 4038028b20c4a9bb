/**
 * Tiling of a pure output stage for WebGPU: workgroups x invocations x a per-invocation tile
 * (gpu_tiling.ts), at most three axes (the grid's dimensions). Its producers are computed inline or
 * privately per invocation (random_compute_location.ts on the webgpu target).
 */
import { viewSchedule } from '../../schedule/view.js';
import { mul } from '../checks.js';
import type { ScheduleRule } from './rule.js';
import { level } from './tiling.js';
import { tileForGpu, MAX_PRIVATE_VALUES } from './gpu_tiling.js';
import { isFusedWriteStage } from './multi_level_tiling.js';

export const gpuSpatialTiling: ScheduleRule = {
  name: 'gpu-spatial-tiling',
  apply(sch, stage, ctx) {
    if (ctx.target.kind !== 'webgpu' || ctx.handled.has(stage)) return false;
    const v = viewSchedule(sch, ctx.sizes);
    const s = v.stage(stage)!;
    if (s.isReduction || !s.isOutput || s.axes.length > 3 || s.axes.some((a) => a.extent === undefined) || isFusedWriteStage(v, s)) return false;
    const { tiles } = tileForGpu(sch, s, ctx);
    ctx.check({ kind: 'at-most', what: `private values of an invocation of ${stage}`, value: mul(...tiles.map((t) => level(t, 2))), limit: MAX_PRIVATE_VALUES });
    ctx.handled.add(stage);
    return true;
  },
};
