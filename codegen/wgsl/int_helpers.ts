/**
 * Scalar helper functions for the operations whose WGSL meaning differs from Tessera's (ir/ops.ts):
 * WGSL integer division truncates and returns the dividend on division by zero, and its float `%`
 * truncates (WGSL §8.7 arithmetic expressions); Tessera divides with floor, makes x/0 = 0 and takes
 * the Euclidean remainder (floor remainder for floats).
 */
export interface IntHelper { readonly name: string; readonly source: string }

const helper = (name: string, source: string): IntHelper => ({ name, source });

export const INT_HELPERS: Readonly<Record<string, IntHelper>> = {
  div_i32: helper('tsr_div_i32', `fn tsr_div_i32(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  let q = a / b;
  if ((a % b != 0i) && ((a < 0i) != (b < 0i))) { return q - 1i; }
  return q;
}`),
  mod_i32: helper('tsr_mod_i32', `fn tsr_mod_i32(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  let r = a % b;
  if (r < 0i) { return r + abs(b); }
  return r;
}`),
  div_u32: helper('tsr_div_u32', `fn tsr_div_u32(a: u32, b: u32) -> u32 {
  if (b == 0u) { return 0u; }
  return a / b;
}`),
  mod_u32: helper('tsr_mod_u32', `fn tsr_mod_u32(a: u32, b: u32) -> u32 {
  if (b == 0u) { return 0u; }
  return a % b;
}`),
  mod_f32: helper('tsr_mod_f32', `fn tsr_mod_f32(a: f32, b: f32) -> f32 {
  return a - b * floor(a / b);
}`),
};
