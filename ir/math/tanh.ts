/**
 * f32 tanh(x) as a rational function: x P(x^2) / Q(x^2) with P of degree 6 and Q of degree 3 in x^2
 * (a 13/6-degree interpolant), the approximation of Eigen's generic_fast_tanh_float (Eigen 3.3,
 * Core/MathFunctionsImpl.h; XNNPACK and onnxruntime's MLAS use the same coefficients). The input is
 * clamped to [-9, 9], beyond which tanh rounds to +-1 in f32, and the result to [-1, 1] (the
 * interpolant overshoots 1 by an ulp or two near |x| = 8.5), so that tanh saturates exactly to +-1;
 * for |x| < 0.0004 tanh(x) is x to f32 precision and x is returned. NaN stays NaN.
 *
 * Error (measured by tests/math.test.ts against f64 Math.tanh over a dense sweep): see
 * docs/primitives.md, "Math functions".
 */
import { type F32Algebra, horner } from './algebra.js';

const P = [-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8, 1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3];
const Q = [1.19825839466702e-6, 1.18534705686654e-4, 2.26843463243900e-3, 4.89352518554385e-3];

/** Hyperbolic tangent of an f32 `x` (shape: that of `x`; +-Infinity -> +-1). */
export function tanhF32<F, I, B>(A: F32Algebra<F, I, B>, x: F): F {
  return A.letF('tanh_x', x, (x) =>
    A.letF('tanh_c', A.min(A.max(x, A.f32(-9)), A.f32(9)), (c) =>
      A.letF('tanh_c2', A.mul(c, c), (c2) => {
        const ratio = A.div(A.mul(c, horner(A, c2, P)), horner(A, c2, Q));
        const clamped = A.min(A.max(ratio, A.f32(-1)), A.f32(1));
        return A.select(A.lt(A.abs(x), A.f32(0.0004)), x, clamped);
      })));
}
