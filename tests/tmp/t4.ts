import { blurU16, threeStage } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { Schedule } from '../../schedule/schedule.js';
const tryit = (label: string, f: (s: Schedule) => void, tp = blurU16()) => {
  const s = new Schedule(tp.pipeline); f(s);
  try { console.log(label, checkSchedule(tp, s) ?? 'OK'); } catch (e) { console.log(label, 'THREW', (e as Error).message.split('\n')[0]); }
};
tryit('fuse output y,x', (s) => s.stage('blur_y').fuse('y', 'x'));
tryit('fuse output y,x const', (s) => s.stage('blur_y').fuse('y', 'x'), blurU16(13, 37));
tryit('fuse blur_x y,x', (s) => s.stage('blur_x').fuse('y', 'x'));
tryit('fuse blur_x y,x, edge root', (s) => { s.stage('blur_x').fuse('y', 'x'); s.stage('input_edge').computeRoot(); });
tryit('split blur_x y', (s) => { s.stage('blur_x').split('y', 4); });
tryit('split blur_x y guard', (s) => { s.stage('blur_x').split('y', 4, {tail: 'guard'}); });
tryit('fuse three f', (s) => { s.stage('f').fuse('y', 'x'); }, threeStage());
