/**
 * `npm run bench`: Tessera against the peers measured in the same run, one thread.
 *   blur 3x3 (u16, f32) on a 1536x2560 channel of the bundled photo: ms per megapixel for the naive
 *   schedule, the classic schedule, a plain-JS two-pass loop, and (f32) tfjs avgPool / ORT AveragePool;
 *   SGEMM N = 256, 512, 1024 (examples/sgemm_pipeline.ts): GFLOP/s against a plain-JS i-k-j loop,
 *   tfjs matMul and ORT MatMul;
 *   conv 3x3 64->64, conv 1x1 64->256, depthwise 3x3 C=144, all 56x56 (bench/workloads.ts): GFLOP/s
 *   against tfjs (NHWC) and ORT (NCHW);
 *   exp and sigmoid over 2^20 f32 (bench/math.ts): ms per million elements for Tessera's inline SIMD
 *   polynomials, the same stage through f64 host Math calls, plain-JS Math.exp, tfjs tf.exp /
 *   tf.sigmoid and ORT Exp / Sigmoid.
 * WebGPU (bench/webgpu.ts): the blurs, SGEMM N = 256 (--gpu-sizes) and conv 3x3 with the examples'
 *   GPU schedules, each checked against the wasm result, the median of single launches timed by
 *   timestamp queries (or the wall clock), buffers bound once. Without a GPU the adapter is
 *   SwiftShader, a software implementation: its figures measure the CPU, and the column and the
 *   report say so. When the system has no adapter and VK_ICD_FILENAMES is unset, the bench tries
 *   SwiftShader's Vulkan from Debian's chromium package; with no adapter at all it says why and goes
 *   on. A failure of one GPU workload is printed and recorded, and the bench goes on.
 * Peers: tfjs-backend-wasm (op call + dataSync), onnxruntime-web wasm (session.run with its copies);
 * Tessera's tensors are resident in wasm memory (no copies). 'ort-web 2T' is ORT with 2 threads,
 * measured in a child process (the thread count is fixed per process); --no-ort2 skips it.
 * Ratio columns are Tessera's figure over the peer's: for GFLOP/s above 1 means Tessera is faster, for
 * ms/MP below 1 does.
 * Every figure is the median of several runs, each the median of several timed calls after a
 * time-based warm-up. Every output is checked against a plain-JS reference before timing.
 * Results go to results/bench.json and results/bench.svg (both written atomically).
 * Tessera's f32 multiply-adds are relaxed-SIMD FMAs when the engine has relaxed SIMD (printed with the
 * table); Node 20 needs a flag for it: `npm run bench:relaxed` runs this file with it (peers included).
 * Models (bench/models.ts): SqueezeNet 1.1, UltraFace RFB-320, MobileNetV2 and ResNet-18 end to end, ms per
 *   inference, Tessera 1T/2T next to onnxruntime-web 1T/2T, onnxruntime-node 1T and TensorFlow.js wasm 1T
 *   (the same network built from the same ONNX weights, bench/peers/tfjs_model.ts), timed interleaved
 *   round by round, with Tessera's arena peak and its lower bound, onnxruntime-web's cold start (fresh
 *   processes) and its .wasm size.
 *   Tessera's artifact size (loader + runtime + kernels, weights apart, gzipped) and cold start (fresh
 *   processes, bench/tessera_cold_start.ts) beside ort-web's; --model-records FILE compiles the
 *   Tessera models with the tuning records of `tessera tune MODEL.onnx`.
 * Options: --quick (fewer runs), --runs N (rounds per variant, default 5: the medians are of N), --only blur|sgemm|conv3x3|conv1x1|depthwise|math|models (comma-separated), --no-ort2,
 * --no-gpu (no WebGPU column), --gpu-sizes 256,512 (SGEMM sizes on WebGPU; larger ones are very slow
 * on SwiftShader).
 * Tuned columns (bench/tuned.ts): `tessera tuned` and `tessera tuned 2T` compile the best record of
 * each workload in --records (default results/tuning.jsonl) on this engine's target class. `--tune`
 * first tunes every workload from its definition alone (--tune-trials 200, --tune-minutes 5 each,
 * --tune-threads 1,2; --tune-random: random proposals instead of the cost model, into
 * results/tuning-random.jsonl), then benches. The Tessera variants and tfjs of a workload are timed
 * side by side (A B A B ..., bench/harness.ts `interleaved`); the 'spread' column is the largest
 * (max - min) / median of their rounds.
 */
import { parseArgs } from 'node:util';
import { relaxedSimdSupported } from '../runtime/wasm_features.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { compile, type Pipeline, type Schedule, type Tensor } from '../tessera.js';
import { ThreadPool } from '../runtime/thread_pool.js';
import { blurPipeline, naiveSchedule, classicSchedule, blurGpuSchedule, type BlurDtype } from '../examples/blur_pipeline.js';
import { sgemmPipeline, sgemmSchedule, sgemmGpuSchedule } from '../examples/sgemm_pipeline.js';
import { conv2dPipeline, conv2dSchedule, conv2dGpuSchedule } from '../examples/conv2d_pipeline.js';
import { readImage } from '../io/image.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { runs, runsAsync, interleavedRunsAsync, formatTable, writeResults } from './harness.js';
import { blurTwoPassU16, blurTwoPassF32, sgemmIKJ } from './peers/js.js';
import { initTfjs, tfjsMatMul, tfjsConv2d, tfjsDepthwise, tfjsAvgPool3x3, tfjsUnary, type TfjsOp } from './peers/tfjs.js';
import { initOrt, ortMatMul, ortConv, ortAvgPool3x3, ortUnary, type OrtOp } from './peers/ort.js';
import { barChartSvg, type ChartPanel } from './chart.js';
import { openBenchGpu, timeGpuWorkload, type BenchGpu, type GpuBenchTiming } from './webgpu.js';
import * as wl from './workloads.js';
import { MODEL_WORKLOADS, benchModel } from './models.js';
import { TUNED_WORKLOADS, tuneBenchWorkloads, tunedKernel, type TunedWorkload } from './tuned.js';
import { TuningDatabase } from '../autotune/database.js';
import { interleaved, type Variant } from './harness.js';
import { existsSync } from 'node:fs';
import { ortWebWasmSize } from './peers/ort_cold_start.js';
import { MATH_SIZE, MATH_WORKLOADS, mathPipeline, mathSchedule, mathReference, mathJs, checkMath } from './math.js';

