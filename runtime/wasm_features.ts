/**
 * WebAssembly features of the engine running this code, detected by asking `WebAssembly.validate`
 * about a tiny module that uses the feature (the method of wasm-feature-detect). The answer is the
 * engine's, not the compiler's: binaryen can emit a feature that the engine here refuses.
 */
import type { WasmFeature } from './abi.js';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;

/** A section: its id, its byte length (LEB128; probes stay under 128 bytes) and its contents. */
const section = (id: number, contents: readonly number[]): number[] => [id, contents.length, ...contents];

/**
 * A module of one function of type (params) -> (results) with `body` (no locals), optionally
 * preceded by an import section and followed by a memory section. Binary format: WebAssembly core
 * specification § 5.5 (modules).
 */
function probeModule(params: readonly number[], results: readonly number[], body: readonly number[], extra: { imports?: number[]; memory?: number[] } = {}): Uint8Array {
  const code = [0x00, ...body, 0x0b];
  return new Uint8Array([
    ...HEADER,
    ...section(0x01, [0x01, 0x60, params.length, ...params, results.length, ...results]),
    ...(extra.imports ? section(0x02, extra.imports) : []),
    ...section(0x03, [0x01, 0x00]),
    ...(extra.memory ? section(0x05, extra.memory) : []),
    ...section(0x0a, [0x01, code.length, ...code]),
  ]);
}

const LOCAL_GET = 0x20;

/** Modules each of which validates only on an engine with the feature. */
const PROBES: Readonly<Record<Exclude<WasmFeature, 'threads'>, Uint8Array>> = {
  // v128.const i32x4 0 0 0 0 (0xfd 0x0c, 16 immediate bytes)
  simd128: probeModule([], [V128], [0xfd, 0x0c, ...new Array<number>(16).fill(0)]),
  // f32x4.relaxed_madd: prefixed opcode 0xfd 0x105 (LEB128 0x85 0x02) of the relaxed-SIMD proposal
  'relaxed-simd': probeModule([V128, V128, V128], [V128], [LOCAL_GET, 0, LOCAL_GET, 1, LOCAL_GET, 2, 0xfd, 0x85, 0x02]),
  // i32.extend8_s (0xc0)
  'sign-ext': probeModule([I32], [I32], [LOCAL_GET, 0, 0xc0]),
  // i32.trunc_sat_f32_s (0xfc 0x00)
  'nontrapping-fptoint': probeModule([F32], [I32], [LOCAL_GET, 0, 0xfc, 0x00]),
  // memory.fill (0xfc 0x0b 0x00) over a one-page memory
  'bulk-memory': probeModule([], [], [0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0b, 0x00], { memory: [0x01, 0x00, 0x01] }),
  // an imported mutable i32 global "m"."g"
  'mutable-globals': probeModule([], [], [], { imports: [0x01, 0x01, 0x6d, 0x01, 0x67, 0x03, I32, 0x01] }),
};

/** A module declaring a shared memory of one page (limits flag 0x03: maximum present, shared). */
const SHARED_MEMORY_PROBE = probeModule([], [], [], { memory: [0x01, 0x03, 0x01, 0x01] });

let detected: ReadonlySet<WasmFeature> | undefined;

/** Whether shared memories work here: the engine validates them and this context may create one. */
function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || !WebAssembly.validate(SHARED_MEMORY_PROBE as BufferSource)) return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/**
 * The WebAssembly features this engine has, among those artifacts name (runtime/abi.ts). Probed once.
 * `threads` also needs this context to have SharedArrayBuffer (a browser page: cross-origin isolated).
 * @returns an empty set where there is no WebAssembly at all
 */
export function engineWasmFeatures(): ReadonlySet<WasmFeature> {
  if (detected) return detected;
  const have = new Set<WasmFeature>();
  if (typeof WebAssembly !== 'undefined') {
    for (const [feature, probe] of Object.entries(PROBES) as [WasmFeature, Uint8Array][]) {
      if (WebAssembly.validate(probe as BufferSource)) have.add(feature);
    }
    if (threadsSupported()) have.add('threads');
  }
  detected = have;
  return have;
}

/**
 * Whether this engine runs WebAssembly relaxed SIMD (phase 4 of the proposal; V8 ships it from
 * 11.4: Chrome 114, Node 21; Node 20's V8 11.3 needs `node --experimental-wasm-relaxed-simd`). Probed once.
 * @returns true when `WebAssembly.validate` accepts a module using f32x4.relaxed_madd
 */
export function relaxedSimdSupported(): boolean {
  return engineWasmFeatures().has('relaxed-simd');
}
