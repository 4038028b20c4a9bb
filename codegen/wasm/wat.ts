/**
 * The standard WebAssembly text format (.wat) of a module, through wabt's reader and printer
 * (independent of binaryen, so it doubles as a check that the binary parses with SIMD enabled).
 */
import createWabt from 'wabt';

let wabt: Awaited<ReturnType<typeof createWabt>> | undefined;

/**
 * @param binary a WebAssembly module
 * @returns its text, with names where the module has them
 * @throws Error from wabt when the binary does not parse
 */
export async function watOf(binary: Uint8Array): Promise<string> {
  wabt ??= await createWabt();
  const mod = wabt.readWasm(binary, { readDebugNames: true, simd: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true, mutable_globals: true, relaxed_simd: true });
  try {
    mod.validate();
    return mod.toText({ foldExprs: false, inlineExport: false });
  } finally {
    mod.destroy();
  }
}
