import { placeholder, compute, sizeVar, pipeline, reduceAxis, sum } from '../../dsl/index.js';
import { matmul } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
const tryit = (label: string, f: (s: Schedule) => void, tp: any = matmul(), print = false) => {
  const s = new Schedule(tp.pipeline);
  try { f(s); if (print) console.log(compile(tp.pipeline, s, {target: 'interp'}).loweredText); console.log(label, checkSchedule(tp, s)?.split('\n').slice(0,2).join('\n') ?? 'OK'); } catch (e) { console.log(label, 'THREW', (e as Error).name, (e as Error).message.split('\n')[0]); }
};
function mm2(m = 5, n = 6, k = 7) {
  const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
  const A = placeholder('A', [M, K], 'f32'), B = placeholder('B', [K, N], 'f32');
  const A2 = compute('A2', [M, K], (i, kk) => A.at(i, kk).mul(2));
  const r = reduceAxis(K, 'k');
  const C = compute('C', [M, N], (i, j) => sum(A2.at(i, r).mul(B.at(r, j)), r));
  const base = matmul(m, n, k);
  return { ...base, name: 'mm2', pipeline: pipeline(C), intermediates: ['A2'] };
}
tryit('A2 root, C split k 2', (s) => { s.stage('C').split('k', 2); }, mm2());
tryit('A2 at C.ko, C split k 2', (s) => { s.stage('C').split('k', 2); s.stage('A2').computeAt('C', 'ko'); }, mm2());
tryit('A2 at C.j, C split k 2', (s) => { s.stage('C').split('k', 2); s.stage('A2').computeAt('C', 'j'); }, mm2(), true);
tryit('rfactor k, C split k 2, rf at C.j', (s) => { s.stage('C').rfactor('k'); s.stage('C').split('k', 2); s.stage('C_rf').computeAt('C', 'j'); });
tryit('rfactor k, C split k 2', (s) => { s.stage('C').rfactor('k'); s.stage('C').split('k', 2); });
