/**
 * The convolution workloads of `npm run bench` on Tessera's side (NCHW, f32, batch 1), with the
 * schedules the benchmark times and the plain-JS f64 references every implementation is checked
 * against. Sizes are fixed at compile time, as in examples/conv2d_pipeline.ts.
 *
 *   conv 3x3 64->64 56x56 pad 1: examples/conv2d_pipeline.ts (with bias);
 *   conv 1x1 64->256 56x56:      out(n, k, y, x) = sum_c input(n, c, y, x) * weights(k, c)
 *   depthwise 3x3 C=144 56x56 pad 1:
 *                                out(n, c, y, x) = sum_{ry, rx} padded(n, c, y+ry-1, x+rx-1) * weights(c, ry, rx)
 */
import { compute, constantExterior, placeholder, pipeline, reduceAxis, sum, type Pipeline } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';
export { random } from '../examples/random.js';

export interface Conv1x1Sizes { N: number; C: number; K: number; H: number; W: number }
export interface DepthwiseSizes { N: number; C: number; H: number; W: number }

/** Inputs `input` [N, C, H, W] and `weights` [K, C]; output `out` [N, K, H, W]. */
export function conv1x1Pipeline({ N, C, K, H, W }: Conv1x1Sizes): Pipeline {
  const input = placeholder('input', [N, C, H, W], 'f32');
  const weights = placeholder('weights', [K, C], 'f32');
  const c = reduceAxis(C, 'c');
  const out = compute('out', [N, K, H, W], (n, k, y, x) => sum(input.at(n, c, y, x).mul(weights.at(k, c)), c), { axes: ['n', 'k', 'y', 'x'] });
  return pipeline(out);
}

/**
 * SGEMM-like register tiles: `out` in tiles of `rows` output channels x `lanes` pixels of a row, the
 * sum accumulated in `out_local` per tile with c outermost, k unrolled and x vectorized.
 */
export function conv1x1Schedule(p: Pipeline, rows = 4, lanes = 8): Schedule {
  const sch = new Schedule(p);
  const acc = sch.stage('out').cacheWrite();
  const out = sch.stage('out');
  out.tile('k', 'x', rows, lanes);          // n, ko, y?, ...: tile() replaces k and x by ko, xo, ki, xi
  out.reorder('ko', 'y', 'xo', 'ki', 'xi');
  out.vectorize('xi');
  out.unroll('ki');
  const local = sch.stage(acc);
  local.computeAt('out', 'xo');
  local.reorder('c', 'k', 'x');
  local.vectorize('x');
  local.unroll('k');
  return sch;
}

/** Inputs `input` [N, C, H, W] and `weights` [C, 3, 3]; output `out` [N, C, H, W]; zero padding 1. */
export function depthwisePipeline({ N, C, H, W }: DepthwiseSizes): Pipeline {
  const input = placeholder('input', [N, C, H, W], 'f32');
  const weights = placeholder('weights', [C, 3, 3], 'f32');
  const padded = constantExterior(input, 0);
  const ry = reduceAxis(3, 'ry'), rx = reduceAxis(3, 'rx');
  const out = compute('out', [N, C, H, W], (n, c, y, x) =>
    sum(padded.at(n, c, y.add(ry).sub(1), x.add(rx).sub(1)).mul(weights.at(c, ry, rx)), [ry, rx]), { axes: ['n', 'c', 'y', 'x'] });
  return pipeline(out);
}

/**
 * Strips of `lanes` pixels on `rows` rows; each strip's 9-tap sums accumulated in registers, the rows
 * of the tile and of the window unrolled (rx stays a loop: fully unrolled, V8 spills). The zero-padded
 * input is computed per channel (a 58 x 58 plane that stays in cache), so no load tests the image's
 * edges: 6.5 -> 12.6 GFLOP/s at C=144 56x56 on one thread.
 */
