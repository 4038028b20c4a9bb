/**
 * Scalar element types of Tessera tensors and their properties.
 *
 * Integer arithmetic wraps to the type's width (two's complement), as in Halide. `bool` is the type of
 * comparisons; it is never stored in a tensor.
 */
import { type StorageDType, type TypedArray, type TypedArrayConstructor, STORAGE_DTYPES, storageArrayType, dtypeOfArray } from '../runtime/dtype.js';

export type DType = StorageDType | 'bool';
export type { TypedArray };
export { dtypeOfArray };

export const DTYPES: readonly DType[] = STORAGE_DTYPES;

interface DTypeInfo {
  readonly bits: number;
  readonly isFloat: boolean;
  readonly isSigned: boolean;
  readonly arrayType: TypedArrayConstructor;
}

const INFO: Record<StorageDType, DTypeInfo> = {
  f32: { bits: 32, isFloat: true, isSigned: true, arrayType: storageArrayType('f32') },
  f64: { bits: 64, isFloat: true, isSigned: true, arrayType: storageArrayType('f64') },
  i32: { bits: 32, isFloat: false, isSigned: true, arrayType: storageArrayType('i32') },
  u32: { bits: 32, isFloat: false, isSigned: false, arrayType: storageArrayType('u32') },
  i16: { bits: 16, isFloat: false, isSigned: true, arrayType: storageArrayType('i16') },
  u16: { bits: 16, isFloat: false, isSigned: false, arrayType: storageArrayType('u16') },
  i8: { bits: 8, isFloat: false, isSigned: true, arrayType: storageArrayType('i8') },
  u8: { bits: 8, isFloat: false, isSigned: false, arrayType: storageArrayType('u8') },
};

function info(t: DType): DTypeInfo {
  if (t === 'bool') throw new TypeError('bool has no storage representation');
  return INFO[t];
}

export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && (s === 'bool' || s in INFO);
}
export const bits = (t: DType): number => (t === 'bool' ? 1 : info(t).bits);
export const bytes = (t: DType): number => info(t).bits / 8;
export const isFloat = (t: DType): boolean => t !== 'bool' && info(t).isFloat;
export const isInt = (t: DType): boolean => t !== 'bool' && !info(t).isFloat;
export const isSigned = (t: DType): boolean => t !== 'bool' && info(t).isSigned;
export const arrayTypeOf = (t: DType) => info(t).arrayType;

/**
 * Wraps or rounds the exact result `v` of an arithmetic operation on values of type `t` to `t`:
 * f32 rounds to nearest (Math.fround), integers wrap to their width (two's complement), bool is 0/1.
 */
export function wrap(t: DType, v: number): number {
  switch (t) {
    case 'f32': return Math.fround(v);
    case 'f64': return v;
    case 'bool': return v ? 1 : 0;
    case 'i32': return toInt32(v);
    case 'u32': return toInt32(v) >>> 0;
    case 'i16': return (toInt32(v) << 16) >> 16;
    case 'u16': return toInt32(v) & 0xffff;
    case 'i8': return (toInt32(v) << 24) >> 24;
    case 'u8': return toInt32(v) & 0xff;
  }
}

/** Exact modulo-2^32 wrap of an integral double (beyond 2^53 precision is already lost). */
function toInt32(v: number): number {
  if (Math.abs(v) < 2147483648) return v | 0;
  const m = v - Math.floor(v / 4294967296) * 4294967296;
  return m | 0;
}

/**
 * Tessera's cast semantics, shared by every backend: float -> float rounds to nearest; float -> int
 * truncates toward zero and saturates to the i32 range (u32: to [0, 2^32-1]), NaN -> 0 (WebAssembly's
 * `trunc_sat`), then wraps to the target width; int -> int wraps; int -> float rounds to nearest.
 */
export function convert(from: DType, to: DType, v: number): number {
  if (to === 'bool') return v !== 0 ? 1 : 0;
  if (isFloat(from) && !isFloat(to)) {
    let x = Number.isNaN(v) ? 0 : Math.trunc(v);
    if (to === 'u32') return Math.min(Math.max(x, 0), 4294967295);
    x = Math.min(Math.max(x, -2147483648), 2147483647);
    return wrap(to, x);
  }
  return wrap(to, v);
}

/** Smallest and largest values of an integer dtype. */
export function intRange(t: DType): [number, number] {
  switch (t) {
    case 'i32': return [-2147483648, 2147483647];
    case 'u32': return [0, 4294967295];
    case 'i16': return [-32768, 32767];
    case 'u16': return [0, 65535];
    case 'i8': return [-128, 127];
    case 'u8': return [0, 255];
    case 'bool': return [0, 1];
    default: throw new TypeError(`${t} is not an integer type`);
  }
}

/** Whether a value of `from` can be reinterpreted as `to`: two storage types of the same width. */
export function canReinterpret(from: DType, to: DType): boolean {
  return from !== 'bool' && to !== 'bool' && bits(from) === bits(to);
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * The value of `to` whose bits are those of the `from` value `v` (C++'s std::bit_cast, WebAssembly's
 * `reinterpret`, WGSL's `bitcast`): f32 <-> i32/u32 exchange IEEE 754 binary32 bit patterns; between
 * integer types of one width it is the two's-complement wrap. NaN payloads are not preserved.
 * @throws TypeError when the widths differ (see canReinterpret)
 */
export function reinterpretValue(from: DType, to: DType, v: number): number {
  if (!canReinterpret(from, to)) throw new TypeError(`cannot reinterpret ${from} as ${to}: the types have different widths`);
  if (from === to) return v;
  if (from === 'f32') scratch.setFloat32(0, v, true);
  else scratch.setInt32(0, v | 0, true);
  if (to === 'f32') return scratch.getFloat32(0, true);
  return wrap(to, scratch.getInt32(0, true));
}
