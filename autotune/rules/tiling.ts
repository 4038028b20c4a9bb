/**
 * What the tiling rules share: splitting a loop into levels by one sampled perfect tile, and the
 * choice of the vector axis and its lanes.
 */
import type { Schedule } from '../../schedule/schedule.js';
import { mul } from '../checks.js';
import { type RuleContext, freshAxis } from './rule.js';

/**
 * Samples a perfect tile of `axis` into `levels` factors (name `name`) and splits the loop into
 * `levels` loops, outermost first, loop l running factor l times: axis_t0, axis_t1, ...
 * @returns the loop names, outermost first
 */
export function tileLoop(sch: Schedule, stage: string, axis: string, levels: number, maxInnermost: number, name: string): string[] {
  sch.stage(stage).samplePerfectTile(axis, levels, maxInnermost, { name });
  return splitLevels(sch, stage, axis, levels, name, 0);
}

/**
 * Splits loop `axis` into the levels `first`.. of the tile `name` (levels factors in all): the loop
 * spans factors[first..] and becomes one loop per level, outermost first.
 */
export function splitLevels(sch: Schedule, stage: string, axis: string, levels: number, name: string, first: number): string[] {
  const loops: string[] = [];
  let rest = axis;
  for (let l = first; l < levels - 1; l++) {
    const outer = freshAxis(sch, stage, `${axis}_t${l}`);
    const inner = freshAxis(sch, stage, l === levels - 2 ? `${axis}_t${levels - 1}` : `${axis}_r${l + 1}`);
    sch.stage(stage).split(rest, { sampled: name, from: l + 1 }, { outer, inner });
    loops.push(outer);
    rest = inner;
  }
  loops.push(rest);
  return loops;
}

/** The factor of level `l` of tile `name`. */
export const level = (name: string, l: number): { sampled: string; from: number; to: number } => ({ sampled: name, from: l, to: l + 1 });

/**
 * Splits loop `axis` of `stage` by the SIMD `lanes` (outer axis_v, inner axis_l) when `vectorized`.
 * @returns the loop left to tile, and the lanes loop when there is one
 */
export function splitLanes(sch: Schedule, stage: string, axis: string, lanes: number, vectorized: boolean): { rest: string; lanes?: string } {
  if (!vectorized) return { rest: axis };
  const [outer, inner] = sch.stage(stage).split(axis, lanes, { outer: freshAxis(sch, stage, `${axis}_v`), inner: freshAxis(sch, stage, `${axis}_l`) });
  return { rest: outer!, lanes: inner! };
}

/**
 * Threads > 1: fuses the adjacent outermost tile loops `loops` into one parallel loop, and checks that
 * the tiles give it at least one iteration per thread.
 */
export function parallelOuter(sch: Schedule, stage: string, loops: readonly string[], tiles: readonly string[], ctx: RuleContext): void {
  if (ctx.target.threads <= 1) return;
  const h = sch.stage(stage);
  let fused = loops[0]!;
  for (const l of loops.slice(1)) fused = h.fuse(fused, l, { fused: freshAxis(sch, stage, `${fused}_${l}`) });
  h.parallel(fused);
  ctx.check({ kind: 'at-least', what: `parallel iterations of ${stage} for ${ctx.target.threads} threads`, value: mul(...tiles.map((t) => level(t, 0))), limit: ctx.target.threads });
}
