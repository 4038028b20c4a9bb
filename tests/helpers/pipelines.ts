/**
 * Test pipelines. Each builder makes a FRESH pipeline (new stage objects every call, so a trace can be
 * replayed on a pipeline built independently of the one it was recorded on) and returns it with a
 * seeded input generator and the sizes the inputs use.
 *
 * Sizes are small and deliberately not multiples of the split factors the tests draw (13 x 37 ...), so
 * loop tails matter. Every pipeline here is well defined everywhere its consumers read it: inputs are
 * read only through boundary conditions (or, for matmul, strictly inside their shapes).
 */
import {
  type Pipeline, type Stage, type Term, placeholder, compute, sizeVar, pipeline, reduceAxis, sum, maximum,
  repeatEdge, constantExterior,
} from '../../dsl/index.js';
import type { DType, TypedArray } from '../../ir/dtype.js';
import type { Tensor } from '../../runtime/tensor.js';
import { randomUint32 } from '../../reference/random.js';

/** A pipeline under test. */
export interface TestPipeline {
  /** Short name, used in test titles and failure messages. */
  readonly name: string;
  readonly pipeline: Pipeline;
  /** Input tensors by name, deterministic in `seed`, of the shapes `sizes` gives. */
  readonly inputs: (seed?: number) => Record<string, Tensor>;
  /** The size variables' values the inputs are built with. */
  readonly sizes: Readonly<Record<string, number>>;
  /** The output stage names. */
  readonly outputs: readonly string[];
  /** Intermediate (non-output) stages that are real stages (not boundary conditions), producers first. */
  readonly intermediates: readonly string[];
  /** Whether outputs are floats (compared with a tolerance) rather than integers (bit-exact). */
  readonly float: boolean;
  /**
   * Stages (by name, including those rfactor derives from them) whose definitions read an input
   * without a boundary condition: over-computing their points reads outside the input.
   */
  readonly directReaders?: RegExp;
  /** A builder of the same pipeline (same sizes), for replaying traces on a fresh pipeline. */
  readonly rebuild: () => TestPipeline;
}

/** Deterministic PRNG (mulberry32, reference/random.ts) giving floats in [0, 1). */
export function rng(seed: number): () => number {
  const next = randomUint32(seed);
  return () => next() / 4294967296;
}

const ARRAY: Record<Exclude<DType, 'bool'>, new (n: number) => TypedArray> = {
  f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array, i16: Int16Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array,
};

/**
 * A tensor of `shape` with random values: integers uniform in [lo, hi], floats uniform in [lo, hi)
 * (rounded to f32 by the array).
 */
export function randomTensor(dtype: Exclude<DType, 'bool'>, shape: readonly number[], seed: number, lo: number, hi: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const data = new ARRAY[dtype](n);
  const isFloat = dtype === 'f32' || dtype === 'f64';
  for (let i = 0; i < n; i++) data[i] = isFloat ? lo + r() * (hi - lo) : lo + Math.floor(r() * (hi - lo + 1));
  return { data, shape: [...shape] };
}

/** blur_x(y, x) = (e(y, x-1) + e(y, x) + e(y, x+1)) / 3 with e = repeatEdge(input); blur_y likewise in y. */
function blur(dtype: 'u16' | 'f32', h: number, w: number, lo: number, hi: number): TestPipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [H, W], dtype);
  const e = repeatEdge(input);
  const blurX = compute('blur_x', [H, W], (y, x) => e.at(y, x.sub(1)).add(e.at(y, x)).add(e.at(y, x.add(1))).div(3));
  const blurY = compute('blur_y', [H, W], (y, x) => blurX.at(y.sub(1), x).add(blurX.at(y, x)).add(blurX.at(y.add(1), x)).div(3));
  return {
    name: `blur_${dtype}`,
    pipeline: pipeline(blurY),
    inputs: (seed = 1) => ({ input: randomTensor(dtype, [h, w], seed, lo, hi) }),
    sizes: { H: h, W: w },
    outputs: ['blur_y'],
    intermediates: ['blur_x'],
    float: dtype === 'f32',
    rebuild: () => blur(dtype, h, w, lo, hi),
  };
}

