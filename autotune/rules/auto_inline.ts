/**
 * Auto-inline (MetaSchedule's AutoInline, Ansor's "always inline" rule): a pure stage that every
 * consumer reads only at its own point (an elementwise step: a cast, an activation, a scale) is
 * computed inline, so it costs no loop nest and no buffer. Stages read at other points (stencils,
 * boundary conditions, panels) keep a sampled location instead (random_compute_location.ts).
 */
import { viewSchedule } from '../../schedule/view.js';
import { type ScheduleRule, readsAtOwnPoint } from './rule.js';

export const autoInline: ScheduleRule = {
  name: 'auto-inline',
  apply(sch, stage, ctx) {
    const v = viewSchedule(sch, ctx.sizes);
    const s = v.stage(stage)!;
    if (s.isOutput || s.isReduction || !s.legalLocations.includes('inline') || s.consumers.length === 0) return false;
    if (!s.consumers.every((c) => readsAtOwnPoint(v.stage(c)!, stage))) return false;
    sch.stage(stage).computeInline();
    ctx.handled.add(stage);
    return true;
  },
};
