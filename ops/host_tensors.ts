/**
 * Constant tensors on the host: reading their values as numbers, building new ones, and the shape
 * arithmetic every operator shares (numpy broadcasting, axis normalisation, row-major strides).
 */
import type { ConstData, ConstTensor, ModelDType, TensorInfo } from '../graph/ir.js';
import type { OpContext } from './op.js';
import { fail } from './attributes.js';

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Row-major strides of `shape` in elements (the last axis has stride 1). */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

const FLOATS: ReadonlySet<ModelDType> = new Set(['f32', 'f16', 'f64']);
export const isFloatType = (t: ModelDType): boolean => FLOATS.has(t);

/**
 * The values of a constant as JS numbers. int64 values are exact within ±2^53; beyond, they saturate to
 * ±(2^53 - 1), which keeps the meaning of the spec's INT64_MAX / INT64_MIN "to the end" markers (Slice).
 */
export function constValues(t: ConstTensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        // INT64_MAX/MIN are the spec's "to the end" markers (Slice); they saturate to the safe range.
        out[i] = v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
        continue;
      }
      out[i] = Number(v);
    } else out[i] = v;
  }
  return out;
}

/** A typed array of `dtype` (graph/ir.ts ConstData) holding `values`, rounded or wrapped as that type stores them. */
export function constData(dtype: ModelDType, values: readonly number[]): ConstData {
  switch (dtype) {
    case 'f32': case 'f16': {
      const a = Float32Array.from(values);
      if (dtype === 'f16') for (let i = 0; i < a.length; i++) a[i] = roundToHalf(a[i]!);
      return a;
    }
    case 'f64': return Float64Array.from(values);
    case 'i64': return BigInt64Array.from(values, (v) => saturatingBigInt(v, -(2n ** 63n), 2n ** 63n - 1n));
    case 'u64': return BigUint64Array.from(values, (v) => saturatingBigInt(v, 0n, 2n ** 64n - 1n));
    case 'i32': return Int32Array.from(values, Math.trunc);
    case 'u32': return Uint32Array.from(values, Math.trunc);
    case 'i16': return Int16Array.from(values, Math.trunc);
    case 'u16': return Uint16Array.from(values, Math.trunc);
    case 'i8': return Int8Array.from(values, Math.trunc);
    case 'u8': return Uint8Array.from(values, Math.trunc);
    case 'bool': return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  }
}

/** `v` truncated to an integer and saturated to [lo, hi] (2^63 and above is INT64_MAX, as the spec's markers mean). */
function saturatingBigInt(v: number, lo: bigint, hi: bigint): bigint {
  if (Number.isNaN(v)) return 0n;
  if (!Number.isFinite(v)) return v > 0 ? hi : lo;
  const b = BigInt(Math.trunc(v));
  return b < lo ? lo : b > hi ? hi : b;
}

/** A constant tensor of `dtype` and `shape` holding `values` (row-major). */
export function makeConst(dtype: ModelDType, shape: readonly number[], values: readonly number[]): ConstTensor {
  if (values.length !== numel(shape)) throw new RangeError(`makeConst: ${values.length} values for shape [${shape.join(', ')}]`);
  return { dtype, shape: [...shape], data: constData(dtype, values) };
}

/**
 * `x` rounded to the nearest IEEE binary16 value (ties to even), as a double: what a float16 tensor
 * holds. Overflow (|x| >= 65520) gives ±Infinity; NaN stays NaN.
 */
export function roundToHalf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  // Quantum of the binade: 2^(e - 10) for normal halves, 2^-24 for subnormals.
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  let q = 2 ** (e - 10);
  if (a / q >= 2048) q *= 2; // log2 rounded up at the top of a binade
  const n = a / q, f = Math.floor(n), r = n - f;
  const m = r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(x) * m * q;
}

/**
 * An axis in [-rank, rank) as its index in [0, rank).
 * @throws OpError naming `what` when it is out of range
 */
export function normalizeAxis(ctx: OpContext, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) fail(ctx, `${what} ${axis} is out of range for rank ${rank} (it must be in [${-rank}, ${rank - 1}])`);
  return axis < 0 ? axis + rank : axis;
}

/**
 * The multidirectional (numpy) broadcast of `shapes` (ONNX Broadcasting.md): aligned at the last axis,
 * each dimension equal or 1.
 * @throws OpError naming the two shapes that do not broadcast
 */
export function broadcastShapes(ctx: OpContext, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = rank - s.length + i, v = s[i]!;
      if (v === out[d] || v === 1) continue;
      if (out[d] === 1) { out[d] = v; continue; }
      fail(ctx, `input shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')} do not broadcast (dimension ${d}: ${out[d]} and ${v})`);
    }
  }
  return out;
}

/** Input `i`'s type, or an OpError saying the required input is missing. */
export function requireInput(ctx: OpContext, i: number, what: string): TensorInfo {
  const t = ctx.inputs[i];
  if (!t) fail(ctx, `input ${i} (${what}) is required`);
  return t;
}

/** Whether optional input `i` is present. */
export const hasInput = (ctx: OpContext, i: number): boolean => ctx.inputs[i] !== undefined;

/**
 * The values of input `i`, which the op needs at compile time (a shape, axes, pads).
 * @throws OpError when the input is present but not constant
 */
export function constInput(ctx: OpContext, i: number, what: string): number[] | undefined {
  if (!ctx.inputs[i]) return undefined;
  const c = ctx.consts[i];
  if (!c) fail(ctx, `input ${i} (${what}) must be known at compile time (an initializer, a Constant or a folded value); computed values are not supported`);
  return constValues(c);
}

/** Every dtype of `inputs` (present ones) is one of `allowed`. @throws OpError naming the input and its dtype */
export function checkDTypes(ctx: OpContext, allowed: readonly ModelDType[], indices?: readonly number[]): void {
  for (const [i, t] of ctx.inputs.entries()) {
    if (!t || (indices && !indices.includes(i))) continue;
    if (!allowed.includes(t.dtype)) fail(ctx, `input ${i} has dtype ${t.dtype}; ${ctx.node.op} takes ${allowed.join(', ')}`);
  }
}

export const FLOAT_TYPES: readonly ModelDType[] = ['f32', 'f16', 'f64'];
export const NUMERIC_TYPES: readonly ModelDType[] = ['f32', 'f16', 'f64', 'i64', 'i32', 'i16', 'i8', 'u64', 'u32', 'u16', 'u8'];
export const ALL_TYPES: readonly ModelDType[] = [...NUMERIC_TYPES, 'bool'];
