/** CodegenError: what a backend cannot express (f64 in WGSL, say), or a module its validator rejects (a compiler bug). */
export class CodegenError extends Error {
  override name = 'CodegenError';
}
