/**
 * Scalar helper functions for the operations whose WGSL meaning differs from Tessera's (ir/ops.ts):
 * WGSL integer division truncates and returns the dividend on division by zero, and its float `%`
 * truncates (WGSL §8.7 arithmetic expressions); Tessera divides with floor, makes x/0 = 0 and takes
 * the Euclidean remainder (floor remainder for floats).
 */
export interface IntHelper { readonly name: string; readonly source: string }

const helper = (name: string, source: string): IntHelper => ({ name, source });

// Branch-free (select, non-short-circuit &): WGSL defines a / 0 = a and a % 0 = 0 (§8.7), so both
// sides can be computed; early returns inlined into loop nests made SwiftShader's shader compiler
// take minutes.
export const INT_HELPERS: Readonly<Record<string, IntHelper>> = {
  div_i32: helper('tsr_div_i32', `fn tsr_div_i32(a: i32, b: i32) -> i32 {
  let q = a / b;
  let floored = select(q, q - 1i, (a % b != 0i) & ((a < 0i) != (b < 0i)));
  return select(floored, 0i, b == 0i);
}`),
  mod_i32: helper('tsr_mod_i32', `fn tsr_mod_i32(a: i32, b: i32) -> i32 {
  let r = a % b;
  return select(select(r, r + abs(b), r < 0i), 0i, b == 0i);
}`),
  div_u32: helper('tsr_div_u32', `fn tsr_div_u32(a: u32, b: u32) -> u32 {
  return select(a / b, 0u, b == 0u);
}`),
  mod_u32: helper('tsr_mod_u32', `fn tsr_mod_u32(a: u32, b: u32) -> u32 {
  return select(a % b, 0u, b == 0u);
}`),
  // Infinities and NaN have no WGSL literal, and a constant expression that evaluates to one is a
  // shader-creation error (WGSL §14.6): a call of a user function is never a constant expression.
  f32_from_bits: helper('tsr_f32_from_bits', `fn tsr_f32_from_bits(b: u32) -> f32 {
  return bitcast<f32>(b);
}`),
  mod_f32: helper('tsr_mod_f32', `fn tsr_mod_f32(a: f32, b: f32) -> f32 {
  return a - b * floor(a / b);
}`),
};
