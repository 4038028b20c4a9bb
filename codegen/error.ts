/**
 * CodegenError: code that a backend cannot emit. Like ScheduleError it carries a machine-readable
 * `code` (CODEGEN_ERROR_CODES), so the autotuner classes a refused candidate without reading the text.
 */

/** Every code a CodegenError can carry. Stable: never renamed or reused. */
export const CODEGEN_ERROR_CODES = {
  'unsupported': 'an operation or dtype the backend does not implement',
  'gpu-loop-on-wasm': 'a loop bound to the GPU grid, compiled for WebAssembly',
  'register-tile-outside-parallel': 'a register tile allocated outside a parallel loop and used inside it',
  'gpu-host-code': 'a size or check that the host cannot compute before launching the GPU kernels',
  'gpu-kernel-check': 'a run-time check inside a GPU kernel, which cannot stop it',
  'internal': 'a compiler invariant failed (a bug: please report it)',
} as const satisfies Record<string, string>;

export type CodegenErrorCode = keyof typeof CODEGEN_ERROR_CODES;

export class CodegenError extends Error {
  override name = 'CodegenError';
  /** @param code what kind of refusal this is (CODEGEN_ERROR_CODES) */
  constructor(readonly code: CodegenErrorCode, message: string) {
    super(message);
  }
}
