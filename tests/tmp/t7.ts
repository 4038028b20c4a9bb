import { blurU16, threeStage, slidingMax } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
const tryit = (label: string, f: (s: Schedule) => void, tp = blurU16(), print = false) => {
  const s = new Schedule(tp.pipeline); 
  try { f(s); if (print) console.log(compile(tp.pipeline, s, {target: 'interp'}).loweredText); console.log(label, checkSchedule(tp, s)?.split('\n').slice(0,2).join('\n') ?? 'OK'); } catch (e) { console.log(label, 'THREW', (e as Error).name, (e as Error).message.split('\n')[0]); }
};
tryit('edge fuse (inline)', (s) => { s.stage('input_edge').fuse('d0', 'd1'); });
tryit('edge fuse + bx inline', (s) => { s.stage('input_edge').fuse('d0', 'd1'); s.stage('blur_x').computeInline(); }, blurU16(), true);
tryit('edge at f.x', (s) => { s.stage('input_edge').computeAt('f', 'x'); }, threeStage(), true);
tryit('edge at f.y', (s) => { s.stage('input_edge').computeAt('f', 'y'); }, threeStage());
tryit('edge root', (s) => { s.stage('input_edge').computeRoot(); }, threeStage());
tryit('edge at smax.r', (s) => { s.stage('input_edge').computeAt('smax', 'r'); }, slidingMax());
tryit('edge at smax.r + split shift', (s) => { s.stage('input_edge').computeAt('smax', 'r');  s.stage('input_edge').split('d1', 4, {tail: 'shift_inwards'}); }, slidingMax());
console.log('---- exact');
tryit('exact1', (s) => { s.stage('input_edge').fuse('d0', 'd1', { fused: 'f1' }); s.stage('blur_x').computeInline(); });
tryit('exact2', (s) => { s.stage('f').computeRoot(); s.stage('input_edge').computeAt('f', 'x'); }, threeStage());
tryit('exact3', (s) => { s.stage('input_edge').computeAt('smax', 'r');  s.stage('input_edge').split('d1', 4, {outer: 'do3', inner: 'di3', tail: 'shift_inwards'}); }, slidingMax());
