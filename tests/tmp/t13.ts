import { pointwise, threeStage, rowSum } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
const tryit = (label: string, f: (s: Schedule) => void, tp: any, print = false, targets: any = undefined) => {
  const s = new Schedule(tp.pipeline);
  try { f(s); if (print) console.log(compile(tp.pipeline, s, {target: 'interp'}).loweredText); console.log(label, checkSchedule(tp, s, {targets})?.split('\n').slice(0,2).join('\n') ?? 'OK'); } catch (e) { console.log(label, 'THREW', (e as Error).name, (e as Error).message.split('\n')[0].slice(0, 300)); }
};
for (const w of [4, 8, 16]) for (const tail of ['auto', 'guard'] as const) tryit(`u8 vec ${w} ${tail}`, (s) => s.stage('out').vectorize('x', w, { tail }), pointwise('u8'), false, ['wasm-simd']);
tryit(`u8 vec 16 round_up 48`, (s) => s.stage('out').vectorize('x', 16, { tail: 'round_up' }), pointwise('u8', 5, 48), false, ['wasm-simd']);
tryit('nested shift', (s) => { s.stage('out').split('x', 8); s.stage('out').split('xo', 2); }, pointwise('i32'));
tryit('nested shift three', (s) => { s.stage('h').split('x', 8); s.stage('h').split('xo', 2); }, threeStage());
tryit('fuse out pointwise', (s) => { s.stage('out').fuse('y', 'x'); }, pointwise('i32'));
tryit('rowsum split r 4 rfactor ri + vec', (s) => { s.stage('rsum').split('r', 4); const rf = s.stage('rsum').rfactor('ri'); s.stage(rf).vectorize('ri'); }, rowSum(5, 37));
tryit('rowsum split r 4 rfactor ri', (s) => { s.stage('rsum').split('r', 4); const rf = s.stage('rsum').rfactor('ri'); }, rowSum(5, 37));
tryit('rowsum split r 4 rfactor ro', (s) => { s.stage('rsum').split('r', 4); const rf = s.stage('rsum').rfactor('ro'); }, rowSum(5, 37));
tryit('rowsum split r 4 rfactor ro vec y', (s) => { s.stage('rsum').split('r', 4); const rf = s.stage('rsum').rfactor('ro'); s.stage(rf).vectorize('y', 4); }, rowSum(5, 37));
