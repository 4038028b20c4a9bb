/**
 * Packs what code generation produced into an artifact (runtime/abi.ts): a description and its files,
 * which `writeArtifact` saves and the runtime's `loadArtifact` loads without the compiler.
 */
import {
  type Artifact, type GpuKernelDescription, type TuningRecordRef, type WasmBinaryEntry, type WasmKernelDescription, type WorkCount,
  ARTIFACT_FORMAT, ARTIFACT_VERSION, ArtifactError, TESSERA_VERSION,
} from '../runtime/abi.js';
import type { GpuProgram } from '../runtime/webgpu/program.js';
import type { Instruction } from '../schedule/instruction.js';
import type { WasmArtifact } from './wasm/module.js';

/** What an artifact records beside the code. */
export interface ArtifactOptions {
  /** The artifact's name, and so its file names (default: the output stage's name). */
  readonly name?: string;
  /** The tuning record the schedule came from. */
  readonly record?: TuningRecordRef;
  /** How to count one call's work, for `tessera bench`. */
  readonly work?: WorkCount;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new ArtifactError(`artifact name ${JSON.stringify(name)} is not a plain name: use letters, digits, _ . - (it names the files)`);
  return name;
}

function common(name: string, trace: readonly Instruction[], o: ArtifactOptions) {
  return {
    format: ARTIFACT_FORMAT, version: ARTIFACT_VERSION, kind: 'kernel' as const, name: checkName(name), tessera: TESSERA_VERSION,
    schedule: structuredClone(trace) as unknown as Readonly<Record<string, unknown>>[],
    ...(o.record ? { record: o.record } : {}),
    ...(o.work ? { work: o.work } : {}),
  };
}

/**
 * The artifact of a WebAssembly kernel with one binary per variant, most capable first: the loader
 * takes the first the engine runs. File names: NAME.wasm for a binary without relaxed SIMD,
 * NAME.relaxed.wasm for one with it.
 * @param variants binaries of one lowered function (same signature but for `fma`); at most one of each kind
 * @throws ArtifactError for a name that cannot name files, or two variants of one kind
 */
export function wasmKernelArtifact(name: string, variants: readonly WasmArtifact[], trace: readonly Instruction[], o: ArtifactOptions = {}): Artifact<WasmKernelDescription> {
  const base = common(name, trace, o);
  const ordered = [...variants].sort((a, b) => Number(b.features.includes('relaxed-simd')) - Number(a.features.includes('relaxed-simd')));
  const files: Record<string, Uint8Array> = {};
  const binaries: WasmBinaryEntry[] = ordered.map((v) => {
    const file = `${base.name}${v.features.includes('relaxed-simd') ? '.relaxed' : ''}.wasm`;
    if (files[file]) throw new ArtifactError(`artifact ${base.name}: two binaries would be named ${file}`);
    files[file] = v.binary;
    return { file, bytes: v.binary.byteLength, features: [...v.features] };
  });
  const { fma: _fma, ...signature } = ordered[0]!.signature;
  return { description: { ...base, target: 'wasm-simd', signature, binaries }, files };
}

/** The artifact of a WebGPU program (no files beside the description: the WGSL is in it). */
export function gpuKernelArtifact(name: string, program: GpuProgram, trace: readonly Instruction[], o: ArtifactOptions = {}): Artifact<GpuKernelDescription> {
  return { description: { ...common(name, trace, o), target: 'webgpu', program: structuredClone(program) }, files: {} };
}
