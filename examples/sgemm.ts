/**
 * SGEMM example: `npm run example:sgemm -- [--n 512] [--rows 2 --cols 16] [--target wasm|webgpu] [--show-ir]`.
 * Compiles C = A·B (N x N, f32), prints the schedule as code, checks the result against plain JS loops
 * and reports the time. --target wasm (default): the register-tiled schedule of sgemm_pipeline.ts
 * (--rows x --cols tile), GFLOP/s on one thread, median of 9 runs; --show-ir prints the loop nest.
 * --target webgpu: the workgroup-tiled sgemmGpuSchedule (N at least 32), the kernel's time on the
 * device (median of up to 9 launches, fewer after 10 s; the timing method and the adapter named; on
 * SwiftShader, a CPU rasterizer, N=512 takes about half a minute, --n 128 a few seconds); --show-ir
 * prints the loop nest and the WGSL.
 */
import { parseArgs } from 'node:util';
import { compile } from '../tessera.js';
import { sgemmGpuSchedule, sgemmPipeline, sgemmSchedule } from './sgemm_pipeline.js';
import { measure } from '../bench/harness.js';
import { sgemmIKJ } from '../bench/peers/js.js';
import { runOnWebGpu } from './webgpu.js';

const { values } = parseArgs({ options: {
  n: { type: 'string', default: '512' }, rows: { type: 'string' }, cols: { type: 'string' },
  target: { type: 'string', default: 'wasm' }, 'show-ir': { type: 'boolean', default: false },
} });
const n = Number(values.n), rows = Number(values.rows ?? 2), cols = Number(values.cols ?? 16);
if (!Number.isInteger(n) || n < 1) throw new Error(`--n must be a positive integer, got ${values.n}`);
if (values.target !== 'wasm' && values.target !== 'webgpu') throw new Error(`--target must be wasm or webgpu, got ${JSON.stringify(values.target)}`);
if (values.target === 'webgpu' && (values.rows ?? values.cols) !== undefined) throw new Error('--rows and --cols pick the WebAssembly register tile; --target webgpu uses sgemmGpuSchedule');

let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
const a = new Float32Array(n * n).map(rand), b = new Float32Array(n * n).map(rand);
const ref = new Float32Array(n * n);
const check = (c: ArrayLike<number>) => {
  sgemmIKJ(a, b, ref, n);
  let worst = 0;
  ref.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - c[i]!)); });
  console.log(`max |tessera - plain JS| = ${worst.toExponential(2)} (f32 sums in a different order)`);
};
const gflops = (ms: number) => {
  const g = 2 * n ** 3 / ms / 1e6;
  return `${g < 1 ? g.toPrecision(2) : g.toFixed(1)} GFLOP/s`;
};

const p = sgemmPipeline();
if (values.target === 'webgpu') {
  const run = await runOnWebGpu(p, sgemmGpuSchedule(p), { A: { data: a, shape: [n, n] }, B: { data: b, shape: [n, n] } }, { showIr: values['show-ir'] });
  check(run.outputs.C!.data);
  console.log(`N=${n}: ${run.medianMs.toFixed(2)} ms, ${gflops(run.medianMs)} (${run.how})`);
} else {
  const sch = sgemmSchedule(p, { rows, cols });
  console.log(`schedule:\n${sch.toCode()}\n`);
  const f = compile(p, sch);
  if (values['show-ir']) console.log(f.loweredText);

  const A = f.kernel!.alloc('f32', [n, n]), B = f.kernel!.alloc('f32', [n, n]), C = f.kernel!.alloc('f32', [n, n]);
  A.data.set(a);
  B.data.set(b);
  f({ A, B }, { C });
  check(C.data);
  const end = performance.now() + 1000;
  do f({ A, B }, { C }); while (performance.now() < end);
  const t = measure(() => f({ A, B }, { C }), { reps: 9 });
  console.log(`N=${n}: ${t.medianMs.toFixed(2)} ms, ${gflops(t.medianMs)} (one thread, median of 9)`);
}
