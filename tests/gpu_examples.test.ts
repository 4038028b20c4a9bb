/**
 * The examples' GPU schedules (sgemmGpuSchedule, blurGpuSchedule, conv2dGpuSchedule) compiled with
 * compileGpu and run on WebGPU (SwiftShader's Vulkan without a GPU; scripts/test.mjs sets
 * VK_ICD_FILENAMES) give what independent references give: plain JS loops for SGEMM, the
 * definition-level evaluator (reference/evaluate.ts) for the blur and the convolution. Sizes include
 * ones that are not multiples of the tiles, so the guarded and shifted tails run too.
 */
import type { ExecutionContext } from 'ava';
import { requireGpu } from './helpers/environment.js';
import { acquireGpu, compileGpu, type GpuContext, type Pipeline, type Schedule, type Tensor } from '../tessera.js';
import { sgemmGpuSchedule, sgemmPipeline } from '../examples/sgemm_pipeline.js';
import { blurGpuSchedule, blurPipeline } from '../examples/blur_pipeline.js';
import { conv2dGpuSchedule, conv2dPipeline } from '../examples/conv2d_pipeline.js';
import { random } from '../examples/random.js';
import { evaluate } from '../reference/evaluate.js';

const { test } = await requireGpu(import.meta.url);

let ctx: GpuContext;
test.before(async () => { ctx = await acquireGpu(); });
test.after.always(() => ctx?.destroy());

const SGEMM = sgemmPipeline(), BLUR_U16 = blurPipeline('u16'), BLUR_F32 = blurPipeline('f32'), CONV = conv2dPipeline();

/** Each pipeline is compiled with its GPU schedule once, on first use, and shared by the tests that run it. */
const compiled = new Map<Pipeline, ReturnType<typeof compileGpu>>();
function gpu(p: Pipeline, schedule: (p: Pipeline) => Schedule): ReturnType<typeof compileGpu> {
  if (!compiled.has(p)) compiled.set(p, compileGpu(p, schedule(p), { context: ctx }));
  return compiled.get(p)!;
}

/** Unit roundoff of f32. */
const U = 2 ** -24;

/**
 * C = A·B by plain JS loops in i-k-j order, summing in f32 as the GPU does; also Σk |A[i,k]·B[k,j]|
 * (in f64), the scale of the rounding errors of C[i,j].
 */
function sgemmReference(a: Float32Array, b: Float32Array, M: number, N: number, K: number): { c: Float32Array; scale: Float64Array } {
  const c = new Float32Array(M * N), scale = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const aik = a[i * K + k]!;
      for (let j = 0; j < N; j++) {
        const product = aik * b[k * N + j]!;
        c[i * N + j] += product;
        scale[i * N + j] += Math.abs(product);
      }
    }
  }
  return { c, scale };
}

/**
 * Runs sgemmGpuSchedule at M x N x K on seeded data in [-1, 1) and compares with sgemmReference.
 * Tolerance: a sum of K products evaluated in f32 in any order (with or without fused multiply-adds)
 * is within γ_K·Σ|a·b| of the exact sum, γ_K = K·u/(1 - K·u), u = 2^-24 (Higham, Accuracy and
 * Stability of Numerical Algorithms, §3.1); two such evaluations differ by at most 2·γ_K·Σ|a·b|, which
 * for K = 1024 is 1.2e-4 of Σ|a·b|. The bound is relative to Σ|a·b| rather than |C|, since C may
 * cancel to near 0 while its rounding errors do not. The bound is a worst case (the differences seen
 * are below 1% of it at K = 1024, logged): it never fails spuriously, and still catches a wrong
 * index, a lost tile or K step (errors of the order of Σ|a·b| itself, or of the 8 products of a step).
 */
async function checkSgemm(t: ExecutionContext, M: number, N: number, K: number): Promise<void> {
  const f = await gpu(SGEMM, sgemmGpuSchedule);
  const next = random(M * 7 + N * 3 + K);
  const a = new Float32Array(M * K).map(next), b = new Float32Array(K * N).map(next);
  const { C } = await f({ A: { data: a, shape: [M, K] }, B: { data: b, shape: [K, N] } });
  const { c, scale } = sgemmReference(a, b, M, N, K);
  const gamma = (K * U) / (1 - K * U);
  let worst = 0, worstAt = -1;
  for (let i = 0; i < c.length; i++) {
    const ratio = Math.abs(C!.data[i]! - c[i]!) / (2 * gamma * scale[i]!);
    if (!(ratio <= worst)) { worst = ratio; worstAt = i; }
  }
  t.log(`M=${M} N=${N} K=${K}: largest difference ${(worst * 100).toFixed(2)}% of the f32 bound 2γ_K·Σ|a·b|`);
  t.true(worst <= 1, `C[${Math.floor(worstAt / N)}, ${worstAt % N}] is ${C!.data[worstAt]}, plain JS loops say ${c[worstAt]}`);
}

