import { matmul, rowMax, rowSum, conv2d } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
const tryit = (label: string, f: (s: Schedule) => void, tp = matmul(), print = false) => {
  const s = new Schedule(tp.pipeline); 
  try { f(s); if (print) console.log(compile(tp.pipeline, s, {target: 'interp'}).loweredText); console.log(label, checkSchedule(tp, s) ?? 'OK'); } catch (e) { console.log(label, 'THREW', (e as Error).name, (e as Error).message.split('\n')[0]); }
};
tryit('split k 4, rfactor ki', (s) => { s.stage('C').split('k', 4); s.stage('C').rfactor('ki'); });
tryit('split k 4, rfactor ko', (s) => { s.stage('C').split('k', 4); s.stage('C').rfactor('ko'); });
tryit('split k 4, rfactor ki, K=12', (s) => { s.stage('C').split('k', 4); s.stage('C').rfactor('ki'); }, matmul(13, 37, 12));
tryit('rfactor k', (s) => { s.stage('C').rfactor('k'); });
tryit('rfactor k + vec', (s) => { const rf = s.stage('C').rfactor('k'); s.stage(rf).vectorize('k', 4); });
tryit('rowmax split r 4 rfactor ri', (s) => { s.stage('rmax').split('r', 4); s.stage('rmax').rfactor('ri'); }, rowMax());
tryit('rowmax split r 4 rfactor ro', (s) => { s.stage('rmax').split('r', 4); s.stage('rmax').rfactor('ro'); }, rowMax());
tryit('rowsum split r 4 rfactor ri + vec', (s) => { s.stage('rsum').split('r', 4); const rf = s.stage('rsum').rfactor('ri'); s.stage(rf).vectorize('ri'); }, rowSum());
tryit('rowsum split r 8 rfactor ri + vec', (s) => { s.stage('rsum').split('r', 8); const rf = s.stage('rsum').rfactor('ri'); s.stage(rf).reorder('y', 'ri'); s.stage(rf).vectorize('ri'); }, rowSum());
tryit('matmul fuse i j', (s) => { s.stage('C').fuse('i', 'j'); });
tryit('matmul reorder k i j', (s) => { s.stage('C').reorder('k', 'i', 'j'); });
tryit('matmul split k guard', (s) => { s.stage('C').split('k', 4); s.stage('C').reorder('ko', 'i', 'j', 'ki'); });