const WORKLOADS = ['blur', 'sgemm', 'conv3x3', 'conv1x1', 'depthwise', 'math', 'models'] as const;
type Workload = (typeof WORKLOADS)[number];

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    'no-ort2': { type: 'boolean', default: false },
    'no-gpu': { type: 'boolean', default: false },
    'gpu-sizes': { type: 'string', default: '256' },
    'ort-child': { type: 'string' },   // internal: measure ORT only with this many threads, print JSON
    tune: { type: 'boolean', default: false },
    'tune-trials': { type: 'string', default: '200' },
    'tune-minutes': { type: 'string', default: '5' },
    'tune-threads': { type: 'string', default: '1,2' },
    'tune-random': { type: 'boolean', default: false },
    records: { type: 'string' },
    'model-records': { type: 'string' },
  },
});
const count = opts.runs !== undefined ? Number(opts.runs) : opts.quick ? 3 : 5;
if (!Number.isInteger(count) || count < 1) throw new Error(`--runs must be a positive integer, got ${JSON.stringify(opts.runs)}`);
const only = new Set((opts.only?.split(',') ?? WORKLOADS) as Workload[]);
for (const w of only) if (!WORKLOADS.includes(w)) throw new Error(`--only: unknown workload ${JSON.stringify(w)}; one of ${WORKLOADS.join(', ')}`);
const SGEMM_SIZES = [256, 512, 1024];
/** SGEMM sizes with a tuned column (the bench workloads of bench/tuned.ts). */
const SGEMM_TUNED = TUNED_WORKLOADS.filter((w) => w.key.startsWith('sgemm_')).map((w) => Number(w.key.slice(6)));
const gpuSizes = opts['gpu-sizes'].split(',').map((t) => {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 32) throw new Error(`--gpu-sizes: ${JSON.stringify(t)} is not an SGEMM size (an integer of at least 32)`);
  return n;
});
const ortChild = opts['ort-child'] !== undefined ? Number(opts['ort-child']) : undefined;
/** Which implementations this process measures. */
const doTessera = ortChild === undefined, doTfjs = ortChild === undefined, doOrt = true;

function warm(fn: () => void, ms = 800): void {
  const end = performance.now() + ms;
  do fn(); while (performance.now() < end);
}
function time(fn: () => void, reps = 7, c = count): number {
  warm(fn);
  return runs(fn, { count: c, warmup: 1, reps }).medianMs;
}
async function timeAsync(fn: () => Promise<unknown>, reps = 7, c = count): Promise<number> {
  const end = performance.now() + 800;
  do await fn(); while (performance.now() < end);
  return (await runsAsync(fn, { count: c, warmup: 1, reps })).medianMs;
}
/** timeAsync for several variants of one workload: each warmed up, then timed round by round, interleaved. */
async function timeVariants(variants: Readonly<Record<string, () => Promise<unknown>>>, reps = 7, c = count): Promise<Record<string, number>> {
  for (const fn of Object.values(variants)) {
    const end = performance.now() + 800;
    do await fn(); while (performance.now() < end);
  }
  const r = await interleavedRunsAsync(variants, { count: c, warmup: 1, reps });
  return Object.fromEntries(Object.entries(r).map(([k, m]) => [k, m.medianMs]));
}

function check(what: string, got: ArrayLike<number>, ref: ArrayLike<number>, tol: number): void {
  const d = wl.maxRelDiff(got, ref);
  if (!(d <= tol)) throw new Error(`${what} differs from the plain-JS reference by ${d} (relative; tolerance ${tol})`);
}

type Checker = (what: string, got: ArrayLike<number>, ref: ArrayLike<number>, tol: number) => void;
async function timeTfjs(what: string, op: TfjsOp, ref: ArrayLike<number> | undefined, toRef: (a: Float32Array) => ArrayLike<number>, tol: number, reps = 7, checker: Checker = check): Promise<number> {
  if (ref) checker(what, toRef(op.result()), ref, tol);
  const ms = time(() => op.run(), reps);
  op.dispose();
  return ms;
}
/**
 * The Tessera variants (and tfjs) of one workload, timed side by side when `time` is called; each is
 * checked against the reference when it is added.
 */