export function depthwiseSchedule(p: Pipeline, lanes = 8, rows = 2): Schedule {
  const sch = new Schedule(p);
  const acc = sch.stage('out').cacheWrite();
  const out = sch.stage('out');
  out.vectorize('x', lanes, { tail: 'guard' });
  out.split('y', rows, { outer: 'yo', inner: 'yi' });
  out.reorder('yo', 'xo', 'yi');
  out.unroll('yi');
  const local = sch.stage(acc);
  local.computeAt('out', 'xo');
  local.reorder('ry', 'rx', 'y', 'x');
  local.vectorize('x');
  local.unroll('y');
  local.unroll('ry');
  const padded = sch.stage('input_ext');
  padded.computeAt('out', 'c');
  padded.vectorize('d3', lanes);
  return sch;
}

/** f64 reference of the 3x3 pad-1 convolution with bias, NCHW; weights [K, C, 3, 3]. */
export function conv3x3Reference(input: Float32Array, weights: Float32Array, bias: Float32Array | undefined, N: number, C: number, K: number, H: number, W: number): Float64Array {
  const out = new Float64Array(N * K * H * W);
  const row = new Float64Array(W);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let y = 0; y < H; y++) {
    row.fill(bias ? bias[k]! : 0);
    for (let c = 0; c < C; c++) for (let ry = 0; ry < 3; ry++) {
      const iy = y + ry - 1;
      if (iy < 0 || iy >= H) continue;
      const base = ((n * C + c) * H + iy) * W;
      for (let rx = 0; rx < 3; rx++) {
        const w = weights[((k * C + c) * 3 + ry) * 3 + rx]!;
        const x0 = Math.max(0, 1 - rx), x1 = Math.min(W, W + 1 - rx);
        for (let x = x0; x < x1; x++) row[x] += input[base + x + rx - 1]! * w;
      }
    }
    out.set(row, ((n * K + k) * H + y) * W);
  }
  return out;
}

/** f64 reference of the 1x1 convolution, NCHW; weights [K, C]. */
export function conv1x1Reference(input: Float32Array, weights: Float32Array, { N, C, K, H, W }: Conv1x1Sizes): Float64Array {
  const out = new Float64Array(N * K * H * W), HW = H * W;
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) {
    const o = (n * K + k) * HW;
    for (let c = 0; c < C; c++) {
      const w = weights[k * C + c]!, i = (n * C + c) * HW;
      for (let p = 0; p < HW; p++) out[o + p] += input[i + p]! * w;
    }
  }
  return out;
}

/** f64 reference of the depthwise 3x3 pad-1 convolution, NCHW; weights [C, 3, 3]. */
export function depthwiseReference(input: Float32Array, weights: Float32Array, { N, C, H, W }: DepthwiseSizes): Float64Array {
  const out = new Float64Array(N * C * H * W);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const plane = (n * C + c) * H * W;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      let acc = 0;
      for (let ry = 0; ry < 3; ry++) for (let rx = 0; rx < 3; rx++) {
        const iy = y + ry - 1, ix = x + rx - 1;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W) acc += input[plane + iy * W + ix]! * weights[(c * 3 + ry) * 3 + rx]!;
      }
      out[plane + y * W + x] = acc;
    }
  }
  return out;
}

/** Largest |a[i] - b[i]| relative to max(1, max |b|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0, scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst / scale;
}

/** NHWC [H, W, C] (batch 1) to NCHW [C, H, W]. */
export function nhwcToNchw(a: ArrayLike<number>, H: number, W: number, C: number): Float32Array {
  const out = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) out[(c * H + y) * W + x] = a[(y * W + x) * C + c]!;
  return out;
}

/** NCHW [C, H, W] (batch 1) to NHWC [H, W, C]. */
export function nchwToNhwc(a: ArrayLike<number>, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(H * W * C);
  for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[(y * W + x) * C + c] = a[(c * H + y) * W + x]!;
  return out;
}
