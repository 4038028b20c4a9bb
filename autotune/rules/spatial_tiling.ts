/**
 * Tiling of a pure output stage for wasm-simd (the spatial half of MetaSchedule's multi-level
 * tiling, "SSS"; Halide's classic tile + vectorize): every axis tiled into three levels S0 S1 S2 by
 * sampled perfect tiles, the innermost axis split by the SIMD lanes first; loops S0, S1, S2
 * (unrolled), lanes (vectorized). Its producers are computed at a sampled S0 or S1 loop (a tile of
 * a stencil's input per tile of output, Halide's compute_at) by random_compute_location.ts. Threads
 * > 1: the S0 loops are fused into one parallel loop.
 */
import { viewSchedule } from '../../schedule/view.js';
import { mul } from '../checks.js';
import { type ScheduleRule, lanesOf } from './rule.js';
import { level, parallelOuter, splitLanes, tileLoop } from './tiling.js';
import { isFusedWriteStage } from './multi_level_tiling.js';

/** Largest innermost (unrolled) factor, in elements or, on the vector axis, in vectors. */
const MAX_S2 = 4;
const MAX_UNROLLED = 64;

export const spatialTiling: ScheduleRule = {
  name: 'spatial-tiling',
  apply(sch, stage, ctx) {
    if (ctx.target.kind !== 'wasm-simd' || ctx.handled.has(stage)) return false;
    const v = viewSchedule(sch, ctx.sizes);
    const s = v.stage(stage)!;
    if (s.isReduction || !s.isOutput || s.axes.some((a) => a.extent === undefined) || isFusedWriteStage(v, s)) return false;
    const lanes = lanesOf(s.dtype, ctx.target);
    const last = s.axes.length - 1;
    const vectorized = lanes > 1 && s.axes[last]!.extent! >= lanes;
    const h = sch.stage(stage);
    const levels: string[][] = [[], [], []];
    const tiles: string[] = [];
    let lanesLoop: string | undefined;
    s.axes.forEach((a, d) => {
      const split = splitLanes(sch, stage, a.name, lanes, d === last && vectorized);
      const axis = split.rest;
      if (split.lanes) lanesLoop = split.lanes;
      const name = `${stage}.${a.name}.tile`;
      tiles.push(name);
      tileLoop(sch, stage, axis, 3, MAX_S2, name).forEach((l, k) => levels[k]!.push(l));
    });
    if (levels.flat().length + (lanesLoop ? 1 : 0) > 1) h.reorder(...levels.flat(), ...(lanesLoop ? [lanesLoop] : []));
    for (const l of levels[2]!) h.unroll(l);
    if (lanesLoop) h.vectorize(lanesLoop);
    ctx.check({ kind: 'at-most', what: `unrolled copies of the body of ${stage}`, value: mul(...tiles.map((t) => level(t, 2))), limit: MAX_UNROLLED });
    parallelOuter(sch, stage, levels[0]!, tiles, ctx);
    ctx.handled.add(stage);
    return true;
  },
};