class SideBySide {
  private readonly variants: Variant[] = [];
  private readonly after: (() => void)[] = [];
  add(name: string, run: () => void): void { this.variants.push({ name, run }); }
  addTfjs(what: string, op: TfjsOp, ref: ArrayLike<number> | undefined, toRef: (a: Float32Array) => ArrayLike<number>, tol: number, checker: Checker = check): void {
    if (ref) checker(what, toRef(op.result()), ref, tol);
    this.add('tfjs', () => op.run());
    this.after.push(() => op.dispose());
  }
  /** Times them (interleaved) into `entry` as figures, and records the spreads under `key`. */
  time(key: string, entry: Record<string, number>, figure: (ms: number) => number): void {
    if (!this.variants.length) return;
    const t = interleaved(this.variants, { rounds: count + 4 });
    for (const [name, x] of Object.entries(t)) entry[name] = figure(x.medianMs);
    spreads[key] = Object.fromEntries(Object.entries(t).map(([name, x]) => [name, Number(x.spread.toFixed(3))]));
    for (const f of this.after) f();
  }
}
const spreads: Record<string, Record<string, number>> = {};

/** Tuning records for the tuned columns, when the file exists. */
const recordsPath = opts.records ?? fileURLToPath(new URL('../results/tuning.jsonl', import.meta.url));
let records: TuningDatabase | undefined;
const tunedOf = (key: string): TunedWorkload => TUNED_WORKLOADS.find((w) => w.key === key)!;

/**
 * Adds `tessera tuned` (and `tessera tuned 2T`) for workload `key` when the records hold them,
 * each checked by `checked` (which runs it and compares its output) before it joins the group.
 */
async function addTuned(group: SideBySide, key: string, runner: (f: ReturnType<typeof compile>) => { run: () => void; check: () => void }): Promise<void> {
  if (!doTessera) return;
  const w = tunedOf(key);
  for (const threads of [1, 2]) {
    const f = tunedKernel(w, records, threads);
    if (!f) continue;
    const r = runner(threads > 1 ? await onTwoThreads(f) : f);
    r.run();
    r.check();
    group.add(threads > 1 ? 'tessera tuned 2T' : 'tessera tuned', r.run);
  }
}

async function timeOrt(what: string, op: OrtOp, ref: ArrayLike<number> | undefined, toRef: (a: Float32Array) => ArrayLike<number>, tol: number, reps = 7, checker: Checker = check): Promise<number> {
  if (ref) checker(what, toRef(await op.result()), ref, tol);
  const ms = await timeAsync(() => op.run(), reps);
  await op.release();
  return ms;
}

type Cell = string | number;
interface Row { [k: string]: Cell }
const rows: Row[] = [];
/** Per workload key: implementation -> figure (GFLOP/s or ms/MP). */
const figures: Record<string, Record<string, number>> = {};
const units: Record<string, string> = {};
const fmaNote = relaxedSimdSupported()
  ? 'Tessera uses relaxed-SIMD fused multiply-add (f32x4.relaxed_madd): this engine has relaxed SIMD'
  : 'Tessera uses f32x4 mul + add: this engine has no relaxed SIMD (Node 20: npm run bench:relaxed enables it; Chrome >= 114 and Node >= 22 have it on)';
const results: Record<string, unknown> = { machine: `${process.platform} ${process.arch}, node ${process.version}`, date: new Date().toISOString(), runs: count, fma: relaxedSimdSupported() ? 'relaxed' : 'none', fmaNote };

/** Tessera on 2 threads: the same schedules with their outer loop parallel, on this pool. */
let pool: ThreadPool | undefined;
async function onTwoThreads(f: ReturnType<typeof compile>): Promise<ReturnType<typeof compile>> {
  pool ??= await ThreadPool.create(2);
  await f.kernel!.useThreadPool(pool);
  return f;
}

const ratio = (t: number | undefined, p: number | undefined) => (t !== undefined && p !== undefined ? Number((t / p).toFixed(2)) : undefined);
function addRow(key: string, label: string, unit: string, f: Record<string, number>, extra: Row = {}): void {
  figures[key] = f; units[key] = unit;
  const t = f.tessera;
  const row: Row = { workload: label, unit };
  if (f['tessera naive'] !== undefined) row['tessera naive'] = f['tessera naive'];
  if (t !== undefined) row.tessera = t;
  if (f['tessera 2T'] !== undefined) { row['tessera 2T'] = f['tessera 2T']; row['2T speedup'] = `${(unit.startsWith('ms') ? t! / f['tessera 2T'] : f['tessera 2T'] / t!).toFixed(2)}x`; }
  const tuned = f['tessera tuned'];
  if (tuned !== undefined) { row['tessera tuned'] = tuned; if (t !== undefined) row['tuned/hand'] = `${(unit.startsWith('ms') ? t / tuned : tuned / t).toFixed(2)}x`; }
  if (f['tessera tuned 2T'] !== undefined) row['tessera tuned 2T'] = f['tessera tuned 2T'];
  if (gpu && f[gpu.column] !== undefined) row[gpu.column] = f[gpu.column];
  if (f.js !== undefined) row['plain JS'] = f.js;
  Object.assign(row, extra);
  if (f.tfjs !== undefined) { row['tfjs-wasm'] = f.tfjs; row['tessera/tfjs'] = ratio(t, f.tfjs)!; }
  if (f.tfjs !== undefined && tuned !== undefined) row['tuned/tfjs'] = ratio(tuned, f.tfjs)!;
  if (f.ort !== undefined) { row['ort-web'] = f.ort; row['tessera/ort'] = ratio(t, f.ort)!; }
  if (f['ort-node'] !== undefined) { row['ort-node'] = f['ort-node']; row['tessera/ort-node'] = ratio(t, f['ort-node'])!; }
  const sp = spreads[key];
  if (sp) row.spread = `${(100 * Math.max(...Object.values(sp))).toFixed(0)}%`;
  rows.push(row);
}

/** The WebGPU device of this run; undefined with --no-gpu, in the ORT child, or when there is none. */
let gpu: BenchGpu | undefined;
const gpuTimings: Record<string, GpuBenchTiming & { unit: string }> = {};
const gpuFailures: Record<string, string> = {};

