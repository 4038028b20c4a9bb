import { blurU16 } from '../helpers/pipelines.js';
import { Schedule } from '../../schedule/schedule.js';
import { checkSchedule } from '../helpers/compare.js';
const tp = blurU16();
const s = new Schedule(tp.pipeline);
s.stage('blur_x').computeAt('blur_y', 'x'); s.stage('blur_x').storeAt('blur_y', 'y'); s.stage('blur_y').reorder('x', 'y');
try { console.log(checkSchedule(tp, s) ?? 'OK'); } catch (e) { console.log((e as Error).name, (e as Error).message); }
const s2 = new Schedule(tp.pipeline);
s2.stage('blur_x').computeAt('blur_y', 'x'); s2.stage('blur_y').reorder('x', 'y');
try { console.log(checkSchedule(tp, s2) ?? 'OK'); } catch (e) { console.log((e as Error).name, (e as Error).message); }
