/**
 * What the math-function tests share: f64 references of Tessera's f32 functions, the error of an f32
 * result in ulps, sweeps of f32 inputs, and a pointwise pipeline applying one function.
 */
import { create, erfDependencies } from 'mathjs';
import { type Pipeline, type Stage, placeholder, compute, sizeVar, pipeline, exp, log, tanh, sigmoid, erf, type Term } from '../../dsl/index.js';

export type F32Fn = 'exp' | 'log' | 'tanh' | 'sigmoid' | 'erf';
export const F32_FNS: readonly F32Fn[] = ['exp', 'log', 'tanh', 'sigmoid', 'erf'];

const mathjs = create({ erfDependencies });

/**
 * The exact functions in f64: the host's Math for exp, log and tanh, the logistic formula for sigmoid,
 * mathjs' erf (W. J. Cody's rational Chebyshev approximations, about 1e-16 relative) for erf.
 */
export const F64_REFERENCE: Readonly<Record<F32Fn, (x: number) => number>> = {
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  erf: (x) => mathjs.erf(x) as number,
};

/** The DSL function of each name. */
export const DSL_FN: Readonly<Record<F32Fn, (x: Term) => Term>> = { exp, log, tanh, sigmoid, erf };

/** Inputs where the function is not trivially 0, +-1 or infinite (the sweeps cover these). */
export const DOMAIN: Readonly<Record<F32Fn, readonly [number, number]>> = {
  exp: [-104, 89], log: [0, 3.4028234663852886e38], tanh: [-10, 10], sigmoid: [-105, 105], erf: [-5, 5],
};

/** The spacing of f32 numbers at |v| (units in the last place, Goldberg's definition); 2^-149 below 2^-126. */
export function ulpOf(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 23);
}

/**
 * Every `stride`-th non-negative f32 bit pattern whose value lies in [lo, hi], and its negation
 * (dense in relative terms: each binade is sampled alike), followed by `linear` points evenly spaced
 * over [lo, hi] (dense in absolute terms), all rounded to f32.
 */
export function sweep([lo, hi]: readonly [number, number], stride: number, linear: number): Float32Array {
  const out: number[] = [];
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  for (let b = 0; b < 0x7f800000; b += stride) {
    u[0] = b;
    const x = f[0]!;
    if (x > Math.max(hi, -lo)) break;
    if (x >= lo && x <= hi) out.push(x);
    if (-x >= lo && -x <= hi && x !== 0) out.push(-x);
  }
  for (let i = 0; i < linear; i++) out.push(lo + ((hi - lo) * i) / (linear - 1));
  return new Float32Array(out);
}

/** out(i) = fn(input(i)) over [N], input f32. */
export function pointwisePipeline(fn: (x: Term) => Term, name = 'out'): { pipeline: Pipeline; out: Stage } {
  const N = sizeVar('N');
  const input = placeholder('input', [N], 'f32');
  const out = compute(name, [N], (i) => fn(input.at(i)));
  return { pipeline: pipeline(out), out };
}

/** Whether two f32 results are the same bits (any NaN equals any NaN). */
export const sameBits = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