/**
 * Times `p` with its GPU schedule into `entry[gpu.column]` (a figure from milliseconds by `figure`).
 * A failure (compiling, running, or `check` refusing the output) is printed and recorded instead.
 */
async function webgpuColumn(entry: Record<string, number>, key: string, p: Pipeline, schedule: (p: Pipeline) => Schedule,
  inputs: Record<string, Tensor>, check: (outputs: Record<string, Tensor>) => void, unit: string, figure: (ms: number) => number): Promise<void> {
  if (!gpu) return;
  try {
    const t = await timeGpuWorkload(gpu, p, schedule(p), inputs, { check, minSamples: count + 2 });
    entry[gpu.column] = figure(t.ms);
    gpuTimings[key] = { ...t, unit };
  } catch (e) {
    gpuFailures[key] = `${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`;
    console.log(`WebGPU ${key} failed, no figure: ${gpuFailures[key]}`);
  }
}

/** Throws unless `got` is within `tol` of `want`, the result of `whose` (relative to its largest magnitude). */
function checkAgainst(what: string, got: ArrayLike<number> | undefined, want: ArrayLike<number>, whose: string, tol: number): void {
  if (!got) throw new Error(`${what}: the output is missing`);
  const d = wl.maxRelDiff(got, want);
  if (!(d <= tol)) throw new Error(`${what} differs from ${whose} by ${d} (relative; tolerance ${tol})`);
}

async function benchBlur(): Promise<void> {
  const img = readImage(new URL('../../shared/data/images/mate_LadyBird.jpg', import.meta.url));
  const H = 1536, W = 2560;
  if (img.width < W || img.height < H) throw new Error(`the photo is ${img.width}x${img.height}, smaller than ${W}x${H}`);
  const mp = (H * W) / 1e6;
  for (const dtype of ['u16', 'f32'] as BlurDtype[]) {
    if (!doTessera && dtype === 'u16') continue;
    const plane = dtype === 'u16' ? new Uint16Array(H * W) : new Float32Array(H * W);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) plane[y * W + x] = img.data[(y * img.width + x) * 3 + 1]!;
    const jsOut = dtype === 'u16' ? new Uint16Array(H * W) : new Float32Array(H * W);
    const js = () => (dtype === 'u16' ? blurTwoPassU16(plane as Uint16Array, W, H, jsOut as Uint16Array) : blurTwoPassF32(plane as Float32Array, W, H, jsOut as Float32Array));
    js();
    const entry: Record<string, number> = {};
    const group = new SideBySide();
    let wasmOut: ArrayLike<number> | undefined;
    const blurRunner = (f: ReturnType<typeof compile>, name: string) => {
      const input = f.kernel!.alloc(dtype, [1, H, W]);
      input.data.set(plane);
      const out = f.kernel!.alloc(dtype, [1, H, W]);
      return {
        run: () => { f({ input }, { blur_y: out }); },
        check: () => {
          let worst = 0;
          out.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - jsOut[i]!)); });
          if (worst > (dtype === 'u16' ? 0 : 1e-3)) throw new Error(`blur ${dtype} ${name} differs from the plain-JS peer by ${worst}`);
        },
        out,
      };
    };
    if (doTessera) {
      const p = blurPipeline(dtype);
      for (const [name, sch] of [['tessera naive', naiveSchedule(p)], ['tessera', classicSchedule(p, dtype)], ['tessera 2T', classicSchedule(p, dtype)]] as const) {
        const f = name === 'tessera 2T' ? await onTwoThreads(compile(p, sch)) : compile(p, sch);
        const r = blurRunner(f, name);
        r.run();
        r.check();
        if (name === 'tessera') wasmOut = r.out.data.slice();
        group.add(name, r.run);
      }
      await addTuned(group, `blur_${dtype}`, (f) => blurRunner(f, 'tuned'));
      entry.js = time(js) / mp;
      // f32: WGSL's division may be 2.5 ULP off (WGSL § 15.7.2), so the blurs agree to 1e-3 of 255 as the wasm one does with JS.
      await webgpuColumn(entry, `blur_${dtype}`, p, blurGpuSchedule, { input: { data: plane, shape: [1, H, W] } },
        (o) => checkAgainst(`WebGPU blur ${dtype}`, o.blur_y?.data, wasmOut!, 'the wasm result', dtype === 'u16' ? 0 : 1e-3 / 255), 'ms/MP', (ms) => ms / mp);
    }
    if (dtype === 'f32') {
      // The pooling peers average only in-image pixels at the border, where clamp-to-edge differs: compare the interior.
      const interior = (a: ArrayLike<number>) => { const o: number[] = []; for (let y = 1; y < H - 1; y += 7) for (let x = 1; x < W - 1; x++) o.push(a[y * W + x]!); return o; };
      const ref = interior(jsOut);
      if (doTfjs) group.addTfjs('tfjs avgPool', tfjsAvgPool3x3(plane as Float32Array, H, W), ref, interior, 1e-5);
      if (doOrt) entry.ort = (await timeOrt('ort AveragePool', await ortAvgPool3x3(plane as Float32Array, H, W), ref, interior, 1e-5)) / mp;
    }
    group.time(`blur_${dtype}`, entry, (ms) => ms / mp);
    const extra: Row = entry.js !== undefined && entry.tessera !== undefined ? { 'scheduled vs JS': `${(entry.js / entry.tessera).toFixed(1)}x faster` } : {};
    addRow(`blur_${dtype}`, `blur 3x3 ${dtype} 1536x2560`, 'ms/MP', entry, extra);
  }
}