/** Two-stage 3x3 box blur of a u16 image (sums wrap modulo 2^16: the full value range is drawn). */
export const blurU16 = (h = 13, w = 37): TestPipeline => blur('u16', h, w, 0, 65535);
/** The same blur in f32. */
export const blurF32 = (h = 13, w = 37): TestPipeline => blur('f32', h, w, -100, 100);

/** C(i, j) = sum_k A(i, k) * B(k, j), all sizes symbolic (M, N, K). */
export function matmul(m = 13, n = 37, k = 11): TestPipeline {
  const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
  const A = placeholder('A', [M, K], 'f32'), B = placeholder('B', [K, N], 'f32');
  const r = reduceAxis(K, 'k');
  const C = compute('C', [M, N], (i, j) => sum(A.at(i, r).mul(B.at(r, j)), r));
  return {
    name: 'matmul',
    pipeline: pipeline(C),
    inputs: (seed = 1) => ({ A: randomTensor('f32', [m, k], seed, -1, 1), B: randomTensor('f32', [k, n], seed + 1000, -1, 1) }),
    sizes: { M: m, N: n, K: k },
    outputs: ['C'],
    intermediates: [],
    float: true,
    directReaders: /^C(_|$)/,
    rebuild: () => matmul(m, n, k),
  };
}

/**
 * 2-D convolution, NCHW, 3x3 kernel, padding 1 (zero padding through constantExterior), stride 1:
 * out(n, k, y, x) = sum_{c, ry, rx} pad(n, c, y + ry - 1, x + rx - 1) * weight(k, c, ry, rx).
 * Batch and channels are constants, H and W symbolic. A separate `bias_relu` stage follows it.
 */
export function conv2d(batch = 1, c = 3, kOut = 4, h = 7, w = 11): TestPipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [batch, c, H, W], 'f32');
  const weight = placeholder('weight', [kOut, c, 3, 3], 'f32');
  const pad = constantExterior(input, 0);
  const rc = reduceAxis(c, 'rc'), ry = reduceAxis(3, 'ry'), rx = reduceAxis(3, 'rx');
  const conv = compute('conv', [batch, kOut, H, W], (n, k, y, x) =>
    sum(pad.at(n, rc, y.add(ry).sub(1), x.add(rx).sub(1)).mul(weight.at(k, rc, ry, rx)), [rc, ry, rx]), { axes: ['n', 'k', 'y', 'x'] });
  const out = compute('out', [batch, kOut, H, W], (n, k, y, x) => conv.at(n, k, y, x).max(0), { axes: ['n', 'k', 'y', 'x'] });
  return {
    name: 'conv2d',
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({
      input: randomTensor('f32', [batch, c, h, w], seed, -1, 1),
      weight: randomTensor('f32', [kOut, c, 3, 3], seed + 1000, -1, 1),
    }),
    sizes: { H: h, W: w },
    outputs: ['out'],
    intermediates: ['conv'],
    float: true,
    directReaders: /^conv(_|$)/,
    rebuild: () => conv2d(batch, c, kOut, h, w),
  };
}

/**
 * conv2d written the way the ONNX import writes Conv + Relu: the sum, a bias add, then the
 * activation as the output, which reads the batch of one at index 0 (ONNX broadcasting).
 */
