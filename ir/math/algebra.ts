/**
 * The operations that Tessera's f32 approximations of exp, log, tanh, sigmoid and erf are written in:
 * f32 arithmetic, i32 arithmetic, comparisons, selects, casts and bit casts, all with Tessera's
 * semantics (ir/ops.ts). Each function is written once, generic over an algebra, and has two
 * instances: numbers (./scalar_algebra.ts: constant folding and the reference evaluator) and IR
 * expressions (./ir_algebra.ts: what lowering substitutes for the call, which every backend then
 * compiles as plain arithmetic). The two agree bit for bit, so no schedule or backend changes a result.
 *
 * `F` is an f32 value, `I` an i32 value, `B` a bool; in the IR instance they are expressions of one
 * common lane count.
 */
export interface F32Algebra<F, I, B> {
  /** The f32 constant nearest `value`. */
  f32(value: number): F;
  /** An i32 constant (an integer in the i32 range). */
  i32(value: number): I;
  add(a: F, b: F): F;
  sub(a: F, b: F): F;
  mul(a: F, b: F): F;
  div(a: F, b: F): F;
  /** NaN if either is NaN (JS Math.min, WebAssembly f32.min). */
  min(a: F, b: F): F;
  max(a: F, b: F): F;
  floor(a: F): F;
  abs(a: F): F;
  lt(a: F, b: F): B;
  le(a: F, b: F): B;
  eq(a: F, b: F): B;
  select(c: B, t: F, f: F): F;
  selectInt(c: B, t: I, f: I): I;
  addInt(a: I, b: I): I;
  subInt(a: I, b: I): I;
  andInt(a: I, b: I): I;
  orInt(a: I, b: I): I;
  shiftLeft(a: I, bits: number): I;
  /** Arithmetic (sign-extending) shift. */
  shiftRight(a: I, bits: number): I;
  /** Tessera's f32 -> i32 cast: toward zero, saturating, NaN -> 0 (ir/dtype.ts convert). */
  toInt(a: F): I;
  /** i32 -> f32, rounding to nearest. */
  toFloat(a: I): F;
  /** The IEEE 754 binary32 bits of `a`. */
  bitsOf(a: F): I;
  /** The f32 whose bits are `a`. */
  fromBits(a: I): F;
  /** `body` of `value` computed once (an IR let), `name` naming it in printed IR. */
  letF(name: string, value: F, body: (v: F) => F): F;
  letI(name: string, value: I, body: (v: I) => F): F;
}

/**
 * c[0] * x^(n-1) + ... + c[n-1] by Horner's rule, one multiply and one add per coefficient (no
 * fused multiply-add, so every backend rounds the same way).
 */
export function horner<F, I, B>(A: F32Algebra<F, I, B>, x: F, coefficients: readonly number[]): F {
  let p = A.f32(coefficients[0]!);
  for (let i = 1; i < coefficients.length; i++) p = A.add(A.mul(p, x), A.f32(coefficients[i]!));
  return p;
}

/** The f32 approximation of one math function, generic over the algebra. */
export type F32Approximation = <F, I, B>(A: F32Algebra<F, I, B>, x: F) => F;