async function benchSgemm(): Promise<void> {
  const p = sgemmPipeline();
  const f = doTessera ? compile(p, sgemmSchedule(p)) : undefined;
  const parallelSchedule = () => { const sch = sgemmSchedule(p); sch.stage('C').parallel('jo'); return sch; };
  const f2 = doTessera ? await onTwoThreads(compile(p, parallelSchedule())) : undefined;
  // Sizes only WebGPU measures come last, in rows of their own.
  for (const n of [...SGEMM_SIZES, ...(gpu ? gpuSizes.filter((m) => !SGEMM_SIZES.includes(m)) : [])]) {
    const onWasm = SGEMM_SIZES.includes(n);
    const a = new Float32Array(n * n), b = new Float32Array(n * n);
    a.forEach((_, i) => { a[i] = ((i * 37) % 17) / 17 - 0.5; });
    b.forEach((_, i) => { b[i] = ((i * 13) % 19) / 19 - 0.5; });
    const ref = new Float32Array(n * n);
    const js = () => sgemmIKJ(a, b, ref, n);
    js();
    const gflop = (2 * n ** 3) / 1e9;
    const tol = 1e-5 * Math.sqrt(n);
    const entry: Record<string, number> = {};
    const group = new SideBySide();
    let wasmOut: ArrayLike<number> = ref;
    const gemmRunner = (g: ReturnType<typeof compile>, what: string) => {
      const A = g.kernel!.alloc('f32', [n, n]), B = g.kernel!.alloc('f32', [n, n]), C = g.kernel!.alloc('f32', [n, n]);
      A.data.set(a); B.data.set(b);
      return { run: () => { g({ A, B }, { C }); }, check: () => check(`Tessera SGEMM ${n} ${what}`, C.data, ref, tol), out: C };
    };
    if (f && onWasm) {
      const one = gemmRunner(f, '');
      one.run(); one.check();
      wasmOut = one.out.data.slice();
      group.add('tessera', one.run);
      const two = gemmRunner(f2!, 'on 2 threads');
      two.run(); two.check();
      group.add('tessera 2T', two.run);
      if (SGEMM_TUNED.includes(n)) await addTuned(group, `sgemm_${n}`, (g) => gemmRunner(g, 'tuned'));
      entry.js = gflop / (time(js, n >= 1024 ? 2 : 5, n >= 1024 ? 3 : count) / 1e3);
    }
    if (gpuSizes.includes(n)) {
      await webgpuColumn(entry, `sgemm_${n}`, p, sgemmGpuSchedule, { A: { data: a, shape: [n, n] }, B: { data: b, shape: [n, n] } },
        (o) => checkAgainst(`WebGPU SGEMM ${n}`, o.C?.data, wasmOut, onWasm ? 'the wasm result' : 'the plain-JS result', tol), 'GFLOP/s', (ms) => gflop / (ms / 1e3));
    }
    if (!onWasm) { addRow(`sgemm_${n}`, `SGEMM N=${n}`, 'GFLOP/s', entry); continue; }
    if (doTfjs) group.addTfjs(`tfjs matMul ${n}`, tfjsMatMul(a, b, n), ref, (x) => x, tol);
    group.time(`sgemm_${n}`, entry, (ms) => gflop / (ms / 1e3));
    if (doOrt) entry.ort = gflop / ((await timeOrt(`ort MatMul ${n}`, await ortMatMul(a, b, n), ref, (x) => x, tol)) / 1e3);
    const extra: Row = entry.js !== undefined ? { 'scheduled vs JS': `${(entry.tessera! / entry.js).toFixed(1)}x faster` } : {};
    addRow(`sgemm_${n}`, `SGEMM N=${n}`, 'GFLOP/s', entry, extra);
  }
}

/** Fills a resident tensor of `f` per input and returns a runner of `f` into a resident output. */
function tesseraRunner(f: ReturnType<typeof compile>, inputs: Record<string, { data: Float32Array; shape: number[] }>, outShape: number[]) {
  const ins = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, f.kernel!.alloc('f32', v.shape)]));
  const out = f.kernel!.alloc('f32', outShape);
  for (const [k, v] of Object.entries(inputs)) ins[k]!.data.set(v.data);   // after every alloc: views follow memory growth
  return { run: () => { f(ins, { out }); }, out: () => out.data };
}

/**
 * Tessera's figure for a conv workload on one thread and on two (the same schedule with `parallel`
 * loop `stage.axis`), each checked against `ref` before timing.
 * @returns the one-thread output
 */
async function tesseraConv(group: SideBySide, name: string, p: Pipeline, schedule: (p: Pipeline) => Schedule,
  parallel: [string, string], inputs: Record<string, { data: Float32Array; shape: number[] }>, outShape: number[],
  ref: ArrayLike<number>, tol: number): Promise<ArrayLike<number>> {
  const t = tesseraRunner(compile(p, schedule(p)), inputs, outShape);
  t.run(); check(`Tessera ${name}`, t.out(), ref, tol);
  const wasmOut = t.out().slice();
  group.add('tessera', t.run);
  const sch = schedule(p);
  sch.stage(parallel[0]).parallel(parallel[1]);
  const t2 = tesseraRunner(await onTwoThreads(compile(p, sch)), inputs, outShape);
  t2.run(); check(`Tessera ${name} on 2 threads`, t2.out(), ref, tol);
  group.add('tessera 2T', t2.run);
  await addTuned(group, name, (f) => {
    const r = tesseraRunner(f, inputs, outShape);
    return { run: r.run, check: () => check(`Tessera ${name} tuned`, r.out(), ref, tol) };
  });
  return wasmOut;
}

