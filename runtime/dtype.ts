/**
 * The element types a tensor can hold, as the runtime sees them: their typed arrays and byte sizes.
 * The compiler's dtype semantics (ir/dtype.ts) build on this table; the runtime needs nothing more.
 */

/** A dtype that has storage: every Tessera dtype but `bool`. */
export type StorageDType = 'f32' | 'f64' | 'i32' | 'u32' | 'i16' | 'u16' | 'i8' | 'u8';

export type TypedArray =
  | Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

export interface TypedArrayConstructor {
  new (n: number): TypedArray;
  new (buf: ArrayBufferLike, off: number, n: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
}

const ARRAY_TYPES: Readonly<Record<StorageDType, TypedArrayConstructor>> = {
  f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array,
  i16: Int16Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array,
};

export const STORAGE_DTYPES: readonly StorageDType[] = Object.keys(ARRAY_TYPES) as StorageDType[];

export function isStorageDType(s: unknown): s is StorageDType {
  return typeof s === 'string' && Object.hasOwn(ARRAY_TYPES, s);
}

/** The typed array class holding `t`. @throws TypeError for a dtype without storage (`bool`, a typo) */
export function storageArrayType(t: string): TypedArrayConstructor {
  if (!isStorageDType(t)) throw new TypeError(`${t} has no storage representation (tensors hold ${STORAGE_DTYPES.join(', ')})`);
  return ARRAY_TYPES[t];
}

/** Bytes per element of `t`. @throws TypeError as storageArrayType */
export const storageBytes = (t: string): number => storageArrayType(t).BYTES_PER_ELEMENT;

/** The dtype whose typed array `a` is, or undefined for other objects. */
export function dtypeOfArray(a: unknown): StorageDType | undefined {
  for (const t of STORAGE_DTYPES) if (a instanceof ARRAY_TYPES[t]) return t;
  return undefined;
}
