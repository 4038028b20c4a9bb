import { ALL } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { applyMoves, AVOID_KNOWN_BUGS } from '../helpers/schedules.js';
const tp = ALL['conv2d']!();
const moves = [{"kind":"reorder","stage":43,"keys":[1,96,1,0,94,6,75,12]},{"kind":"computeAt","stage":63,"site":25},{"kind":"tile","stage":31,"loop":18,"fy":8,"fx":4,"tail":0},{"kind":"computeAt","stage":0,"site":46},{"kind":"fuse","stage":15,"loop":19},{"kind":"vectorize","stage":55,"loop":0,"factor":8},{"kind":"vectorize","stage":44,"loop":0,"factor":4},{"kind":"computeAt","stage":32,"site":16}];
const a = applyMoves(tp.pipeline, moves as any, AVOID_KNOWN_BUGS);
console.log(a.sch.toCode());
try { console.log(checkSchedule(tp, a.sch)); } catch (e) { console.log('THREW', (e as Error).name, (e as Error).message); }