async function benchConv(kind: 'conv3x3' | 'conv1x1' | 'depthwise'): Promise<void> {
  const H = 56, W = 56, r = wl.random(7);
  const fill = (len: number, scale = 1) => Float32Array.from({ length: len }, () => r() * scale);
  const tol = 1e-5;
  const entry: Record<string, number> = {};
  const group = new SideBySide();
  let label: string, gflop: number;
  if (kind === 'conv3x3') {
    const C = 64, K = 64;
    label = 'conv 3x3 64->64 56x56'; gflop = (2 * K * C * 9 * H * W) / 1e9;
    const x = fill(C * H * W), w = fill(K * C * 9, 0.1), bias = fill(K);
    const ref = wl.conv3x3Reference(x, w, bias, 1, C, K, H, W);
    const p = conv2dPipeline({ N: 1, C, K, H, W });
    const inputs = { input: { data: x, shape: [1, C, H, W] }, weights: { data: w, shape: [K, C, 3, 3] }, bias: { data: bias, shape: [K] } };
    if (doTessera) {
      const wasmOut = await tesseraConv(group, 'conv3x3', p, conv2dSchedule, ['out', 'ko'], inputs, [1, K, H, W], ref, tol);
      await webgpuColumn(entry, 'conv3x3', p, conv2dGpuSchedule, inputs, (o) => checkAgainst('WebGPU conv3x3', o.out?.data, wasmOut, 'the wasm result', tol), 'GFLOP/s', (ms) => gflop / (ms / 1e3));
    }
    if (doTfjs) {
      const hwio = new Float32Array(9 * C * K);   // OIHW -> HWIO
      for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) for (let t = 0; t < 9; t++) hwio[(t * C + c) * K + k] = w[(k * C + c) * 9 + t]!;
      group.addTfjs('tfjs conv2d 3x3', tfjsConv2d(wl.nchwToNhwc(x, C, H, W), H, W, C, hwio, 3, 3, K, bias), ref, (y) => wl.nhwcToNchw(y, H, W, K), tol);
    }
    if (doOrt) entry.ort = gflop / ((await timeOrt('ort Conv 3x3', await ortConv(x, C, H, W, w, K, 3, 3, 1, bias), ref, (y) => y, tol)) / 1e3);
  } else if (kind === 'conv1x1') {
    const C = 64, K = 256, sizes = { N: 1, C, K, H, W };
    label = 'conv 1x1 64->256 56x56'; gflop = (2 * K * C * H * W) / 1e9;
    const x = fill(C * H * W), w = fill(K * C, 0.1);
    const ref = wl.conv1x1Reference(x, w, sizes);
    if (doTessera) await tesseraConv(group, 'conv1x1', wl.conv1x1Pipeline(sizes), wl.conv1x1Schedule, ['out', 'ko'], { input: { data: x, shape: [1, C, H, W] }, weights: { data: w, shape: [K, C] } }, [1, K, H, W], ref, tol);
    if (doTfjs) {
      const io = new Float32Array(C * K);
      for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) io[c * K + k] = w[k * C + c]!;
      group.addTfjs('tfjs conv2d 1x1', tfjsConv2d(wl.nchwToNhwc(x, C, H, W), H, W, C, io, 1, 1, K), ref, (y) => wl.nhwcToNchw(y, H, W, K), tol);
    }
    if (doOrt) entry.ort = gflop / ((await timeOrt('ort Conv 1x1', await ortConv(x, C, H, W, w, K, 1, 1), ref, (y) => y, tol)) / 1e3);
  } else {
    const C = 144, sizes = { N: 1, C, H, W };
    label = 'depthwise 3x3 C=144 56x56'; gflop = (2 * C * 9 * H * W) / 1e9;
    const x = fill(C * H * W), w = fill(C * 9, 0.3);
    const ref = wl.depthwiseReference(x, w, sizes);
    if (doTessera) await tesseraConv(group, 'depthwise', wl.depthwisePipeline(sizes), wl.depthwiseSchedule, ['out', 'c'], { input: { data: x, shape: [1, C, H, W] }, weights: { data: w, shape: [C, 3, 3] } }, [1, C, H, W], ref, tol);
    if (doTfjs) {
      const hwc = new Float32Array(9 * C);   // [C, 3, 3] -> [3, 3, C, 1]
      for (let c = 0; c < C; c++) for (let t = 0; t < 9; t++) hwc[t * C + c] = w[c * 9 + t]!;
      group.addTfjs('tfjs depthwiseConv2d', tfjsDepthwise(wl.nchwToNhwc(x, C, H, W), H, W, C, hwc), ref, (y) => wl.nhwcToNchw(y, H, W, C), tol);
    }
    if (doOrt) entry.ort = gflop / ((await timeOrt('ort Conv depthwise', await ortConv(x, C, H, W, w, C, 3, 3, C), ref, (y) => y, tol)) / 1e3);
  }
  group.time(kind, entry, (ms) => gflop / (ms / 1e3));
  addRow(kind, label, 'GFLOP/s', entry);
}

/**
 * exp and sigmoid over 2^20 f32 in [-10, 10): Tessera's polynomial on one and two threads, the same
 * stage through f64 host Math, plain JS, tfjs and ORT, each checked elementwise against f64 first.
 */
