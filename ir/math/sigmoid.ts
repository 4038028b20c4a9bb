/**
 * f32 sigmoid(x) = 1 / (1 + exp(-x)) (ONNX Sigmoid), computed as e / (1 + e) for x < 0 and 1 / (1 + e)
 * otherwise, with e = exp(-|x|) from ./exp.ts: exp never overflows, so for very negative x the result
 * underflows gradually with exp instead of dropping to 0 at x = -88.7, and there is no cancellation
 * on either side (1 + e is in [1, 2]). sigmoid(+Infinity) = 1, sigmoid(-Infinity) = 0, NaN stays NaN.
 *
 * Error (measured by tests/math.test.ts against 1 / (1 + exp(-x)) in f64): see docs/primitives.md,
 * "Math functions".
 */
import type { F32Algebra } from './algebra.js';
import { expF32 } from './exp.js';

/** The logistic function of an f32 `x` (shape: that of `x`; values in [0, 1]). */
export function sigmoidF32<F, I, B>(A: F32Algebra<F, I, B>, x: F): F {
  return A.letF('sigmoid_x', x, (x) =>
    A.letF('sigmoid_e', expF32(A, A.sub(A.f32(0), A.abs(x))), (e) =>
      A.div(A.select(A.lt(x, A.f32(0)), e, A.f32(1)), A.add(A.f32(1), e))));
}
