/**
 * `npm run bench`: Tessera against the peers measured in the same run, one thread.
 *   blur 3x3 (u16, f32) on a 1536x2560 channel of the bundled photo: ms per megapixel for the naive
 *   schedule, the classic schedule and a plain-JS two-pass loop;
 *   SGEMM N = 256, 512, 1024 (examples/sgemm_pipeline.ts): GFLOP/s against a plain-JS i-k-j loop.
 * 'scheduled' is the classic blur schedule and the register-tiled SGEMM schedule.
 * Every figure is the median of several runs, each the median of several timed calls after a
 * time-based warm-up (V8 compiles WebAssembly with its baseline tier first and switches to TurboFan
 * later). Outputs are checked against the peer before timing. Results go to results/bench.json.
 * Options: --quick (fewer runs), --only blur|sgemm.
 */
import { parseArgs } from 'node:util';
import { compile } from '../tessera.js';
import { blurPipeline, naiveSchedule, classicSchedule, type BlurDtype } from '../examples/blur_pipeline.js';
import { sgemmPipeline, sgemmSchedule } from '../examples/sgemm_pipeline.js';
import { readImage } from '../examples/image.js';
import { runs, formatTable, writeResults } from './harness.js';
import { blurTwoPassU16, blurTwoPassF32, sgemmIKJ } from './peers/js.js';

const { values: opts } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const count = opts.quick ? 3 : 5;

function warm(fn: () => void, ms = 800): void {
  const end = performance.now() + ms;
  do fn(); while (performance.now() < end);
}

function time(fn: () => void, reps = 7, c = count): number {
  warm(fn);
  return runs(fn, { count: c, warmup: 1, reps }).medianMs;
}

interface Row { [k: string]: string | number }
const rows: Row[] = [];
const results: Record<string, unknown> = { machine: `${process.platform} ${process.arch}, node ${process.version}`, date: new Date().toISOString() };

function benchBlur(): void {
  const img = readImage(new URL('../../shared/data/images/mate_LadyBird.jpg', import.meta.url));
  const H = 1536, W = 2560;
  if (img.width < W || img.height < H) throw new Error(`the photo is ${img.width}x${img.height}, smaller than ${W}x${H}`);
  const mp = (H * W) / 1e6;
  for (const dtype of ['u16', 'f32'] as BlurDtype[]) {
    const plane = dtype === 'u16' ? new Uint16Array(H * W) : new Float32Array(H * W);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) plane[y * W + x] = img.data[(y * img.width + x) * 3 + 1]!;
    const jsOut = dtype === 'u16' ? new Uint16Array(H * W) : new Float32Array(H * W);
    const js = () => (dtype === 'u16' ? blurTwoPassU16(plane as Uint16Array, W, H, jsOut as Uint16Array) : blurTwoPassF32(plane as Float32Array, W, H, jsOut as Float32Array));
    js();
    const p = blurPipeline(dtype);
    const entry: Record<string, number> = {};
    for (const [name, sch] of [['naive', naiveSchedule(p)], ['classic', classicSchedule(p, dtype)]] as const) {
      const f = compile(p, sch);
      const input = f.kernel!.alloc(dtype, [1, H, W]);
      input.data.set(plane);
      const out = f.kernel!.alloc(dtype, [1, H, W]);
      const run = () => f({ input }, { blur_y: out });
      run();
      let worst = 0;
      out.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - jsOut[i]!)); });
      if (worst > (dtype === 'u16' ? 0 : 1e-3)) throw new Error(`blur ${dtype} ${name} differs from the plain-JS peer by ${worst}`);
      entry[name] = time(run) / mp;
    }
    entry.js = time(js) / mp;
    results[`blur_${dtype}_ms_per_mp`] = entry;
    rows.push({ workload: `blur 3x3 ${dtype} 1536x2560`, unit: 'ms/MP', 'tessera naive': entry.naive!, 'tessera scheduled': entry.classic!, 'plain JS': entry.js!, 'scheduled vs JS': `${(entry.js! / entry.classic!).toFixed(1)}x faster` });
  }
}

function benchSgemm(): void {
  const p = sgemmPipeline();
  const f = compile(p, sgemmSchedule(p));
  const entry: Record<string, Record<string, number>> = {};
  for (const n of [256, 512, 1024]) {
    const A = f.kernel!.alloc('f32', [n, n]), B = f.kernel!.alloc('f32', [n, n]), C = f.kernel!.alloc('f32', [n, n]);
    A.data.forEach((_, i) => { A.data[i] = ((i * 37) % 17) / 17 - 0.5; });
    B.data.forEach((_, i) => { B.data[i] = ((i * 13) % 19) / 19 - 0.5; });
    const ref = new Float32Array(n * n);
    const js = () => sgemmIKJ(A.data as Float32Array, B.data as Float32Array, ref, n);
    js();
    const run = () => f({ A, B }, { C });
    run();
    let worst = 0;
    ref.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - C.data[i]!)); });
    if (worst > 1e-3 * Math.sqrt(n)) throw new Error(`SGEMM ${n} differs from the plain-JS peer by ${worst}`);
    const gflop = (2 * n ** 3) / 1e9;
    const t = gflop / (time(run) / 1e3);
    const tj = gflop / (time(js, n >= 1024 ? 2 : 5, n >= 1024 ? 3 : count) / 1e3);
    entry[String(n)] = { tessera: t, js: tj };
    rows.push({ workload: `SGEMM N=${n}`, unit: 'GFLOP/s', 'tessera scheduled': t, 'plain JS': tj, 'scheduled vs JS': `${(t / tj).toFixed(1)}x faster` });
  }
  results.sgemm_gflops = entry;
}

if (!opts.only || opts.only === 'blur') benchBlur();
if (!opts.only || opts.only === 'sgemm') benchSgemm();
console.log(formatTable(rows));
console.log(`\none thread; medians of ${count} runs; results written to ${writeResults(new URL('../results/', import.meta.url).pathname, 'bench', results)}`);
