import { compile } from '../tessera.js';
import { sgemmPipeline, sgemmSchedule } from '../examples/sgemm_pipeline.js';
const p = sgemmPipeline();
const f = compile(p, sgemmSchedule(p, { rows: 4, cols: 8 }));
const n = Number(process.argv[2] ?? 256);
const A = f.kernel!.alloc('f32', [n, n]), B = f.kernel!.alloc('f32', [n, n]), C = f.kernel!.alloc('f32', [n, n]);
A.data.fill(0.5); B.data.fill(0.25);
const ts: string[] = [];
for (let i = 0; i < 12; i++) { const t0 = performance.now(); f({ A, B }, { C }); ts.push((2 * n ** 3 / (performance.now() - t0) / 1e6).toFixed(1)); }
console.log(n, ts.join(' '));