async function benchMath(): Promise<void> {
  const r = wl.random(11);
  const x = Float32Array.from({ length: MATH_SIZE }, () => r() * 20 - 10);
  const melem = MATH_SIZE / 1e6, tol = 1e-6;
  for (const fn of MATH_WORKLOADS) {
    const ref = mathReference(fn, x);
    const entry: Record<string, number> = {};
    if (doTessera) {
      for (const [name, hostMath, threads] of [['tessera', false, 1], ['tessera 2T', false, 2], ['tessera host Math', true, 1]] as const) {
        const p = mathPipeline(fn, hostMath);
        const sch = mathSchedule(p);
        if (threads === 2) sch.stage('out').parallel('io');
        const t = tesseraRunner(threads === 2 ? await onTwoThreads(compile(p, sch)) : compile(p, sch), { input: { data: x, shape: [MATH_SIZE] } }, [MATH_SIZE]);
        t.run();
        checkMath(`Tessera ${fn} (${name})`, t.out(), ref, tol);
        entry[name] = time(t.run) / melem;
      }
      const out = new Float32Array(MATH_SIZE);
      const js = () => mathJs(fn, x, out);
      js();
      checkMath(`plain-JS ${fn}`, out, ref, tol);
      entry.js = time(js) / melem;
    }
    const peerCheck: Checker = (what, got, want) => checkMath(what, got, want, tol, tol);
    if (doTfjs) entry.tfjs = (await timeTfjs(`tfjs ${fn}`, tfjsUnary(x, fn), ref, (y) => y, tol, 7, peerCheck)) / melem;
    if (doOrt) entry.ort = (await timeOrt(`ort ${fn}`, await ortUnary(x, fn === 'exp' ? 'Exp' : 'Sigmoid'), ref, (y) => y, tol, 7, peerCheck)) / melem;
    const host = entry['tessera host Math'];
    const extra: Row = host !== undefined ? { 'tessera host Math': host, 'polynomial vs host Math': `${(host / entry.tessera!).toFixed(1)}x faster` } : {};
    addRow(`math_${fn}`, `${fn} f32 2^20`, 'ms/M', entry, extra);
  }
}

/**
 * Whole models (bench/models.ts), ms per inference: Tessera 1T/2T, ort-web, ort-node and tfjs, each
 * checked against onnxruntime-node first, then timed interleaved; the arena peak next to its lower
 * bound; onnxruntime-web's cold start (median of fresh processes) and its .wasm size.
 */
async function benchModels(): Promise<void> {
  const arenas: Record<string, unknown> = {};
  const coldStarts: Record<string, unknown> = {};
  const tesseraArtifacts: Record<string, unknown> = {};
  const modelRecordsPath = opts['model-records'];
  const modelRecords = modelRecordsPath && existsSync(modelRecordsPath) ? await TuningDatabase.open(modelRecordsPath) : undefined;
  if (modelRecordsPath && !modelRecords) throw new Error(`--model-records: ${modelRecordsPath} does not exist`);
  for (const w of MODEL_WORKLOADS) {
    const r = await benchModel(w, { timeVariants: (v) => timeVariants(v, 5), doTessera, doOrtWeb: doOrt, doOrtNode: doTessera, doTfjs, coldStartRuns: ortChild === undefined ? count : 0, ...(modelRecords ? { records: modelRecords } : {}) });
    const extra: Row = r.arena ? { 'arena peak MB': Number((r.arena.peakBytes / 2 ** 20).toFixed(2)), 'lower bound MB': Number((r.arena.lowerBoundBytes / 2 ** 20).toFixed(2)), kernels: r.arena.kernels } : {};
    if (r.tunedKernels && modelRecords) extra['tuned kernels 1T/2T'] = r.tunedKernels.join('/');
    if (r.coldStart) { extra['ort-web cold start ms'] = Number(r.coldStart.medianMs.toFixed(0)); coldStarts[w.key] = r.coldStart; }
    if (r.tesseraColdStart) {
      extra['tessera cold start ms'] = Number(r.tesseraColdStart.medianMs.toFixed(0));
      extra['tessera artifact KB gz'] = Number((r.tesseraColdStart.size.codeGzipBytes / 1024).toFixed(1));
      tesseraArtifacts[w.key] = r.tesseraColdStart;
    }
    if (r.arena) arenas[w.key] = r.arena;
    addRow(w.key, w.label, 'ms', r.figures, extra);
  }
  if (Object.keys(arenas).length) results.models = arenas;
  if (Object.keys(tesseraArtifacts).length) results.tesseraArtifacts = { ...tesseraArtifacts, note: 'artifact = loader + minified runtime bundle + description + kernels, weights apart, gzipped; cold start = import + load + first inference on 1 thread in a fresh Node process (bench/tessera_cold_start.ts)' };
  if (modelRecordsPath) results.modelRecords = modelRecordsPath;
  if (ortChild === undefined) {
    const wasm = ortWebWasmSize();
    ortWebWasmNote = `${wasm.package}'s .wasm (${wasm.file}): ${(wasm.bytes / 1e6).toFixed(2)} MB, ${(wasm.gzipBytes / 1e6).toFixed(2)} MB gzipped; its cold start is import + session + first inference on 1 thread in a fresh Node process, the median of ${count}`;
    results.ortWeb = { wasm, coldStart: coldStarts, note: ortWebWasmNote };
  }
}
let ortWebWasmNote: string | undefined;

/** Opens the WebGPU device unless --no-gpu (or in the ORT child); says why when there is none. */
async function openGpu(): Promise<void> {
  if (!doTessera) return;
  if (opts['no-gpu']) { results.webgpu = { skipped: '--no-gpu' }; return; }
  const g = await openBenchGpu();
  if ('unavailable' in g) {
    results.webgpu = { unavailable: g.unavailable };
    console.log(`WebGPU: no column: ${g.unavailable}`);
    return;
  }
  gpu = g;
  console.log(gpu.note);
}

