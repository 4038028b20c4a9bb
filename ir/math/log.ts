/**
 * f32 log(x), after Cephes' logf (S. L. Moshier, Cephes Math Library 2.2, 1992, logf.c): x = 2^e * m
 * with m in [sqrt(1/2), sqrt(2)) read from the bits of x (subnormal x scaled by 2^23 first), then
 * log(x) = e ln 2 + log(m), log(1 + f) = f - f^2/2 + f^3 P(f) with Moshier's degree-8 minimax P,
 * ln 2 split in two (Cody and Waite) so that e * C2 is exact.
 *
 * Special values (IEEE 754 / C99 F.9.3.7): log(+-0) = -Infinity, log(x < 0) = NaN, log(+Infinity) =
 * +Infinity, log(NaN) = NaN.
 *
 * Error (measured by tests/math.test.ts against f64 Math.log over a dense sweep): see
 * docs/primitives.md, "Math functions".
 */
import { type F32Algebra, horner } from './algebra.js';

const MIN_NORMAL = 1.1754943508222875e-38;
const SQRT_HALF = 0.707106781186547524;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const P = [
  7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
];

/** Natural logarithm of an f32 `x` (shape: that of `x`). */
export function logF32<F, I, B>(A: F32Algebra<F, I, B>, x: F): F {
  return A.letF('log_x', x, (x) => {
    const subnormal = A.lt(x, A.f32(MIN_NORMAL));
    return A.letI('log_bits', A.bitsOf(A.select(subnormal, A.mul(x, A.f32(8388608)), x)), (bits) => {
      const exponent = A.subInt(A.shiftRight(bits, 23), A.selectInt(subnormal, A.i32(126 + 23), A.i32(126)));
      // The mantissa with the exponent of 0.5: m in [0.5, 1).
      return A.letF('log_m', A.fromBits(A.orInt(A.andInt(bits, A.i32(0x007fffff)), A.i32(0x3f000000))), (m) => {
        const low = A.lt(m, A.f32(SQRT_HALF));
        return A.letF('log_e', A.sub(A.toFloat(exponent), A.select(low, A.f32(1), A.f32(0))), (e) =>
          A.letF('log_f', A.sub(A.select(low, A.add(m, m), m), A.f32(1)), (f) =>
            A.letF('log_z', A.mul(f, f), (z) => {
              let y = A.mul(A.mul(horner(A, f, P), f), z);
              y = A.add(y, A.mul(e, A.f32(LN2_LO)));
              y = A.sub(y, A.mul(z, A.f32(0.5)));
              const result = A.add(A.add(f, y), A.mul(e, A.f32(LN2_HI)));
              const special = A.select(A.eq(x, A.f32(0)), A.f32(-Infinity), A.f32(NaN));
              // x <= 0: special; NaN and +Infinity fail x < Infinity and are their own logarithm.
              return A.select(A.le(x, A.f32(0)), special, A.select(A.lt(x, A.f32(Infinity)), result, x));
            })));
      });
    });
  });
}
