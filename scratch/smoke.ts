import { placeholder, compute, sizeVar, repeatEdge, pipeline, sum, reduceAxis } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';
import { lower } from '../lower/lower.js';
import { printFunc } from '../ir/printer.js';
import { interpretWithTensors } from '../codegen/interpreter.js';
import { evaluate } from '../reference/evaluate.js';

const H = sizeVar('H'), W = sizeVar('W');
const input = placeholder('input', [H, W], 'u16');
const clamped = repeatEdge(input);
const blurX = compute('blur_x', [H, W], (y, x) => clamped.at(y, x.sub(1)).add(clamped.at(y, x)).add(clamped.at(y, x.add(1))).div(3));
const blurY = compute('blur_y', [H, W], (y, x) => blurX.at(y.sub(1), x).add(blurX.at(y, x)).add(blurX.at(y.add(1), x)).div(3));
const p = pipeline(blurY);
const h = 37, w = 70;
const data = new Uint16Array(h * w).map((_, i) => (i * 7919) % 256);
const ref = evaluate(p, { input: { data, shape: [h, w] } }).blur_y!.data;

function check(name: string, sch: Schedule, print = false) {
  const { func, notes } = lower(p, sch);
  if (print) console.log(printFunc(func));
  if (notes.length) console.log(notes);
  const out = new Uint16Array(h * w);
  interpretWithTensors(func, { H: h, W: w }, { input: data, blur_y: out });
  let bad = 0;
  for (let i = 0; i < out.length; i++) if (out[i] !== ref[i]) bad++;
  console.log(name, bad === 0 ? 'OK' : `MISMATCH ${bad}`);
}
check('default', new Schedule(p), true);
const sch = new Schedule(p);
sch.stage('blur_y').tile('y', 'x', 8, 32);
sch.stage('blur_y').vectorize('xi', 8);
sch.stage('blur_x').computeAt('blur_y', 'xo');
sch.stage('blur_x').vectorize('x', 8);
check('classic', sch, true);
console.log(sch.toCode());

const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
const A = placeholder('A', [M, K]), B = placeholder('B', [K, N]);
const k = reduceAxis(K, 'k');
const C = compute('C', [M, N], (i, j) => sum(A.at(i, k).mul(B.at(k, j)), k));
const pm = pipeline(C);
const s2 = new Schedule(pm);
s2.stage('C').tile('i', 'j', 4, 8, { tail: 'guard' });
s2.stage('C').reorder('io', 'jo', 'k', 'ii', 'ji');
s2.stage('C').unroll('ii');
s2.stage('C').vectorize('ji');
const lm = lower(pm, s2);
console.log(printFunc(lm.func), lm.notes);
const m = 9, n = 13, kk = 5;
const a = new Float32Array(m * kk).map((_, i) => i % 7 - 3), b = new Float32Array(kk * n).map((_, i) => i % 5 - 2);
const cref = evaluate(pm, { A: { data: a, shape: [m, kk] }, B: { data: b, shape: [kk, n] } }).C!.data;
const cout = new Float32Array(m * n);
interpretWithTensors(lm.func, { M: m, N: n, K: kk }, { A: a, B: b, C: cout });
console.log('matmul', cout.every((v, i) => v === cref[i]) ? 'OK' : 'MISMATCH');

import { compile } from '../tessera.js';
{
  const f = compile(p, sch);
  const out = f({ input: { data, shape: [h, w] } }).blur_y!.data;
  let bad = 0; for (let i = 0; i < out.length; i++) if (out[i] !== ref[i]) bad++;
  console.log('wasm classic blur', bad === 0 ? 'OK' : `MISMATCH ${bad}`);
  const g = compile(p);
  const out2 = g({ input: { data, shape: [h, w] } }).blur_y!.data;
  console.log('wasm default blur', out2.every((v, i) => v === ref[i]) ? 'OK' : 'MISMATCH');
  const mm = compile(pm, s2);
  const c2 = mm({ A: { data: a, shape: [m, kk] }, B: { data: b, shape: [kk, n] } }).C!.data;
  console.log('wasm matmul', c2.every((v, i) => v === cref[i]) ? 'OK' : 'MISMATCH', Array.from(c2.slice(0, 5)), Array.from(cref.slice(0, 5)));
}