/** `--tune`: tunes the bench workloads (bench/tuned.ts) into the records file before benching. */
async function tuneFirst(): Promise<void> {
  if (!opts.tune || !doTessera) return;
  const number = (name: string, v: string) => {
    const n = Number(v);
    if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  const random = opts['tune-random'];
  const path = random ? recordsPath.replace(/(\.jsonl)?$/, '-random.jsonl') : recordsPath;
  const summaries = await tuneBenchWorkloads({
    records: path, summary: path.replace(/\.jsonl$/, '') + '.json',
    trials: number('tune-trials', opts['tune-trials']), minutes: number('tune-minutes', opts['tune-minutes']),
    threads: opts['tune-threads'].split(',').map((t) => number('tune-threads', t)), costModel: !random,
    only: (w) => only.has((w.key.startsWith('blur') ? 'blur' : w.key.startsWith('sgemm') ? 'sgemm' : w.key) as Workload),
    log: (line) => console.log(line),
  });
  results.tuning = summaries;
}

async function benchAll(): Promise<void> {
  await tuneFirst();
  if (doTessera && existsSync(recordsPath)) {
    records = await TuningDatabase.open(recordsPath);
    for (const w of records.warnings) console.log(`tuning records: ${w}`);
    results.records = recordsPath;
  }
  await openGpu();
  if (doTfjs) await initTfjs();
  if (doOrt) initOrt(ortChild ?? 1);
  if (only.has('blur')) await benchBlur();
  if (only.has('sgemm')) await benchSgemm();
  for (const k of ['conv3x3', 'conv1x1', 'depthwise'] as const) if (only.has(k)) await benchConv(k);
  if (only.has('math')) await benchMath();
  if (only.has('models')) await benchModels();
  await pool?.close();
  gpu?.ctx.destroy();
}

await benchAll();

if (ortChild !== undefined) {
  // Child process: report ORT's figures to the parent on the last line.
  console.log(JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, f.ort]))));
  process.exit(0);
}

let ort2Note: string | undefined;
if (!opts['no-ort2']) {
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--ort-child', '2', ...(opts.quick ? ['--quick'] : []), '--only', [...only].join(',')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 });
    const two = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number | undefined>;
    for (const [key, v] of Object.entries(two)) {
      if (v === undefined || !figures[key]) continue;
      figures[key]!['ort 2T'] = v;
      const row = rows.find((r) => r.workload === rowLabel(key));
      if (row) row['ort-web 2T'] = v;
    }
  } catch (e) {
    ort2Note = `ORT with 2 threads failed: ${(e as Error).message.split('\n')[0]}`;
  }
}
function rowLabel(key: string): string | undefined {
  return rows[Object.keys(figures).indexOf(key)]?.workload as string | undefined;
}

if (gpu) {
  results.webgpu = {
    adapter: gpu.ctx.adapterInfo, software: gpu.software, column: gpu.column, note: gpu.note,
    timings: gpuTimings, ...(Object.keys(gpuFailures).length ? { failures: gpuFailures } : {}),
  };
}
results.units = units;
results.figures = figures;
results.spreads = spreads;
results.table = rows;
if (ort2Note) results.ort2 = ort2Note;
const dir = fileURLToPath(new URL('../results/', import.meta.url));
const TITLES = {
  'GFLOP/s': 'GFLOP/s, one thread (ort 2T: two), higher is better',
  'ms/MP': 'ms per megapixel, one thread, lower is better',
  'ms/M': 'ms per million elements, one thread, lower is better',
  ms: 'whole models, ms per inference, lower is better',
} as const;
const panels: ChartPanel[] = (Object.keys(TITLES) as (keyof typeof TITLES)[]).map((unit) => {
  const keys = Object.keys(figures).filter((k) => units[k] === unit);
  const names = [...new Set(keys.flatMap((k) => Object.keys(figures[k]!)))];
  return {
    title: TITLES[unit],
    groups: keys.map((k) => rowLabel(k) ?? k),
    series: Object.fromEntries(names.map((n) => [n, keys.map((k) => figures[k]![n])])),
  };
}).filter((p) => p.groups.length > 0);
console.log(formatTable(rows));
console.log(`\n${fmaNote}.`);
if (ortWebWasmNote) console.log(`\n${ortWebWasmNote}.`);
if (ort2Note) console.log(`\n${ort2Note}`);
if (gpu) {
  const methods = [...new Set(Object.values(gpuTimings).map((t) => t.method))].join(', ') || 'none timed';
  const launches = Object.entries(gpuTimings).map(([key, t]) => `${key} ${t.samples}`).join(', ');
  console.log(`\n${gpu.note}\n'${gpu.column}': one launch of the GPU program on buffers already on the device (no uploads or read-backs), timed by ${methods}; median of launches: ${launches}.`);
  for (const [key, why] of Object.entries(gpuFailures)) console.log(`WebGPU ${key}: no figure: ${why}`);
}
const jsonPath = writeResults(dir, 'bench', results);
const svgPath = join(dir, 'bench.svg');
writeFileAtomic(svgPath, barChartSvg(panels));
console.log(`\none thread unless marked 2T; medians of ${count} runs; ratios are Tessera/peer (GFLOP/s: >1 Tessera faster; ms/MP, ms/M and ms: <1 Tessera faster); results written to ${jsonPath} and ${svgPath}`);
