/** Tensors as the runtime passes them: a typed array and a row-major shape (last axis contiguous). */
import { type StorageDType, type TypedArray, storageArrayType, dtypeOfArray } from './dtype.js';

export interface Tensor {
  readonly data: TypedArray;
  readonly shape: readonly number[];
}

export class ArgumentError extends TypeError {
  override name = 'ArgumentError';
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A zero-filled tensor. @throws ArgumentError for a bad shape */
export function zeros(dtype: StorageDType, shape: readonly number[]): Tensor {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ArgumentError(`bad shape [${shape.join(', ')}]`);
  const T = storageArrayType(dtype);
  return { data: new T(numel(shape)), shape: [...shape] };
}

export { dtypeOfArray };
