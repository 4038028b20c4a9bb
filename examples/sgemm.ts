/**
 * SGEMM example: `npm run example:sgemm -- [--n 512] [--rows 4 --cols 8]`. Compiles C = A·B with the
 * register-tiled schedule of sgemm_pipeline.ts, prints the schedule as code and the loop nest, checks
 * the result against plain JS loops and reports GFLOP/s (median of several runs).
 */
import { parseArgs } from 'node:util';
import { compile } from '../tessera.js';
import { sgemmPipeline, sgemmSchedule } from './sgemm_pipeline.js';
import { measure } from '../bench/harness.js';
import { sgemmIKJ } from '../bench/peers/js.js';

const { values } = parseArgs({ options: {
  n: { type: 'string', default: '512' }, rows: { type: 'string', default: '2' }, cols: { type: 'string', default: '16' },
  'show-ir': { type: 'boolean', default: false },
} });
const n = Number(values.n), rows = Number(values.rows), cols = Number(values.cols);
if (!Number.isInteger(n) || n < 1) throw new Error(`--n must be a positive integer, got ${values.n}`);

const p = sgemmPipeline();
const sch = sgemmSchedule(p, { rows, cols });
console.log(`schedule:\n${sch.toCode()}\n`);
const f = compile(p, sch);
if (values['show-ir']) console.log(f.loweredText);

const A = f.kernel!.alloc('f32', [n, n]), B = f.kernel!.alloc('f32', [n, n]), C = f.kernel!.alloc('f32', [n, n]);
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
A.data.forEach((_, i) => { A.data[i] = rand(); });
B.data.forEach((_, i) => { B.data[i] = rand(); });
f({ A, B }, { C });
const ref = new Float32Array(n * n);
sgemmIKJ(A.data as Float32Array, B.data as Float32Array, ref, n);
let worst = 0;
ref.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - C.data[i]!)); });
console.log(`max |tessera - plain JS| = ${worst.toExponential(2)} (f32 sums in a different order)`);
const end = performance.now() + 1000;
do f({ A, B }, { C }); while (performance.now() < end);
const t = measure(() => f({ A, B }, { C }), { reps: 9 });
console.log(`N=${n}: ${t.medianMs.toFixed(2)} ms, ${(2 * n ** 3 / t.medianMs / 1e6).toFixed(1)} GFLOP/s (one thread, median of 9)`);
