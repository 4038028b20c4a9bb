/**
 * Vectorization of the innermost pure loop of any stage no tiling rule scheduled (the vectorize part
 * of MetaSchedule's ParallelizeVectorizeUnroll): the loop is split by a sampled multiple of the SIMD
 * lanes (one or two vectors, tail guard, since the stage's region is only known when lowering) and
 * the inner part vectorized, with the stage's reduction loops moved outside it (a reduction loop
 * cannot be vectorized, and the lanes then accumulate independently).
 */
import { viewSchedule } from '../../schedule/view.js';
import { type ScheduleRule, freshAxis, lanesOf } from './rule.js';
import { isFusedWriteStage } from './multi_level_tiling.js';

export const innerVectorize: ScheduleRule = {
  name: 'inner-vectorize',
  apply(sch, stage, ctx) {
    if (ctx.handled.has(stage)) return false;
    const v = viewSchedule(sch, ctx.sizes);
    const s = v.stage(stage)!;
    if (isFusedWriteStage(v, s)) return false;
    const lanes = lanesOf(s.dtype, ctx.target);
    const pure = s.loops.filter((l) => !l.isReduction);
    const inner = pure[pure.length - 1];
    if (!inner || inner.kind !== 'serial' || lanes < 2) return false;
    // On the GPU a vector is at most a vec4.
    const widths = ctx.target.kind === 'webgpu' ? [Math.min(4, lanes)] : [lanes, 2 * lanes];
    const h = sch.stage(stage);
    const name = `${stage}.${inner.name}.lanes`;
    if (widths.length > 1) h.sampleCategorical(name, widths);
    const [, vec] = h.split(inner.name, widths.length > 1 ? { sampled: name } : widths[0]!, {
      outer: freshAxis(sch, stage, `${inner.name}_o`), inner: freshAxis(sch, stage, `${inner.name}_l`), tail: 'guard',
    });
    const reductions = s.loops.filter((l) => l.isReduction).map((l) => l.name);
    if (reductions.length) h.reorder(...reductions, vec!);
    h.vectorize(vec!);
    ctx.handled.add(stage);
    return true;
  },
};