export function conv2dBiasRelu(c = 6, kOut = 8, h = 6, w = 9): TestPipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [1, c, H, W], 'f32');
  const weight = placeholder('weight', [kOut, c, 3, 3], 'f32');
  const bias = placeholder('bias', [kOut], 'f32');
  const pad = constantExterior(input, 0);
  const rc = reduceAxis(c, 'rc'), ry = reduceAxis(3, 'ry'), rx = reduceAxis(3, 'rx');
  const acc = compute('acc', [1, kOut, H, W], (n, k, y, x) =>
    sum(pad.at(n, rc, y.add(ry).sub(1), x.add(rx).sub(1)).mul(weight.at(k, rc, ry, rx)), [rc, ry, rx]), { axes: ['n', 'k', 'y', 'x'] });
  const biased = compute('biased', [1, kOut, H, W], (n, k, y, x) => acc.at(n, k, y, x).add(bias.at(k)), { axes: ['n', 'k', 'y', 'x'] });
  const out = compute('out', [1, kOut, H, W], (_n, k, y, x) => biased.at(0, k, y, x).max(0), { axes: ['n', 'k', 'y', 'x'] });
  return {
    name: 'conv2d_bias_relu',
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({
      input: randomTensor('f32', [1, c, h, w], seed, -1, 1),
      weight: randomTensor('f32', [kOut, c, 3, 3], seed + 1000, -1, 1),
      bias: randomTensor('f32', [kOut], seed + 2000, -1, 1),
    }),
    sizes: { H: h, W: w },
    outputs: ['out'],
    intermediates: ['acc', 'biased'],
    float: true,
    directReaders: /^(acc|biased)(_|$)/,
    rebuild: () => conv2dBiasRelu(c, kOut, h, w),
  };
}

/**
 * A 1x1 convolution as ops/conv_algorithms.ts 'pointwise' defines it: the sum over the pixels of a
 * plane laid end to end, acc [1, K, h * rowStride], read by the [1, K, h, w] output (plus a bias,
 * then Relu) at rowStride * y + x. rowStride w is the flattened GEMM; a wider one ('rows''s padded
 * rows) computes columns no one reads, and fusing y with x would not give acc's index.
 */
export function pointwiseConvRelu(c = 6, kOut = 8, h = 5, w = 7, rowStride = w): TestPipeline {
  const input = placeholder('input', [1, c, h, rowStride], 'f32');
  const weight = placeholder('weight', [kOut, c], 'f32');
  const bias = placeholder('bias', [kOut], 'f32');
  const rc = reduceAxis(c, 'rc');
  const acc = compute('acc', [1, kOut, h * rowStride], (n, k, p) => sum(input.at(n, rc, p.div(rowStride), p.mod(rowStride)).mul(weight.at(k, rc)), rc), { axes: ['n', 'k', 'p'] });
  const biased = compute('biased', [1, kOut, h, w], (n, k, y, x) => acc.at(n, k, y.mul(rowStride).add(x)).add(bias.at(k)), { axes: ['n', 'k', 'y', 'x'] });
  const out = compute('out', [1, kOut, h, w], (n, k, y, x) => biased.at(n, k, y, x).max(0), { axes: ['n', 'k', 'y', 'x'] });
  return {
    name: `pointwise_conv_relu${rowStride !== w ? '_strided' : ''}`,
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({
      input: randomTensor('f32', [1, c, h, rowStride], seed, -1, 1),
      weight: randomTensor('f32', [kOut, c], seed + 1000, -1, 1),
      bias: randomTensor('f32', [kOut], seed + 2000, -1, 1),
    }),
    sizes: {},
    outputs: ['out'],
    intermediates: ['acc', 'biased'],
    float: true,
    directReaders: /^(acc|biased)(_|$)/,
    rebuild: () => pointwiseConvRelu(c, kOut, h, w, rowStride),
  };
}

/**
 * A reduction with a boundary condition: an i16 sliding maximum over a 5-wide window centred on x
 * (reduction axis over [-2, 3), a non-zero minimum) of repeatEdge(input), then a 3-tall vertical
 * sum of it in i16 (wrapping), so the reduction is an intermediate with a consumer.
 */
