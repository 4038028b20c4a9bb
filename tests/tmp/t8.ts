import { matmul, rowSum, conv2d } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
const tryit = (label: string, f: (s: Schedule) => void, tp = matmul(), print = false) => {
  const s = new Schedule(tp.pipeline); 
  try { f(s); if (print) console.log(compile(tp.pipeline, s, {target: 'interp'}).loweredText); console.log(label, checkSchedule(tp, s)?.split('\n').slice(0,2).join('\n') ?? 'OK'); } catch (e) { console.log(label, 'THREW', (e as Error).name, (e as Error).message.split('\n')[0]); }
};
tryit('nested round_up', (s) => { s.stage('C').split('i', 7, { tail: 'guard' }); s.stage('C').split('ii', 4, { tail: 'round_up' }); });
tryit('nested round_up 1-d', (s) => { s.stage('rsum').split('y', 3, { tail: 'guard' }); s.stage('rsum').split('yi', 2, { tail: 'round_up' }); }, rowSum(5, 7), true);
tryit('round_up outer on C', (s) => { s.stage('C').split('i', 4, { tail: 'round_up' }); });
tryit('conv rfactor rx then rfactor rc', (s) => { const rf = s.stage('conv').rfactor('rx'); s.stage(rf).rfactor('rc'); }, conv2d());
tryit('conv rfactor rx then rfactor rc + split', (s) => { const rf = s.stage('conv').rfactor('rx'); s.stage(rf).rfactor('rc'); s.stage(rf).split('rx', 2); }, conv2d());
tryit('conv rfactor rx, split rx', (s) => { const rf = s.stage('conv').rfactor('rx'); s.stage(rf).split('rx', 2); }, conv2d());
tryit('conv rfactor rx, split rx 3', (s) => { const rf = s.stage('conv').rfactor('rx'); s.stage(rf).split('rx', 3); }, conv2d());
console.log('---');
tryit('k outer, nested round_up', (s) => { s.stage('C').reorder('k', 'i', 'j'); s.stage('C').split('i', 7, { tail: 'guard' }); s.stage('C').split('ii', 4, { tail: 'round_up' }); });
tryit('rowsum r outer nested round_up', (s) => { s.stage('rsum').reorder('r', 'y'); s.stage('rsum').split('y', 3, { tail: 'guard' }); s.stage('rsum').split('yi', 2, { tail: 'round_up' }); }, rowSum(5, 7));
tryit('rowsum r outer round_up only', (s) => { s.stage('rsum').reorder('r', 'y'); s.stage('rsum').split('y', 2, { tail: 'round_up' }); }, rowSum(6, 7));
