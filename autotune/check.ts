/**
 * The correctness check of a candidate's outputs against the reference's: integers bit-exact, floats
 * within a stated tolerance, NaN-aware (NaN matches NaN only; infinities match themselves only). Every
 * candidate passes it before its time counts (tuning that never checked gave wrong programs:
 * tvm#7250, tvm#17947).
 */
import { dtypeOfArray, type TypedArray } from '../runtime/dtype.js';

const isFloat = (dtype: string): boolean => dtype === 'f32' || dtype === 'f64';

/**
 * Float tolerance: a value is accepted when |got - want| <= atol * scale + rtol * |want|, where scale
 * is max(1, the largest |want| of the output), so that atol is relative to the output's magnitude
 * (a sum of many terms has absolute rounding errors that grow with it).
 */
export interface Tolerance { readonly rtol: number; readonly atol: number }

/** Defaults: reordered f32 sums of a few thousand terms stay well inside; a missing term does not. */
export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-4 };

const coords = (i: number, shape: readonly number[]): number[] => {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { out[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return out;
};

/**
 * @param name the output's name, for the message
 * @returns undefined when `got` matches `want`, else a description of the first mismatch (coordinates,
 *   both values) and how many elements differ
 */
export function mismatch(name: string, got: TypedArray, want: TypedArray, shape: readonly number[], tol: Tolerance): string | undefined {
  if (got.length !== want.length) return `${name}: ${got.length} elements, the reference has ${want.length}`;
  const dtype = dtypeOfArray(want);
  if (dtypeOfArray(got) !== dtype) return `${name}: ${dtypeOfArray(got)} values, the reference is ${dtype}`;
  let first = -1, count = 0;
  if (dtype && isFloat(dtype)) {
    let scale = 1;
    for (let i = 0; i < want.length; i++) { const a = Math.abs(want[i]!); if (a > scale && a !== Infinity) scale = a; }
    const abs = tol.atol * scale;
    for (let i = 0; i < want.length; i++) {
      const g = got[i]!, w = want[i]!;
      const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= abs + tol.rtol * Math.abs(w);
      if (!ok) { if (first < 0) first = i; count++; }
    }
  } else {
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) { if (first < 0) first = i; count++; }
  }
  if (first < 0) return undefined;
  const where = coords(first, shape).join(', ');
  const rule = dtype && isFloat(dtype) ? ` (tolerance rtol ${tol.rtol}, atol ${tol.atol} x the output's scale)` : ' (integers must match exactly)';
  return `${name}(${where}) is ${got[first]}, the reference's is ${want[first]}; ${count} of ${want.length} elements differ${rule}`;
}
