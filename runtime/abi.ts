/**
 * The kernel ABI and the artifact format: the one place that says what the WebAssembly code
 * generator, the runtime, the thread-pool worker and the artifact loader agree on. Nothing else
 * spells out an import name, the entry point, a memory limit or a field of an artifact description.
 *
 * A kernel module (codegen/wasm/module.ts) imports
 *   env.memory                 the linear memory (shared when the kernel has parallel tasks)
 *   env.abort(message: i32)    raises `signature.messages[message]`; never returns
 *   env.parallel_for(task, closure, min, extent, scratch: i32)
 *                              runs exported task `signature.tasks[task]` over [min, min + extent)
 *   Math.<fn>(f64...) -> f64   the host's Math functions listed in `signature.mathImports`
 * and exports
 *   main(scratch, ...params, ...argAddresses: i32)   the kernel: sizes in `signature.params` order,
 *                              then one byte address per argument in `signature.args` order
 *   task_N(scratch, closure, start, end: i32)       the body of parallel loop N over [start, end)
 * `scratch` is the address from which the kernel may use memory for its own buffers (a stack that
 * grows upwards; the kernel grows the memory itself when it needs more). Under a thread pool,
 * participant p of a parallel loop gets scratch + p * THREAD_SCRATCH_BYTES.
 */
import type { KernelSignature, ShapeExpr } from './signature.js';
import type { GpuProgram } from './webgpu/program.js';
import type { WasmModelProgram } from './model_program.js';
import type { GpuModelProgram } from './webgpu/gpu_model.js';

/** Tessera's version, written into every artifact (kept equal to package.json's by a test). */
export const TESSERA_VERSION = '0.1.0';

// --- imports and exports ---------------------------------------------------------------------------

/** The module the runtime's functions and the memory are imported from. */
export const IMPORT_MODULE = 'env';
export const MEMORY_IMPORT = 'memory';
export const ABORT_IMPORT = 'abort';
export const PARALLEL_FOR_IMPORT = 'parallel_for';
/** The module host Math functions are imported from (computed in f64). */
export const MATH_IMPORT_MODULE = 'Math';
/** The exported kernel function. */
export const KERNEL_ENTRY = 'main';
/** The export name of parallel loop `index`'s task. */
export const taskExportName = (index: number): string => `task_${index}`;

// --- memory ----------------------------------------------------------------------------------------

export const PAGE_BYTES = 65536;
/** Pages a memory the runtime creates for a kernel starts with. */
export const INITIAL_PAGES = 16;
/** The maximum a kernel's unshared memory declares (4 GiB, all that wasm32 addresses). */
export const MAX_PAGES = 65536;
/** The maximum a shared memory declares (1 GiB): engines reserve a shared memory's maximum up front. */
export const SHARED_MAX_PAGES = 16384;
/** Addresses below this are never given to a tensor, so that 0 is never a tensor's address. */
export const RESERVED_BYTES = 1024;
/** Tensors placed by the runtime start at multiples of this many bytes (a v128). */
export const TENSOR_ALIGNMENT = 16;
/** Scratch stack each participant of a parallel loop gets (bytes). */
export const THREAD_SCRATCH_BYTES = 8 << 20;
/** The parallel-loop tasks a thread pool can hold per module. */
export const MAX_TASKS = 256;

// --- artifacts -------------------------------------------------------------------------------------

/** The `format` of every artifact description. */
export const ARTIFACT_FORMAT = 'tessera-artifact' as const;
/** The format version this runtime writes and reads. A change that old loaders misread bumps it. */
export const ARTIFACT_VERSION = 1;

export type ArtifactTarget = 'wasm-simd' | 'webgpu';
export const ARTIFACT_TARGETS: readonly ArtifactTarget[] = ['wasm-simd', 'webgpu'];

/**
 * WebAssembly features a binary may need, by the names of the WebAssembly feature proposals
 * (https://webassembly.org/features/). `threads` is shared memory with atomics (a browser page
 * must be cross-origin isolated to have it).
 */
export type WasmFeature = 'simd128' | 'relaxed-simd' | 'threads' | 'bulk-memory' | 'sign-ext' | 'nontrapping-fptoint' | 'mutable-globals';
export const WASM_FEATURES: readonly WasmFeature[] = ['simd128', 'relaxed-simd', 'threads', 'bulk-memory', 'sign-ext', 'nontrapping-fptoint', 'mutable-globals'];