export function slidingMax(h = 13, w = 37): TestPipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [H, W], 'i16');
  const e = repeatEdge(input);
  const r = reduceAxis([-2, 5], 'r');
  const smax = compute('smax', [H, W], (y, x) => maximum(e.at(y, x.add(r)), r));
  const vsum = compute('vsum', [H, W], (y, x) => smax.at(y.sub(1), x).add(smax.at(y, x)).add(smax.at(y.add(1), x)));
  return {
    name: 'sliding_max',
    pipeline: pipeline(vsum),
    inputs: (seed = 1) => ({ input: randomTensor('i16', [h, w], seed, -32768, 32767) }),
    sizes: { H: h, W: w },
    outputs: ['vsum'],
    intermediates: ['smax'],
    float: false,
    rebuild: () => slidingMax(h, w),
  };
}

/** A single-stage sliding maximum (the reduction is the output), for rfactor tests. 1-D, i32. */
export function rowMax(w = 37): TestPipeline {
  const W = sizeVar('W');
  const input = placeholder('input', [W], 'i32');
  const e = repeatEdge(input);
  const r = reduceAxis(7, 'r');
  const out = compute('rmax', [W], (x) => maximum(e.at(x.add(r).sub(3)), r));
  return {
    name: 'row_max',
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({ input: randomTensor('i32', [w], seed, -1000000, 1000000) }),
    sizes: { W: w },
    outputs: ['rmax'],
    intermediates: [],
    float: false,
    rebuild: () => rowMax(w),
  };
}

/** Row sums of an f32 matrix over a constant-extent reduction: rsum(y) = sum_x in(y, x). */
export function rowSum(h = 5, w = 37): TestPipeline {
  const H = sizeVar('H');
  const input = placeholder('input', [H, w], 'f32');
  const r = reduceAxis(w, 'r');
  const out = compute('rsum', [H], (y) => sum(input.at(y, r), r));
  return {
    name: 'row_sum',
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({ input: randomTensor('f32', [h, w], seed, -1, 1) }),
    sizes: { H: h },
    outputs: ['rsum'],
    intermediates: [],
    float: true,
    directReaders: /^rsum(_|$)/,
    rebuild: () => rowSum(h, w),
  };
}

/**
 * Three integer stages: f = e * 2 (e = repeatEdge(input), i32), g(y, x) = f(y, x-1) + f(y, x+1),
 * h(y, x) = g(y-1, x) - g(y+1, x). g and h read their producers outside their shapes.
 */
export function threeStage(h = 13, w = 37): TestPipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [H, W], 'i32');
  const e = repeatEdge(input);
  const f = compute('f', [H, W], (y, x) => e.at(y, x).mul(2));
  const g = compute('g', [H, W], (y, x) => f.at(y, x.sub(1)).add(f.at(y, x.add(1))));
  const hh = compute('h', [H, W], (y, x) => g.at(y.sub(1), x).sub(g.at(y.add(1), x)));
  return {
    name: 'three_stage',
    pipeline: pipeline(hh),
    inputs: (seed = 1) => ({ input: randomTensor('i32', [h, w], seed, -100000, 100000) }),
    sizes: { H: h, W: w },
    outputs: ['h'],
    intermediates: ['f', 'g'],
    float: false,
    rebuild: () => threeStage(h, w),
  };
}

/**
 * Integer casts: a u8 image widened to u16 (wide = 3*in + in(y, x+1), at most 1020), then
 * narrow(y, x) = u8(clamp(i16(wide(y, x-1)) - i16(wide(y, x+1)) / 2 + 128, 0, 255)): widening,
 * signed arithmetic on a narrow type, a division of a negative i16 (floor), narrowing with a clamp.
 */
export function castPipeline(h = 13, w = 37): TestPipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [H, W], 'u8');
  const e = repeatEdge(input);
  const wide = compute('wide', [H, W], (y, x) => e.at(y, x).cast('u16').mul(3).add(e.at(y, x.add(1)).cast('u16')));
  const s16 = (t: Term) => t.cast('i16');
  const narrow = compute('narrow', [H, W], (y, x) =>
    s16(wide.at(y, x.sub(1))).sub(s16(wide.at(y, x.add(1))).div(2)).add(128).clamp(0, 255).cast('u8'));
  return {
    name: 'cast_u8_i16',
    pipeline: pipeline(narrow),
    inputs: (seed = 1) => ({ input: randomTensor('u8', [h, w], seed, 0, 255) }),
    sizes: { H: h, W: w },
    outputs: ['narrow'],
    intermediates: ['wide'],
    float: false,
    rebuild: () => castPipeline(h, w),
  };
}

