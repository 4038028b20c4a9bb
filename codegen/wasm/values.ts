/**
 * How IR values live in WebAssembly. A scalar is one wasm value (i32 for every integer type and bool,
 * sub-word integers kept normalized: zero- or sign-extended to 32 bits). A vector of L lanes is either
 * `simd`: ceil(L*bits/128) v128 chunks holding lanes in order (bool vectors are lane masks of
 * `laneBits` bits, all ones or zeros), or `lanes`: L scalars, the fallback for anything SIMD lacks.
 */
import binaryen from 'binaryen';
import { type DType, bits } from '../../ir/dtype.js';

export type X = binaryen.ExpressionRef;

export interface ScalarVal { readonly rep: 'scalar'; readonly dtype: DType; readonly e: X }
export interface SimdVal { readonly rep: 'simd'; readonly dtype: DType; readonly lanes: number; readonly laneBits: number; readonly chunks: readonly X[] }
export interface LanesVal { readonly rep: 'lanes'; readonly dtype: DType; readonly lanes: readonly X[] }
export type VecVal = SimdVal | LanesVal;
export type Val = ScalarVal | VecVal;

/** The wasm value type of a scalar of `t`. */
export function wasmType(t: DType): binaryen.Type {
  if (t === 'f32') return binaryen.f32;
  if (t === 'f64') return binaryen.f64;
  return binaryen.i32;
}

/** Bits per lane when `t` is held in v128 chunks (bool: decided by the producing comparison). */
export const laneBitsOf = (t: DType): number => (t === 'bool' ? 32 : bits(t));

/** Whether L lanes of `laneBits` fill whole v128 chunks. */
export const fitsSimd = (lanes: number, laneBits: number): boolean => (lanes * laneBits) % 128 === 0;

export type Shape = 'i8x16' | 'i16x8' | 'i32x4' | 'i64x2' | 'f32x4' | 'f64x2';
/** The v128 interpretation of lanes of `t` with `laneBits` bits. */
export function shapeOf(t: DType, laneBits: number): Shape {
  if (t === 'f32') return 'f32x4';
  if (t === 'f64') return 'f64x2';
  switch (laneBits) {
    case 8: return 'i8x16';
    case 16: return 'i16x8';
    case 32: return 'i32x4';
    default: return 'i64x2';
  }
}
export const lanesPerChunk = (laneBits: number): number => 128 / laneBits;