/** Where a tuned schedule came from: a tuning record (the autotuner fills `target` as it sees fit). */
export interface TuningRecordRef {
  /** The workload's key. */
  readonly workload: string;
  /** The record's id in its database. */
  readonly id: string;
  readonly target: unknown;
}

/** How to count the work of one call, as expressions over the size parameters (for benchmarks). */
export interface WorkCount {
  /** Floating-point operations: reported as GFLOP/s. */
  readonly flops?: ShapeExpr;
  /** Output pixels: reported as ms per megapixel. */
  readonly pixels?: ShapeExpr;
}

/** What every artifact description has, whatever its kind. */
export interface ArtifactBase {
  readonly format: typeof ARTIFACT_FORMAT;
  readonly version: number;
  /** 'kernel' (one compiled pipeline); other kinds are registered in runtime/artifact.ts. */
  readonly kind: string;
  readonly name: string;
  readonly target: ArtifactTarget;
  /** The Tessera version that wrote it. */
  readonly tessera: string;
  /** The schedule's trace (Schedule.trace: plain-JSON instructions) it was compiled with. */
  readonly schedule?: readonly Readonly<Record<string, unknown>>[];
  readonly record?: TuningRecordRef;
  readonly work?: WorkCount;
}

/** One binary of a WebAssembly kernel: its file (beside the description) and what it needs. */
export interface WasmBinaryEntry {
  readonly file: string;
  /** Its length in bytes, checked on load. */
  readonly bytes: number;
  readonly features: readonly WasmFeature[];
}

/** A kernel compiled for WebAssembly SIMD. */
export interface WasmKernelDescription extends ArtifactBase {
  readonly kind: 'kernel';
  readonly target: 'wasm-simd';
  /** The calling convention; its `fma` is set by the binary the loader picks. */
  readonly signature: Omit<KernelSignature, 'fma'>;
  /** In order of preference: the loader takes the first whose features this engine has. */
  readonly binaries: readonly WasmBinaryEntry[];
}

/** A kernel compiled for WebGPU: the program holds the WGSL of every kernel. */
export interface GpuKernelDescription extends ArtifactBase {
  readonly kind: 'kernel';
  readonly target: 'webgpu';
  readonly program: GpuProgram;
}

export type KernelDescription = WasmKernelDescription | GpuKernelDescription;

/** A file of an artifact that is data, not code (a model's weights): its name and length. */
export interface DataFileEntry {
  readonly file: string;
  readonly bytes: number;
}

/**
 * A whole model compiled for WebAssembly SIMD: its kernels run in order over one memory
 * (runtime/model_program.ts says where weights, arena and scratch lie, and each step's addresses).
 */
export interface WasmModelDescription extends ArtifactBase {
  readonly kind: 'model';
  readonly target: 'wasm-simd';
  readonly model: WasmModelProgram;
  /** One binary per entry of `model.kernels`, in order. */
  readonly binaries: readonly WasmBinaryEntry[];
  /** Copied into memory at `model.memory.weightsAddress` once, at load. */
  readonly weights: DataFileEntry;
}

/** A whole model compiled for WebGPU: its programs chained over device buffers (runtime/webgpu/gpu_model.ts). */
export interface GpuModelDescription extends ArtifactBase {
  readonly kind: 'model';
  readonly target: 'webgpu';
  readonly model: GpuModelProgram;
  /** The constants' bytes, uploaded once at load. */
  readonly weights: DataFileEntry;
}

export type ModelDescription = WasmModelDescription | GpuModelDescription;

/** An artifact in memory: its description and its other files (binaries), by file name. */
export interface Artifact<D extends ArtifactBase = KernelDescription> {
  readonly description: D;
  readonly files: Readonly<Record<string, Uint8Array>>;
}

/** The file name of an artifact's description: NAME.json beside its binaries. */
export const descriptionFile = (name: string): string => `${name}.json`;

/** An artifact that cannot be read, is of a format or kind this runtime does not know, or needs what this engine lacks. */
export class ArtifactError extends Error {
  override name = 'ArtifactError';
}
