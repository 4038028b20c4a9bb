/**
 * What the tiling rules share: splitting a loop into levels by one sampled perfect tile, and the
 * choice of the vector axis and its lanes.
 */
import type { Schedule } from '../../schedule/schedule.js';
import { freshAxis } from './rule.js';

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
