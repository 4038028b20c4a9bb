/**
 * A compiled model as plain JSON: the kernels' signatures, the steps that call them at planned
 * addresses of one memory, where the weights and the activation arena lie, and the model's inputs and
 * outputs with their ONNX dtypes. The runtime runs it without the compiler (a saved model artifact is
 * this object, the kernels' binaries and the weights blob).
 *
 * Memory of a wasm model, low to high: [0, 1024) reserved; weights (copied in once at load); what
 * the prepare steps compute from them (once at load); the arena (model inputs, activations,
 * outputs, at offsets planned from their lifetimes); then the kernels' scratch stack, which grows
 * as they need (each thread of a parallel loop its own slice).
 */
import type { KernelSignature } from './signature.js';
import type { ModelDType } from './model_dtype.js';
import type { WasmFeature } from './abi.js';
import type { HalfRun } from './weights.js';

/** A model's input or output as callers see it: its name, ONNX dtype and static shape. */
export interface ModelValueInfo {
  readonly name: string;
  readonly dtype: ModelDType;
  readonly shape: readonly number[];
}

/** A model input, output or constant output: where its data lies in memory. */
export interface ModelTensorSpec extends ModelValueInfo {
  /** Byte address in the model's memory (kernel dtype: runtime/model_dtype.ts kernelDType). */
  readonly address: number;
}

export interface ModelStep {
  /** Index into `kernels`. */
  readonly kernel: number;
  /** The graph nodes this kernel computes, for errors and profiles. */
  readonly nodes: readonly string[];
  readonly params: readonly number[];
  /** Byte address of each signature argument, in order. */
  readonly addresses: readonly number[];
}

export interface MemoryLayout {
  readonly weightsAddress: number;
  /** Bytes of the weights region in memory (the weights file holds fewer when some are stored as f16). */
  readonly weightsBytes: number;
  /** Runs of f32 weights stored as binary16 in the weights file, widened at load (runtime/weights.ts); absent: none. */
  readonly f16Weights?: readonly HalfRun[];
  readonly arenaAddress: number;
  readonly arenaBytes: number;
  /** Where the kernels' scratch stack starts. */
  readonly scratchAddress: number;
}

export interface WasmModelProgram {
  readonly name: string;
  /** Threads the kernels were compiled for; above 1 every kernel imports one shared memory. */
  readonly threads: number;
  readonly memory: MemoryLayout;
  readonly inputs: readonly ModelTensorSpec[];
  readonly outputs: readonly ModelTensorSpec[];
  /** Each kernel's calling convention and the WebAssembly features its binary needs. */
  readonly kernels: readonly (KernelSignature & { readonly features: readonly WasmFeature[] })[];
  readonly steps: readonly ModelStep[];
  /**
   * Steps run once when the model loads, after the weights are in: each computes from the weights
   * what a step reads as a constant (a weight transform, a weight copy in the layout its sums read),
   * into memory between the weights and the arena. Absent: none.
   */
  readonly prepare?: readonly ModelStep[];
  /** The arena plan's peak and its lower bound (the largest sum of bytes live at one step). */
  readonly plan: { readonly peakBytes: number; readonly lowerBoundBytes: number };
}
