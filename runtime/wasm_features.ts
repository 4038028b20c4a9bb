/**
 * WebAssembly features of the engine running this code, detected by asking `WebAssembly.validate`
 * about a tiny module that uses the feature (the method of wasm-feature-detect). The answer is the
 * engine's, not the compiler's: binaryen can emit a feature that the engine here refuses.
 */

/**
 * (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd):
 * type, function and code sections only. f32x4.relaxed_madd is the prefixed opcode 0xfd 0x105
 * (LEB128 0x85 0x02) of the relaxed-SIMD proposal.
 */
const RELAXED_MADD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

let relaxedSimd: boolean | undefined;

/**
 * Whether this engine runs WebAssembly relaxed SIMD (phase 4 of the proposal; V8 ships it from
 * 11.4: Chrome 114, Node 21; Node 20's V8 11.3 needs `node --experimental-wasm-relaxed-simd`). Probed once.
 * @returns true when `WebAssembly.validate` accepts a module using f32x4.relaxed_madd
 */
export function relaxedSimdSupported(): boolean {
  relaxedSimd ??= typeof WebAssembly !== 'undefined' && WebAssembly.validate(RELAXED_MADD_PROBE);
  return relaxedSimd;
}
