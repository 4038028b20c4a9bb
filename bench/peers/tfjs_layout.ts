/**
 * Layouts of the TensorFlow.js model peer (bench/peers/tfjs_model.ts): how a tensor of the ONNX graph
 * is stored in tfjs. A layout is a permutation: stored axis i holds the ONNX axis `layout[i]`, so an
 * ONNX [N, C, H, W] tensor in NHWC ([0, 2, 3, 1]) is stored as [N, H, W, C]. Conversions between
 * layouts are a tf.transpose, or a tf.reshape when only size-1 axes move (no data moves), or nothing.
 * Constants are permuted once, at build time, into the layout their reader wants.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Stored axis i holds ONNX axis layout[i]. */
export type Layout = readonly number[];

/** The identity layout of rank `rank` (stored as ONNX says). */
export const identityLayout = (rank: number): Layout => Array.from({ length: rank }, (_, i) => i);

/** XNNPACK's convolution layout: ONNX [N, C, H, W] stored as [N, H, W, C]. */
export const NHWC: Layout = [0, 2, 3, 1];

export const isIdentity = (p: readonly number[]): boolean => p.every((a, i) => a === i);

export const sameLayout = (a: Layout, b: Layout): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The stored shape of an ONNX shape in `layout`. */
export const storedShape = (onnxShape: readonly number[], layout: Layout): number[] => layout.map((a) => onnxShape[a]!);

/** The stored axis that holds ONNX axis `axis`. */
export const storedAxis = (layout: Layout, axis: number): number => layout.indexOf(axis);

/**
 * The tf.transpose permutation taking a tensor stored in `from` to `to`: result axis i is stored axis
 * q[i] of the input.
 * @throws Error when the layouts are not permutations of the same rank
 */
export function permutationBetween(from: Layout, to: Layout): number[] {
  if (from.length !== to.length) throw new Error(`layouts of rank ${from.length} and ${to.length} cannot be converted into each other`);
  return to.map((a) => {
    const i = from.indexOf(a);
    if (i < 0) throw new Error(`layout [${from.join(', ')}] has no axis ${a}`);
    return i;
  });
}

/** True when permuting `shape` by `perm` keeps every axis longer than 1 in order (a reshape does it). */
export function onlyUnitAxesMove(shape: readonly number[], perm: readonly number[]): boolean {
  const moved = perm.filter((a) => shape[a]! !== 1);
  return moved.every((a, i) => i === 0 || a > moved[i - 1]!);
}

/**
 * A tensor stored in `from` restored in `to`: the same tensor when they agree, a reshape when only
 * size-1 axes move, otherwise a transpose.
 * @param t the tensor, stored in `from`
 */
export function convertLayout(t: tf.Tensor, from: Layout, to: Layout): tf.Tensor {
  const q = permutationBetween(from, to);
  if (isIdentity(q)) return t;
  if (onlyUnitAxesMove(t.shape, q)) return tf.reshape(t, q.map((a) => t.shape[a]!));
  return tf.transpose(t, q);
}

/**
 * The layout of a tensor of rank `layout.length` broadcast to rank `rank` by prepending size-1 axes
 * (ONNX's multidirectional broadcasting aligns shapes on the right): the new axes come first, stored
 * as they are, so expanding the stored tensor is a reshape that prepends 1s.
 */
export function expandRank(layout: Layout, rank: number): Layout {
  const extra = rank - layout.length;
  if (extra < 0) throw new Error(`cannot expand a rank-${layout.length} layout to rank ${rank}`);
  return [...identityLayout(extra), ...layout.map((a) => a + extra)];
}

/**
 * Row-major data of shape `shape` transposed by `perm` (numpy's transpose: the result's axis i is
 * the input's axis perm[i]).
 * @returns the permuted data, of shape perm.map((a) => shape[a])
 * @throws Error when `perm` is not a permutation of shape's axes or the data length disagrees
 */
export function permuteData(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  if (perm.length !== rank || new Set(perm).size !== rank || perm.some((a) => !(a >= 0 && a < rank))) throw new Error(`[${perm.join(', ')}] is not a permutation of ${rank} axes`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`data of ${data.length} elements does not have shape [${shape.join(', ')}]`);
  if (isIdentity(perm)) return data;
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]!; }
  const outShape = perm.map((a) => shape[a]!);
  const strides = perm.map((a) => inStrides[a]!);
  const out = new Float32Array(count);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < count; o++) {
    out[o] = data[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) { src += strides[i]!; break; }
      index[i] = 0;
      src -= strides[i]! * (outShape[i]! - 1);
    }
  }
  return out;
}
