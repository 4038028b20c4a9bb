/**
 * Every workload of the benchmark, scheduled as in examples/ and bench/workloads.ts (the schedules
 * the figures come from), matches an independent reference: plain-JS loops in f64 for the
 * convolutions and SGEMM, the definition-level evaluator for the blur. Each runs on one thread and,
 * with its outer loop parallel, on a 2-thread pool.
 */
import test from 'ava';
import { compile, type Schedule } from '../tessera.js';
import type { Pipeline } from '../dsl/pipeline.js';
import { ThreadPool } from '../runtime/thread_pool.js';
import { evaluate } from '../reference/evaluate.js';
import { sgemmPipeline, sgemmSchedule } from '../examples/sgemm_pipeline.js';
import { blurPipeline, classicSchedule } from '../examples/blur_pipeline.js';
import { conv2dPipeline, conv2dSchedule } from '../examples/conv2d_pipeline.js';
import * as wl from '../bench/workloads.js';

let pool: ThreadPool;
test.before(async () => { pool = await ThreadPool.create(2); });
test.after.always(async () => { await pool?.close(); });

type Inputs = Record<string, { data: Float32Array | Uint16Array; shape: number[] }>;

/** Largest |got - want| / (1 + |want|). */
function worst(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  return w;
}

/** Runs `schedule()` on one thread and, with `parallel` marked, on two; checks both against `want`. */
async function checkBoth(t: import('ava').ExecutionContext, p: Pipeline, schedule: () => Schedule, parallel: [string, string], inputs: Inputs, output: string, want: ArrayLike<number>, tol: number): Promise<void> {
  const one = compile(p, schedule());
  const sch2 = schedule();
  sch2.stage(parallel[0]).parallel(parallel[1]);
  const two = compile(p, sch2);
  await two.kernel!.useThreadPool(pool);
  for (const [name, f] of [['1 thread', one], ['2 threads', two]] as const) {
    const got = f(inputs)[output]!.data;
    const err = worst(got, want);
    t.true(err <= tol, `${name}: worst relative error ${err} > ${tol}`);
  }
}

const rand = wl.random;

test('SGEMM (register tiles, packed B panel) matches plain loops at 256 and at sizes that are not multiples of the tile', async (t) => {
  for (const [M, N, K] of [[256, 256, 256], [100, 72, 37]] as const) {
    const r = rand(M + N + K);
    const a = Float32Array.from({ length: M * K }, () => r() - 0.5), b = Float32Array.from({ length: K * N }, () => r() - 0.5);
    const want = new Float64Array(M * N);
    for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) want[i * N + j]! += a[i * K + k]! * b[k * N + j]!;
    const p = sgemmPipeline();
    await checkBoth(t, p, () => sgemmSchedule(p), ['C', 'jo'], { A: { data: a, shape: [M, K] }, B: { data: b, shape: [K, N] } }, 'C', want, 1e-5);
  }
});

test('conv 3x3 64->64 56x56 (padded input at root, register tiles) matches plain loops', async (t) => {
  const C = 64, K = 64, H = 56, W = 56, r = rand(3);
  const x = Float32Array.from({ length: C * H * W }, () => r()), w = Float32Array.from({ length: K * C * 9 }, () => r() * 0.1), bias = Float32Array.from({ length: K }, () => r());
  const p = conv2dPipeline({ N: 1, C, K, H, W });
  await checkBoth(t, p, () => conv2dSchedule(p), ['out', 'ko'], { input: { data: x, shape: [1, C, H, W] }, weights: { data: w, shape: [K, C, 3, 3] }, bias: { data: bias, shape: [K] } }, 'out', wl.conv3x3Reference(x, w, bias, 1, C, K, H, W), 1e-5);
});

test('conv 1x1 64->256 56x56 matches plain loops', async (t) => {
  const sizes = { N: 1, C: 64, K: 256, H: 56, W: 56 }, r = rand(5);
  const x = Float32Array.from({ length: 64 * 56 * 56 }, () => r()), w = Float32Array.from({ length: 256 * 64 }, () => r() * 0.1);
  const p = wl.conv1x1Pipeline(sizes);
  await checkBoth(t, p, () => wl.conv1x1Schedule(p), ['out', 'ko'], { input: { data: x, shape: [1, 64, 56, 56] }, weights: { data: w, shape: [256, 64] } }, 'out', wl.conv1x1Reference(x, w, sizes), 1e-5);
});

test('depthwise 3x3 C=144 56x56 (padded plane per channel) matches plain loops', async (t) => {
  const sizes = { N: 1, C: 144, H: 56, W: 56 }, r = rand(9);
  const x = Float32Array.from({ length: 144 * 56 * 56 }, () => r()), w = Float32Array.from({ length: 144 * 9 }, () => r() * 0.3);
  const p = wl.depthwisePipeline(sizes);
  await checkBoth(t, p, () => wl.depthwiseSchedule(p), ['out', 'c'], { input: { data: x, shape: [1, 144, 56, 56] }, weights: { data: w, shape: [144, 3, 3] } }, 'out', wl.depthwiseReference(x, w, sizes), 1e-5);
});

for (const dtype of ['u16', 'f32'] as const) {
  test(`blur ${dtype} (classic schedule) matches the reference evaluator`, async (t) => {
    const shape = [2, 70, 300], n = 2 * 70 * 300, r = rand(11);
    const data = dtype === 'u16' ? Uint16Array.from({ length: n }, () => Math.floor(r() * 4096)) : Float32Array.from({ length: n }, () => r() * 255);
    const p = blurPipeline(dtype);
    const want = evaluate(p, { input: { data, shape } }).blur_y!.data;
    // Integer results must be bit-exact; f32 ones differ by reassociation only.
    await checkBoth(t, p, () => classicSchedule(p, dtype), ['blur_y', 'yo'], { input: { data, shape } }, 'blur_y', want, dtype === 'u16' ? 0 : 1e-6);
  });
}
