/**
 * Multi-level tiling of a reduction for WebGPU (MetaSchedule's MultiLevelTiling with the GPU
 * structure "SSSRRSRS" bound to blockIdx / threadIdx; Ansor's GPU sketch), in Tessera's GPU model: the
 * stage that writes the results is tiled into workgroups x invocations x a per-invocation tile
 * (gpu_tiling.ts), and the sum is computed into a cache_write copy at the innermost thread loop, so
 * each invocation accumulates its own tile in private memory (registers, its indices constant after
 * unrolling) over the whole reduction: R0 loops, R1 loops (unrolled), the tile's loops (unrolled, the
 * innermost a vecN). Operands are read from storage buffers (on a software adapter the CPU's caches
 * play the part of workgroup memory).
 *
 * Applies to a reduction with at most three pure axes (the grid has three dimensions) written by an
 * output: itself (through the cache_write copy) or its only consumer reading it at its own point.
 */
import { viewSchedule } from '../../schedule/view.js';
import { mul } from '../checks.js';
import { type ScheduleRule, freshStage } from './rule.js';
import { level, splitLevels, tileLoop } from './tiling.js';
import { tileForGpu, MAX_PRIVATE_VALUES } from './gpu_tiling.js';
import { writeStage, writesDirectly } from './multi_level_tiling.js';

const MAX_R1 = 4;

export const gpuMultiLevelTiling: ScheduleRule = {
  name: 'gpu-multi-level-tiling',
  apply(sch, stage, ctx) {
    if (ctx.target.kind !== 'webgpu' || ctx.handled.has(stage)) return false;
    const v = viewSchedule(sch, ctx.sizes);
    const s = v.stage(stage)!;
    const w = writeStage(v, s);
    if (!w || !writesDirectly(v, w) || s.axes.length > 3) return false;
    const local = w.fused ? stage : sch.stage(stage).cacheWrite({ name: freshStage(sch, `${stage}_local`) });
    const o = viewSchedule(sch, ctx.sizes).stage(w.write)!;
    const { tiles, levels } = tileForGpu(sch, o, ctx);
    const L = sch.stage(local);
    L.computeAt(w.write, levels[1]![levels[1]!.length - 1]!);
    const pure = s.axes.map((a, d) => splitLevels(sch, local, a.name, 3, tiles[d]!, 2)[0]!);
    const r0: string[] = [], r1: string[] = [];
    const reductionTiles: string[] = [];
    for (const r of s.reductionAxes) {
      const name = `${local}.${r.name}.tile`;
      reductionTiles.push(name);
      const [a, b] = tileLoop(sch, local, r.name, 2, MAX_R1, name);
      r0.push(a!);
      r1.push(b!);
    }
    L.reorder(...r0, ...r1, ...pure);
    for (const l of r1) L.unroll(l);
    pure.forEach((l, d) => (d === pure.length - 1 ? L.vectorize(l) : L.unroll(l)));
    ctx.check({ kind: 'at-most', what: `private values of an invocation of ${local}`, value: mul(...tiles.map((t) => level(t, 2))), limit: MAX_PRIVATE_VALUES });
    ctx.check({ kind: 'at-most', what: `unrolled copies of the body of ${local}`, value: mul(...tiles.map((t) => level(t, 2)), ...reductionTiles.map((t) => level(t, 1))), limit: 256 });
    ctx.handled.add(local);
    ctx.handled.add(w.write);
    return true;
  },
};
