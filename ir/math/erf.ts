/**
 * f32 erf(x) as a rational function: x (P(x^2) / Q(x^2)) with P of degree 6 and Q of degree 4 in x^2,
 * the approximation of Eigen's generic_fast_erf_float (Eigen 3.3, SpecialFunctionsImpl.h; also used by
 * XLA and TVM's fast_erf). The input is clamped to [-4, 4], beyond which erf rounds to +-1 in f32, and
 * the result to [-1, 1] (the interpolant overshoots 1 by an ulp or two near |x| = 3.9), so that
 * erf(+-Infinity) = +-1 exactly. NaN stays NaN.
 *
 * Error (measured by tests/math.test.ts against mathjs' erf, W. J. Cody's rational Chebyshev
 * approximations in f64, over a dense sweep): see docs/primitives.md, "Math functions".
 */
import { type F32Algebra, horner } from './algebra.js';

const P = [-2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2];
const Q = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];

/** The error function of an f32 `x` (shape: that of `x`). */
export function erfF32<F, I, B>(A: F32Algebra<F, I, B>, x: F): F {
  return A.letF('erf_c', A.min(A.max(x, A.f32(-4)), A.f32(4)), (c) =>
    A.letF('erf_c2', A.mul(c, c), (c2) => {
      // c * (P / Q), not (c * P) / Q: for tiny c the quotient stays a normal number (about 2/sqrt(pi)).
      const ratio = A.mul(c, A.div(horner(A, c2, P), horner(A, c2, Q)));
      return A.min(A.max(ratio, A.f32(-1)), A.f32(1));
    }));
}