/**
 * A pointwise single-stage pipeline of any dtype over [H, W]: out = in * 3 + in(y, x+1) (clamped),
 * min'ed with a constant, for vectorization-width tests.
 */
export function pointwise(dtype: 'u8' | 'u16' | 'i16' | 'i32' | 'f32', h = 5, w = 37): TestPipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [H, W], dtype);
  const e = repeatEdge(input);
  const out = compute('out', [H, W], (y, x) => e.at(y, x).mul(3).add(e.at(y, x.add(1))).min(dtype === 'f32' ? 150.5 : 100));
  const [lo, hi] = { u8: [0, 255], u16: [0, 65535], i16: [-32768, 32767], i32: [-2147483648, 2147483647], f32: [-100, 100] }[dtype];
  return {
    name: `pointwise_${dtype}`,
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({ input: randomTensor(dtype, [h, w], seed, lo!, hi!) }),
    sizes: { H: h, W: w },
    outputs: ['out'],
    intermediates: [],
    float: dtype === 'f32',
    rebuild: () => pointwise(dtype, h, w),
  };
}

/**
 * A stride-2 read (what a stride-2 convolution or pooling window does): out(y, x) = in(y, 2x) -
 * in(y, 2x + 1) over an input exactly 2W wide, so a vector load past a row's last element would read
 * the next row (or past the buffer at the last row).
 */
export function decimate(dtype: 'u8' | 'u16' | 'i32' | 'f32' | 'f64', h = 3, w = 37): TestPipeline {
  const input = placeholder('input', [h, 2 * w], dtype);
  const out = compute('out', [h, w], (y, x) => input.at(y, x.mul(2)).sub(input.at(y, x.mul(2).add(1))));
  const [lo, hi] = { u8: [0, 255], u16: [0, 65535], i32: [-2147483648, 2147483647], f32: [-100, 100], f64: [-100, 100] }[dtype];
  return {
    name: `decimate_${dtype}`,
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({ input: randomTensor(dtype, [h, 2 * w], seed, lo!, hi!) }),
    sizes: {},
    outputs: ['out'],
    intermediates: [],
    float: dtype === 'f32' || dtype === 'f64',
    rebuild: () => decimate(dtype, h, w),
  };
}

/**
 * A transpose (what an NHWC result written back to NCHW does): out(a, b) = in(b, a) + 1, out [A, B]
 * from in [B, A], so a vector along a is stored B elements apart.
 */
export function transpose(dtype: 'i32' | 'f32', a = 8, b = 12): TestPipeline {
  const input = placeholder('input', [b, a], dtype);
  const out = compute('out', [a, b], (x, y) => input.at(y, x).add(1), { axes: ['a', 'b'] });
  const [lo, hi] = dtype === 'f32' ? [-100, 100] : [-1000000, 1000000];
  return {
    name: `transpose_${dtype}`,
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({ input: randomTensor(dtype, [b, a], seed, lo, hi) }),
    sizes: {},
    outputs: ['out'],
    intermediates: [],
    float: dtype === 'f32',
    rebuild: () => transpose(dtype, a, b),
  };
}

/** The pipelines the property tests cover. */
export const ALL: Readonly<Record<string, () => TestPipeline>> = {
  blur_u16: () => blurU16(),
  blur_f32: () => blurF32(),
  matmul: () => matmul(),
  conv2d: () => conv2d(),
  sliding_max: () => slidingMax(),
  three_stage: () => threeStage(),
  cast_u8_i16: () => castPipeline(),
};

export type { Stage };
