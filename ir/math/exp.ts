/**
 * f32 exp(x), after Cephes' expf (S. L. Moshier, Cephes Math Library 2.2, 1992, expf.c):
 * exp(x) = 2^n * exp(r) with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2], ln 2 split
 * in two (Cody and Waite, "Software Manual for the Elementary Functions", 1980) so that n * C1 is
 * exact; exp(r) = 1 + r + r^2 P(r) with Moshier's degree-5 minimax P.
 *
 * The scaling by 2^n is done in two steps, 2^(n - n/2) * 2^(n/2) by bit casts of biased exponents:
 * the first product is exact and the second rounds once, so results that overflow become +Infinity
 * and results in the subnormal range underflow gradually to 0 without any special case. The input
 * is clamped to [-104, 89] first (beyond, the result is 0 or +Infinity anyway); NaN passes through
 * the clamp, the polynomial and the scaling.
 *
 * Error (measured by tests/math.test.ts against f64 Math.exp over a dense sweep): see
 * docs/primitives.md, "Math functions".
 */
import { type F32Algebra, horner } from './algebra.js';

const LOG2E = 1.44269504088896341;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** exp of an f32 `x` (shape: that of `x`; NaN -> NaN, +Infinity -> +Infinity, -Infinity -> 0). */
export function expF32<F, I, B>(A: F32Algebra<F, I, B>, x: F): F {
  return A.letF('exp_x', A.min(A.max(x, A.f32(-104)), A.f32(89)), (xc) =>
    A.letF('exp_n', A.floor(A.add(A.mul(xc, A.f32(LOG2E)), A.f32(0.5))), (n) =>
      A.letF('exp_r', A.sub(A.sub(xc, A.mul(n, A.f32(LN2_HI))), A.mul(n, A.f32(LN2_LO))), (r) => {
        const y = A.add(A.add(A.mul(horner(A, r, P), A.mul(r, r)), r), A.f32(1));
        return A.letI('exp_k', A.toInt(n), (k) =>
          A.letI('exp_k1', A.shiftRight(k, 1), (k1) => {
            const scale = (e: I) => A.fromBits(A.shiftLeft(A.addInt(e, A.i32(127)), 23));
            return A.mul(A.mul(y, scale(k1)), scale(A.subInt(k, k1)));
          }));
      })));
}
