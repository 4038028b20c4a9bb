/**
 * Random compute location (MetaSchedule's RandomComputeLocation, Ansor's compute-location sampling):
 * a stage that is not an output and that no rule scheduled completely is computed at a sampled
 * location among its legal ones, root and inline included where allowed, but never at an unrolled
 * or vectorized loop or inside one. This is how a stencil's producer is computed per tile, a
 * boundary condition once at root or per channel, and a panel copy per column tile (or not at all,
 * inline). A stage with a storage layout of its own (a packed panel) is never inlined: its
 * layout would be lost.
 */
import { viewSchedule } from '../../schedule/view.js';
import { type ScheduleRule, locationCandidates } from './rule.js';

export const randomComputeLocation: ScheduleRule = {
  name: 'random-compute-location',
  apply(sch, stage, ctx) {
    if (ctx.handled.has(stage)) return false;
    const s = viewSchedule(sch, ctx.sizes).stage(stage)!;
    if (s.isOutput) return false;
    // A stage laid out by a rule (a packed panel) is a buffer: inlined, its layout would be lost.
    const laidOut = s.storageDims.join() !== s.axes.map((a) => a.name).join();
    const candidates = locationCandidates(sch, s, ctx.target).filter((l) => !(laidOut && l === 'inline'));
    if (candidates.length < 2) return false;
    sch.stage(stage).sampleComputeAt({ candidates });
    return true;
  },
};
