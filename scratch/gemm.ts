import { compile } from '../tessera.js';
import { sgemmPipeline, sgemmSchedule } from '../examples/sgemm_pipeline.js';
import { measure } from '../bench/harness.js';
import { sgemmIKJ } from '../bench/peers/js.js';
const rows = Number(process.argv[2] ?? 4), cols = Number(process.argv[3] ?? 16);
const p = sgemmPipeline();
const rowBlock = process.argv[4] ? Number(process.argv[4]) : undefined;
const f = compile(p, sgemmSchedule(p, { rows, cols, rowBlock }));
if (process.env.SHOW) console.log(f.loweredText);
for (const n of [256, 512, 1024]) {
  const A = f.kernel!.alloc('f32', [n, n]), B = f.kernel!.alloc('f32', [n, n]), C = f.kernel!.alloc('f32', [n, n]);
  A.data.forEach((_, i) => { A.data[i] = ((i * 37) % 17) / 17 - 0.5; });
  B.data.forEach((_, i) => { B.data[i] = ((i * 13) % 19) / 19 - 0.5; });
  for (let w = 0; w < 3; w++) measure(() => f({ A, B }, { C }), { reps: 3 });
  const t = measure(() => f({ A, B }, { C }), { reps: 5 });
  if (n === 256) {
    const ref = new Float32Array(n * n); sgemmIKJ(A.data as Float32Array, B.data as Float32Array, ref, n);
    let maxErr = 0; ref.forEach((v, i) => { maxErr = Math.max(maxErr, Math.abs(v - C.data[i]!)); });
    console.log('max abs err vs JS', maxErr);
  }
  console.log(n, (2 * n ** 3 / t.medianMs / 1e6).toFixed(1), 'GFLOP/s');
}
