/**
 * Random compute location (MetaSchedule's RandomComputeLocation, Ansor's compute-location sampling):
 * a stage that is not an output and that no rule scheduled completely is computed at a sampled
 * location among its legal ones, root and inline included where allowed, but never at an unrolled
 * or vectorized loop or inside one. This is how a stencil's producer is computed per tile, a
 * boundary condition once at root or per channel, and a panel copy per column tile (or not at all,
 * inline). A stage with a storage layout of its own (a packed panel) is never inlined: its
 * layout would be lost. Nor is a gather read at several points: a stage whose reads regroup its
 * axes by quotients and remainders (Winograd's residue planes, a space-to-depth) and that a
 * consumer reads at more than one point of its own (a stencil over it). Inlined, the gather and its
 * boundary condition would be recomputed at every tap, and a consumer vectorized along the regrouped
 * axis would load lane by lane: a Winograd F(4x4) candidate so took 0.6-9.5 s to lower, its IR 5x
 * larger, and ran slower than the planes at root.
 */
import { viewSchedule, type ScheduleView, type StageView } from '../../schedule/view.js';
import { type ScheduleRule, locationCandidates } from './rule.js';

export const randomComputeLocation: ScheduleRule = {
  name: 'random-compute-location',
  apply(sch, stage, ctx) {
    if (ctx.handled.has(stage)) return false;
    const v = viewSchedule(sch, ctx.sizes);
    const s = v.stage(stage)!;
    if (s.isOutput) return false;
    // A stage laid out by a rule (a packed panel) is a buffer: inlined, its layout would be lost.
    const laidOut = s.storageDims.join() !== s.axes.map((a) => a.name).join();
    const keepBuffer = laidOut || rereadGather(v, s);
    const candidates = locationCandidates(sch, s, ctx.target).filter((l) => !(keepBuffer && l === 'inline'));
    if (candidates.length < 2) return false;
    sch.stage(stage).sampleComputeAt({ candidates });
    return true;
  },
};

function rereadGather(v: ScheduleView, s: StageView): boolean {
  if (s.isBoundary || !s.accesses.some((a) => a.regroups.some(Boolean))) return false;
  return s.consumers.some((name) => {
    const c = v.stage(name)!;
    const reads = c.accesses.filter((a) => a.tensor === s.name);
    const reduced = new Set(c.reductionAxes.map((r) => r.name));
    return reads.length > 1 || reads.some((a) => a.uses.some((u) => u.some((axis) => reduced.has(axis))));
  });
}
