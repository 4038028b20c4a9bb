/**
 * The geometry of a convolution or pooling window from a node's attributes (ONNX Conv, ConvTranspose,
 * MaxPool, AveragePool): kernel, strides, dilations, and the pads `auto_pad` implies.
 *
 * Source: ONNX Operators.md, Conv (opsets 1, 11) and MaxPool/AveragePool (the auto_pad formulas):
 *   NOTSET:     pads as given; out = floor((in + pad_begin + pad_end - ((k - 1) * d + 1)) / s) + 1
 *   VALID:      no pads;       out = floor((in - ((k - 1) * d + 1)) / s) + 1
 *   SAME_UPPER: out = ceil(in / s), total = max(0, (out - 1) * s + (k - 1) * d + 1 - in),
 *               pad_begin = floor(total / 2), pad_end = total - pad_begin (the extra one at the end);
 *   SAME_LOWER: the same with the extra one at the beginning.
 */
import type { Attributes } from './attributes.js';
import { fail } from './attributes.js';
import type { OpContext } from './op.js';

export type AutoPad = 'NOTSET' | 'VALID' | 'SAME_UPPER' | 'SAME_LOWER';
export const AUTO_PADS: readonly AutoPad[] = ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'];

export interface WindowGeometry {
  /** Spatial extents of the input (after batch and channel). */
  readonly input: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
  /** Spatial extents of the output. */
  readonly output: readonly number[];
}

/** A positive-integer list attribute of one value per spatial axis, or its default. */
export function spatialInts(ctx: OpContext, a: Attributes, name: string, rank: number, fallback: number): number[] {
  const v = a.optionalInts(name);
  if (v === undefined) return new Array<number>(rank).fill(fallback);
  if (v.length !== rank) fail(ctx, `attribute ${name} has ${v.length} values; the input has ${rank} spatial axes`);
  if (v.some((x) => !Number.isInteger(x) || x < 1)) fail(ctx, `attribute ${name} = [${v.join(', ')}] must hold positive integers`);
  return [...v];
}

/**
 * The window geometry of a node: kernel (given, or `kernel` from the weights), strides, dilations, and
 * the pads of auto_pad. With `ceilMode` (pooling), the output rounds up instead of down, and a last
 * window that would start in the end padding is dropped (onnx reference pool, PyTorch's convention).
 * @throws OpError for a bad attribute, or an output extent below 1
 */
export function windowGeometry(ctx: OpContext, a: Attributes, input: readonly number[], kernel: readonly number[] | undefined, o: { ceilMode?: boolean; dilations?: boolean } = {}): WindowGeometry {
  const rank = input.length;
  const given = a.optionalInts('kernel_shape');
  if (given && given.length !== rank) fail(ctx, `attribute kernel_shape has ${given.length} values; the input has ${rank} spatial axes`);
  if (given && kernel && given.join(',') !== kernel.join(',')) fail(ctx, `kernel_shape [${given.join(', ')}] disagrees with the weights' spatial shape [${kernel.join(', ')}]`);
  const k = given ?? kernel;
  if (!k) fail(ctx, 'attribute kernel_shape is required');
  if (k.some((x) => !Number.isInteger(x) || x < 1)) fail(ctx, `kernel_shape [${k.join(', ')}] must hold positive integers`);
  const strides = spatialInts(ctx, a, 'strides', rank, 1);
  const dilations = o.dilations === false ? new Array<number>(rank).fill(1) : spatialInts(ctx, a, 'dilations', rank, 1);
  const autoPad = a.choice('auto_pad', AUTO_PADS, 'NOTSET');
  const extent = k.map((kk, i) => (kk - 1) * dilations[i]! + 1);
  let padsBegin = new Array<number>(rank).fill(0), padsEnd = new Array<number>(rank).fill(0);
  const pads = a.optionalInts('pads');
  if (pads && autoPad !== 'NOTSET') fail(ctx, `attribute pads cannot be used with auto_pad ${autoPad}`);
  if (pads) {
    if (pads.length !== 2 * rank) fail(ctx, `attribute pads has ${pads.length} values; it needs 2 x ${rank} (begins, then ends)`);
    if (pads.some((p) => !Number.isInteger(p) || p < 0)) fail(ctx, `attribute pads = [${pads.join(', ')}] must hold non-negative integers`);
    padsBegin = pads.slice(0, rank);
    padsEnd = pads.slice(rank);
  }
  let output: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    output = input.map((n, i) => Math.ceil(n / strides[i]!));
    output.forEach((out, i) => {
      const total = Math.max(0, (out - 1) * strides[i]! + extent[i]! - input[i]!);
      const small = Math.floor(total / 2);
      padsBegin[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      padsEnd[i] = total - padsBegin[i]!;
    });
  } else {
    output = input.map((n, i) => {
      const span = n + padsBegin[i]! + padsEnd[i]! - extent[i]!;
      if (span < 0) return 0;
      if (!o.ceilMode) return Math.floor(span / strides[i]!) + 1;
      let out = Math.ceil(span / strides[i]!) + 1;
      if ((out - 1) * strides[i]! >= n + padsBegin[i]!) out--;
      return out;
    });
  }
  output.forEach((e, i) => {
    if (e < 1) fail(ctx, `spatial axis ${i}: the window (extent ${extent[i]}) does not fit the padded input (${input[i]} + ${padsBegin[i]} + ${padsEnd[i]}); the output would be empty`);
  });
  return { input, kernel: k, strides, dilations, padsBegin, padsEnd, output };
}

/** Whether the geometry reads outside the input (some pad, or a ceil-mode window past the end). */
export function readsOutside(g: WindowGeometry): boolean {
  return g.input.some((n, i) => g.padsBegin[i]! > 0 || (g.output[i]! - 1) * g.strides[i]! + (g.kernel[i]! - 1) * g.dilations[i]! + 1 > n + g.padsBegin[i]!);
}

/** Names of the spatial axes of a rank: x; y, x; z, y, x; then s0, s1, ... */
export function spatialAxisNames(rank: number): string[] {
  if (rank <= 3) return ['z', 'y', 'x'].slice(3 - rank);
  return Array.from({ length: rank }, (_, i) => `s${i}`);
}
