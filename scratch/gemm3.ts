import { compile, placeholder, compute, sizeVar, reduceAxis, sum, pipeline, Schedule } from '../tessera.js';
import { measure } from '../bench/harness.js';
import { sgemmIKJ } from '../bench/peers/js.js';
const [rows, cols, kb] = process.argv.slice(2).map(Number) as [number, number, number];
const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
const A = placeholder('A', [M, K]), B = placeholder('B', [K, N]);
const k = reduceAxis(K, 'k');
const Cs = compute('C', [M, N], (i, j) => sum(A.at(i, k).mul(B.at(k, j)), k));
const p = pipeline(Cs);
const sch = new Schedule(p);
sch.stage('C').split('k', kb, { outer: 'ko', inner: 'ki' });
sch.stage('C').rfactor('ko', { name: 'C_rf' });
const C = sch.stage('C');
C.tile('i', 'j', rows, cols);
C.reorder('jo', 'ko', 'io', 'ii', 'ji');
C.vectorize('ji'); C.unroll('ii');
const rf = sch.stage('C_rf');
rf.computeAt('C', 'io');
rf.reorder('ki', 'ko', 'i', 'j');
rf.vectorize('j'); rf.unroll('i');
const f = compile(p, sch);
if (process.env.SHOW) console.log(f.loweredText, f.notes);
for (const n of [256, 512, 1024]) {
  const a = f.kernel!.alloc('f32', [n, n]), b = f.kernel!.alloc('f32', [n, n]), c = f.kernel!.alloc('f32', [n, n]);
  a.data.forEach((_, i) => { a.data[i] = ((i * 37) % 17) / 17 - 0.5; });
  b.data.forEach((_, i) => { b.data[i] = ((i * 13) % 19) / 19 - 0.5; });
  const end = performance.now() + 800; do f({ A: a, B: b }, { C: c }); while (performance.now() < end);
  const t = measure(() => f({ A: a, B: b }, { C: c }), { reps: 5 });
  if (n === 256) { const ref = new Float32Array(n * n); sgemmIKJ(a.data as Float32Array, b.data as Float32Array, ref, n); let e = 0; ref.forEach((v, i) => { e = Math.max(e, Math.abs(v - c.data[i]!)); }); console.log('err', e); }
  console.log(n, (2 * n ** 3 / t.medianMs / 1e6).toFixed(1), 'GFLOP/s');
}