test('sgemmGpuSchedule: M=N=K=1024 matches i-k-j JS loops within the f32 bound', async (t) => {
  // About 20 s on SwiftShader on a quiet 2-core machine (one launch; the schedule accumulates in C in
  // global memory between K steps).
  await checkSgemm(t, 1024, 1024, 1024);
});

test('sgemmGpuSchedule: M=100, N=72, K=37, no size a multiple of the 32 x 32 tile or the K step of 8', async (t) => {
  await checkSgemm(t, 100, 72, 37);
});

/** Whether `got` and `want` hold the same values at every index; the first difference in the message. */
function compare(t: ExecutionContext, got: Tensor, want: Tensor, close: (g: number, w: number) => boolean): void {
  t.deepEqual(got.shape, want.shape);
  const at = want.data.findIndex((w, i) => !close(got.data[i]!, w));
  t.is(at, -1, at < 0 ? '' : `element ${at}: got ${got.data[at]}, the reference evaluator says ${want.data[at]}`);
}

const BLUR_SHAPE = [3, 97, 203];

test('blurGpuSchedule u16 on [3, 97, 203] is bit-exact with the reference evaluator', async (t) => {
  const p = BLUR_U16, f = await gpu(p, blurGpuSchedule);
  const next = random(16);
  // The u16 blur is exact for inputs up to 21845 (3 x 21845 fits in 16 bits).
  const input = { data: Uint16Array.from({ length: 3 * 97 * 203 }, () => Math.floor((next() + 1) / 2 * 21846)), shape: BLUR_SHAPE };
  compare(t, (await f({ input })).blur_y!, evaluate(p, { input }).blur_y!, (g, w) => g === w);
});

test('blurGpuSchedule f32 on [3, 97, 203] matches the reference evaluator within WGSL division accuracy', async (t) => {
  const p = BLUR_F32, f = await gpu(p, blurGpuSchedule);
  const next = random(32);
  const input = { data: Float32Array.from({ length: 3 * 97 * 203 }, () => (next() + 1) * 128), shape: BLUR_SHAPE };
  // WGSL's f32 division is within 2.5 ULP (not correctly rounded, as the evaluator's is); the blur
  // divides twice and adds once in between, so about 6 ULP; 1e-6 is 8.4 ULP of 2^-23.
  compare(t, (await f({ input })).blur_y!, evaluate(p, { input }).blur_y!, (g, w) => Math.abs(g - w) <= 1e-6 * Math.abs(w));
});

/**
 * conv2dGpuSchedule against the evaluator on integer data: inputs in -8..8, weights in -4..4, bias in
 * -16..16, so every product and partial sum is an integer below 2^24 in magnitude, exact in f32 in any
 * order; the outputs must be the same bits.
 */
async function checkConv(t: ExecutionContext, N: number, C: number, K: number, H: number, W: number): Promise<void> {
  const p = CONV, f = await gpu(p, conv2dGpuSchedule);
  const next = random(N + C + K + H + W);
  const ints = (n: number, max: number) => new Float32Array(n).map(() => Math.round(next() * max));
  const inputs = {
    input: { data: ints(N * C * H * W, 8), shape: [N, C, H, W] },
    weights: { data: ints(K * C * 9, 4), shape: [K, C, 3, 3] },
    bias: { data: ints(K, 16), shape: [K] },
  };
  compare(t, (await f(inputs)).out!, evaluate(p, inputs).out!, (g, w) => g === w);
}

test('conv2dGpuSchedule: N=1, C=16, K=32, 28 x 28 is bit-exact with the reference evaluator on integer data', async (t) => {
  await checkConv(t, 1, 16, 32, 28, 28);
});

test('conv2dGpuSchedule: N=2, C=3, K=6, 11 x 19 (K, H and W not multiples of the 4 x 8 x 16 tile)', async (t) => {
  await checkConv(t, 2, 3, 6, 11, 19);
});
