import { threeStage, pointwise } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { Schedule } from '../../schedule/schedule.js';
const tp = threeStage();
const s = new Schedule(tp.pipeline);
s.stage('input_edge').computeAt('f', 'x'); s.stage('input_edge').fuse('d0', 'd1');
try { console.log(checkSchedule(tp, s)); } catch (e) { console.log('THREW', (e as Error).message); }
