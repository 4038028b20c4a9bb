/**
 * Host evaluation of data-movement operators for constant folding: an output tensor computed point by
 * point from a map of its coordinates, and the row-major (un)ravelling the maps use.
 */
import type { ConstTensor, ModelDType } from '../graph/ir.js';
import { constValues, makeConst, numel, strides } from './host_tensors.js';

/** The coordinates of flat index `i` in `shape`, outermost first. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { c[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return c;
}

/** The flat index of coordinates `c` in `shape`. */
export function ravel(c: readonly number[], shape: readonly number[]): number {
  const s = strides(shape);
  return c.reduce((acc, x, d) => acc + x * s[d]!, 0);
}

/**
 * A constant of `dtype` and `shape` whose element at each coordinate is `at(coordinates)`.
 * An empty shape (a zero extent) gives an empty tensor.
 */
export function hostTensor(dtype: ModelDType, shape: readonly number[], at: (c: number[]) => number): ConstTensor {
  const n = numel(shape);
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = at(unravel(i, shape));
  return makeConst(dtype, shape, values);
}

/** A reader of constant `t` by coordinates. */
export function hostReader(t: ConstTensor): (c: readonly number[]) => number {
  const v = constValues(t);
  return (c) => v[ravel(c, t.shape)]!;
}
