import { pointwise, threeStage } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
import { placeholder, compute, sizeVar, pipeline } from '../../dsl/index.js';
const tryit = (label: string, f: (s: Schedule) => void, tp: any, print = false, targets: any = undefined) => {
  const s = new Schedule(tp.pipeline);
  try { f(s); if (print) console.log(compile(tp.pipeline, s, {target: 'interp'}).loweredText); console.log(label, checkSchedule(tp, s, {targets})?.split('\n').slice(0,2).join('\n') ?? 'OK'); } catch (e) { console.log(label, 'THREW', (e as Error).name, (e as Error).message.split('\n')[0].slice(0, 300)); }
};
tryit('a', (s) => { s.stage('out').split('x', 8); s.stage('out').split('xi', 3, { tail: 'guard' }); s.stage('out').split('xo', 2); }, pointwise('i32'));
tryit('b', (s) => { s.stage('out').split('x', 8); s.stage('out').split('xi', 3, { tail: 'guard' }); }, pointwise('i32'));
tryit('c', (s) => { s.stage('out').split('x', 8); s.stage('out').split('xi', 3, { tail: 'round_up' }); }, pointwise('i32'));
tryit('d', (s) => { s.stage('out').split('x', 8); s.stage('out').split('xi', 3); }, pointwise('i32'));
const mk = (dt: any, lanes: number, f: (t: any) => any) => {
  const W = sizeVar('W'); const input = placeholder('input', [W], dt);
  const out = compute('out', [W], (x) => f(input.at(x)));
  const base = pointwise('u8');
  return { ...base, name: 'mini', pipeline: pipeline(out), inputs: (seed = 1) => ({ input: { data: new (dt === 'u8' ? Uint8Array : Int8Array)(37).map((_, i) => i * 37 + seed), shape: [37] } }), sizes: { W: 37 } };
};
tryit('u8 x16 mul3', (s) => { s.stage('out').vectorize('x', 16); }, mk('u8', 16, (t) => t.mul(3)), false, ['wasm-simd']);
tryit('u8 x16 add', (s) => { s.stage('out').vectorize('x', 16); }, mk('u8', 16, (t) => t.add(3)), false, ['wasm-simd']);
tryit('u8 x16 min', (s) => { s.stage('out').vectorize('x', 16); }, mk('u8', 16, (t) => t.min(100)), false, ['wasm-simd']);
tryit('u8 x16 mul x', (s) => { s.stage('out').vectorize('x', 16); }, mk('u8', 16, (t) => t.mul(t)), false, ['wasm-simd']);
tryit('i8 x16 mul3', (s) => { s.stage('out').vectorize('x', 16); }, mk('i8', 16, (t) => t.mul(3)), false, ['wasm-simd']);
tryit('u8 x8 mul3', (s) => { s.stage('out').vectorize('x', 8); }, mk('u8', 8, (t) => t.mul(3)), false, ['wasm-simd']);
tryit('e: shift then guard on outer', (s) => { s.stage('out').split('x', 8); s.stage('out').split('xo', 2, { tail: 'guard' }); }, pointwise('i32'));
tryit('f: guard then guard inner', (s) => { s.stage('out').split('x', 8, {tail: 'guard'}); s.stage('out').split('xi', 3, { tail: 'guard' }); }, pointwise('i32'));
tryit('g: shift then guard inner, W=40', (s) => { s.stage('out').split('x', 8); s.stage('out').split('xi', 3, { tail: 'guard' }); }, pointwise('i32', 5, 40));
tryit('h: shift 8 then vectorize xi 3 guard', (s) => { s.stage('out').split('x', 8); s.stage('out').vectorize('xi', 3, { tail: 'guard' }); }, pointwise('i32'));
tryit('i: intermediate', (s) => { s.stage('blur_x').split('x', 8); s.stage('blur_x').split('xi', 3, { tail: 'guard' }); }, (await import('../helpers/pipelines.js')).blurU16());
