/**
 * Model inputs and outputs at the API, in their ONNX dtypes, and their conversion to and from the
 * dtypes kernels hold (runtime/model_dtype.ts): f16 travels as Uint16Array bits (as onnxruntime-web
 * passes it) and is widened to f32; int64 as BigInt64Array, narrowed to i32 with a range check; bool
 * as Uint8Array of 0/1.
 */
import { ArgumentError } from './tensor.js';
import type { ModelDType } from './model_dtype.js';
import { kernelDType } from './model_dtype.js';
import { storageArrayType as arrayTypeOf } from './dtype.js';
import { f16ToF32, f32ToF16 } from './f16.js';

export type ModelArray =
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array
  | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

/** A model input or output: row-major data, its shape, and its dtype (needed to mark f16 and bool). */
export interface ModelTensor {
  readonly data: ModelArray;
  readonly shape: readonly number[];
  readonly dtype?: ModelDType;
}

const ARRAY: Record<ModelDType, { new (n: number): ModelArray; name: string }> = {
  f32: Float32Array, f16: Uint16Array, f64: Float64Array, i64: BigInt64Array, u64: BigUint64Array, i32: Int32Array,
  i16: Int16Array, i8: Int8Array, u32: Uint32Array, u16: Uint16Array, u8: Uint8Array, bool: Uint8Array,
};

/** The typed array a model dtype travels in at the API. */
export const modelArrayType = (t: ModelDType) => ARRAY[t];

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Checks a feed against the input it is for.
 * @throws ArgumentError naming the input for a wrong array type or dtype, rank, extent or length
 */
export function checkFeed(model: string, spec: { name: string; dtype: ModelDType; shape: readonly number[] }, t: ModelTensor): void {
  const what = `${model}: input ${spec.name}`;
  if (typeof t !== 'object' || t === null || !('data' in t) || !Array.isArray(t.shape)) throw new ArgumentError(`${what} must be { data, shape }`);
  const T = ARRAY[spec.dtype];
  if (t.dtype !== undefined && t.dtype !== spec.dtype) throw new ArgumentError(`${what} has dtype ${spec.dtype}, got dtype ${JSON.stringify(t.dtype)}`);
  if (!(t.data instanceof T)) {
    const got = (t.data as object)?.constructor?.name ?? typeof t.data;
    throw new ArgumentError(`${what} has dtype ${spec.dtype} and takes a ${T.name}${spec.dtype === 'f16' ? ' of IEEE binary16 bits' : ''}, got ${got}`);
  }
  if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
    throw new ArgumentError(`${what} has shape [${spec.shape.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  if (t.data.length !== numel(spec.shape)) throw new ArgumentError(`${what} has ${t.data.length} elements, but its shape [${spec.shape.join(', ')}] needs ${numel(spec.shape)}`);
}

/**
 * Writes a checked feed into `memory` at `address`, in the kernel dtype.
 * @throws ArgumentError naming the input and element when an int64/uint64 value does not fit 32 bits
 */
export function writeFeed(model: string, spec: { name: string; dtype: ModelDType }, data: ModelArray, buffer: ArrayBufferLike, address: number): void {
  const kt = kernelDType(spec.dtype);
  const dst = new (arrayTypeOf(kt))(buffer, address, data.length);
  switch (spec.dtype) {
    case 'f16': f16ToF32(data as Uint16Array, dst as Float32Array); return;
    case 'i64': case 'u64': {
      const lo = spec.dtype === 'i64' ? -2147483648n : 0n, hi = spec.dtype === 'i64' ? 2147483647n : 4294967295n;
      const src = data as BigInt64Array | BigUint64Array;
      for (let i = 0; i < src.length; i++) {
        const v = src[i]!;
        if (v < lo || v > hi) throw new ArgumentError(`${model}: input ${spec.name} element ${i} is ${v}, outside the ${kt} range that Tessera's kernels hold ${spec.dtype} values in`);
        dst[i] = Number(v);
      }
      return;
    }
    case 'bool': for (let i = 0; i < data.length; i++) dst[i] = data[i] ? 1 : 0; return;
    default: (dst as Float32Array).set(data as Float32Array);
  }
}

/** Reads an output from `memory` at `address` (kernel dtype) into a new array of its model dtype. */
export function readOutput(spec: { dtype: ModelDType; shape: readonly number[] }, buffer: ArrayBufferLike, address: number): ModelTensor {
  const n = numel(spec.shape);
  const src = new (arrayTypeOf(kernelDType(spec.dtype)))(buffer, address, n);
  let data: ModelArray;
  switch (spec.dtype) {
    case 'f16': data = f32ToF16(src); break;
    case 'i64': data = BigInt64Array.from(src as Int32Array, (v) => BigInt(v)); break;
    case 'u64': data = BigUint64Array.from(src as Uint32Array, (v) => BigInt(v)); break;
    default: data = (src as Float32Array).slice();
  }
  return { data, shape: [...spec.shape], dtype: spec.dtype };
}
