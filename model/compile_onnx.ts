/**
 * The model compiler's face: an ONNX file (bytes or a path) to a model that runs on WebAssembly SIMD
 * (kernels over one memory, one or more threads) or WebGPU.
 *
 *   const model = await compileOnnx('squeezenet1.1.onnx', { sizes: { batch: 1 }, threads: 2 });
 *   const { softmaxout_1 } = await model.run({ data_0: { data, shape: [1, 3, 224, 224] } });
 */
import type { Graph } from '../graph/ir.js';
import type { Sizes } from '../graph/analysis.js';
import type { OpLibrary } from '../graph/library.js';
import { optimizeGraph } from '../graph/optimize.js';
import { loadOnnx, loadOnnxFile } from '../onnx/load.js';
import { ThreadPool } from '../runtime/thread_pool.js';
import { WasmModel, type ModelValueInfo, type StepProfile } from '../runtime/wasm_model.js';
import { nodeFlops } from '../graph/flops.js';
import type { ModelTensor } from '../runtime/model_tensors.js';
import type { WasmModelProgram } from '../runtime/model_program.js';
import { ArgumentError } from '../runtime/tensor.js';
import type { GpuContext } from '../runtime/webgpu/device.js';
import type { GpuModelProgram } from '../runtime/webgpu/gpu_model.js';
import { compileWasmModel } from './compile_wasm.js';
import { KernelCache } from './kernel_cache.js';
import { TESSERA_OPS } from './library.js';
import { WEIGHTS_STORAGE, type WeightsStorage } from './half_weights.js';
import type { RecordSource } from '../autotune/apply_record.js';
import type { TuningTarget } from '../autotune/target.js';
import type { TuningRecordRef } from '../runtime/abi.js';
import { modelKernelTarget } from './kernel_records.js';

export type ModelTarget = 'wasm-simd' | 'webgpu';

export interface CompileOnnxOptions {
  /** 'wasm-simd' (default) or 'webgpu'. */
  readonly target?: ModelTarget;
  /** Values of the model's symbolic dimensions (dim_param), e.g. `{ batch: 1 }`. */
  readonly sizes?: Sizes;
  /** Threads the wasm kernels' parallel loops run on (default 1). Above 1 the memory is shared. */
  readonly threads?: number;
  /** Graph passes to leave out, by name (graph/optimize.ts PASSES). */
  readonly skipPasses?: readonly string[];
  /** Print (or pass to a function) the graph after every pass, as TESSERA_DEBUG_GRAPH=1 does. */
  readonly debug?: boolean | ((pass: string, text: string) => void);
  /** Another operator library (default: Tessera's, ops/registry.ts). */
  readonly library?: OpLibrary;
  /** A kernel cache shared between compiles (default: one per process). */
  readonly cache?: KernelCache;
  /** The WebGPU device (target 'webgpu'; default: acquireGpu(), released by dispose). */
  readonly gpu?: GpuContext;
  /**
   * How the weights are stored (default 'f32'): 'f16' rounds every f32 constant to IEEE binary16
   * (nearest even) and stores it so, halving the weights file; the runtime widens it to f32 at load
   * and the kernels compute in f32 with the rounded values (model/half_weights.ts). A constant with a
   * value beyond binary16's range stays f32 (a note says so).
   */
  readonly weights?: WeightsStorage;
  /**
   * Tuning records (a TuningDatabase; `tuneModel` writes them): each kernel whose workload has a
   * record of the target class is compiled from the best one instead of its op's schedule
   * (model/kernel_records.ts). wasm-simd only.
   */
  readonly records?: RecordSource;
  /**
   * The target class the records must have been measured on (default: wasm-simd on this engine, the
   * model's threads, unfused multiply-adds: what the model's kernels are compiled for).
   */
  readonly tuningTarget?: TuningTarget;
  /**
   * Whether the stages of a kernel that read weights only (a Winograd weight transform, a weight copy
   * in the layout the sums read) run once when the model loads (default true) or in every call, as
   * onnxruntime's session.disable_prepacking asks of its kernels. wasm-simd only.
   */
  readonly prepack?: boolean;
}

/** A compiled model, ready to run. */
export interface CompiledModel {
  readonly target: ModelTarget;
  readonly inputs: readonly ModelValueInfo[];
  readonly outputs: readonly ModelValueInfo[];
  /**
   * Runs the model.
   * @param feeds `{ name: { data, shape } }` per input; f16 as Uint16Array bits (dtype 'f16'), int64
   *   as BigInt64Array, bool as Uint8Array
   * @returns every output by name, in its ONNX dtype
   * @throws ArgumentError naming the input for a missing or unknown name, a wrong dtype or shape
   */
  run(feeds: Readonly<Record<string, ModelTensor>>): Promise<Record<string, ModelTensor>>;
  /**
   * Activation memory: on wasm the arena's planned peak bytes; on WebGPU the bytes of its buffers (one
   * per tensor). The lower bound is the largest sum of bytes live at one step.
   */
  readonly plan: { readonly peakBytes: number; readonly lowerBoundBytes: number };
  /** The graph after the passes (with its fusion groups). */
  readonly graph: Graph;
  /** Kernels the model runs per inference. */
  readonly kernelCount: number;
  /** What the kernels' lowering could not do as their schedules asked, and which kernels took a tuning record. */
  readonly notes: readonly string[];
  /**
   * The kernels compiled from a tuning record (options.records): their nodes, the record, and the
   * anchor's implementation when its op has several (a Conv's algorithm).
   */
  readonly tuned: readonly { readonly nodes: readonly string[]; readonly record: TuningRecordRef; readonly implementation?: string }[];
  /** What a saved artifact holds (model/artifact.ts): the wasm-simd build, or the WebGPU one. */
  readonly wasm?: { readonly program: WasmModelProgram; readonly binaries: readonly Uint8Array[]; readonly weights: Uint8Array };
  readonly webgpu?: { readonly program: GpuModelProgram; readonly weights: Uint8Array };
  /**
   * Times each kernel of the model (wasm-simd only): one warm-up inference, then `runs` inferences
   * with every kernel call timed on its own.
   * @returns one entry per kernel in run order, with its nodes' ops, first output's shape and FLOPs
   * @throws ArgumentError as `run`, for bad `runs`, or on a WebGPU model (its kernels run
   *   asynchronously on the device: time them with the bench's timestamp queries)
   */
  profile(feeds: Readonly<Record<string, ModelTensor>>, runs?: number): Promise<ModelStepProfile[]>;
  /** Releases the thread pool (and GPU buffers); the model cannot run afterwards. */
  dispose(): Promise<void>;
}

/** A kernel's time in a profile (CompiledModel.profile). */
export interface ModelStepProfile extends StepProfile {
  /** The op of each node the kernel computes. */
  readonly ops: readonly string[];
  /** The shape of the kernel's output (its last node's first output). */
  readonly outputShape: readonly number[];
  /** Floating-point operations of its nodes (graph/flops.ts: a multiply-add is 2). */
  readonly flops: number;
}

const processCache = new KernelCache();

/**
 * Loads and compiles an ONNX model.
 * @param model the .onnx file's bytes, or its path
 * @throws ModelLoadError for a file that cannot be read or decoded; GraphError for unbound symbolic
 *   dimensions, unknown `sizes` names and unsupported ops (naming the node, op and opset and listing
 *   the supported ops); OpError for attributes or types an op's spec forbids; ModelCompileError when
 *   a kernel fails to build; ArgumentError for bad options
 */
export async function compileOnnx(model: Uint8Array | string, options: CompileOnnxOptions = {}): Promise<CompiledModel> {
  const target = options.target ?? 'wasm-simd';
  if (target !== 'wasm-simd' && target !== 'webgpu') throw new ArgumentError(`compileOnnx: target must be 'wasm-simd' or 'webgpu', got ${JSON.stringify(target)}`);
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new ArgumentError(`compileOnnx: threads must be a positive integer, got ${threads}`);
  if (target === 'webgpu' && threads !== 1) throw new ArgumentError('compileOnnx: threads apply to the wasm-simd target; WebGPU kernels run on the device');
  if (options.records && target !== 'wasm-simd') throw new ArgumentError('compileOnnx: records apply to the wasm-simd target; tuning a model for WebGPU is not built yet');
  if (options.weights !== undefined && !WEIGHTS_STORAGE.includes(options.weights)) throw new ArgumentError(`compileOnnx: weights must be ${WEIGHTS_STORAGE.map((w) => `'${w}'`).join(' or ')}, got ${JSON.stringify(options.weights)}`);
  const graph = typeof model === 'string' ? loadOnnxFile(model) : loadOnnx(model);
  return compileGraph(graph, { ...options, target, threads });
}

/**
 * Compiles a loaded graph (onnx/load.ts) as compileOnnx does.
 * @throws as compileOnnx, less the loading errors
 */
export async function compileGraph(graph: Graph, options: CompileOnnxOptions = {}): Promise<CompiledModel> {
  const library = options.library ?? TESSERA_OPS;
  const threads = options.threads ?? 1;
  const { graph: g, analysis } = optimizeGraph(graph, library, { sizes: options.sizes, skip: options.skipPasses, debug: options.debug });
  if ((options.target ?? 'wasm-simd') === 'webgpu') {
    if (options.records) throw new ArgumentError('compileGraph: records apply to the wasm-simd target; tuning a model for WebGPU is not built yet');
    const { compileGpuModel } = await import('./compile_gpu.js');
    return compileGpuModel(g, analysis, options.cache ?? processCache, options.gpu, options.weights);
  }
  const tuning = options.records ? { records: options.records, target: options.tuningTarget ?? modelKernelTarget(threads) } : undefined;
  const build = compileWasmModel(g, analysis, threads, options.cache ?? processCache, options.weights, tuning, options.prepack ?? true);
  const pool = threads > 1 ? await ThreadPool.create(threads) : undefined;
  let runtime: WasmModel;
  try {
    runtime = await WasmModel.create(build.program, build.binaries, build.weights, { pool });
  } catch (e) {
    await pool?.close();
    throw e;
  }
  let disposed = false;
  return {
    target: 'wasm-simd',
    inputs: runtime.inputs,
    outputs: runtime.outputs,
    run: async (feeds) => {
      if (disposed) throw new ArgumentError(`${build.program.name}: the model was disposed`);
      return runtime.run(feeds);
    },
    profile: async (feeds, runs) => {
      if (disposed) throw new ArgumentError(`${build.program.name}: the model was disposed`);
      const byName = new Map(g.nodes.map((n) => [n.name, n]));
      return runtime.profile(feeds, runs).map((s) => {
        const nodes = s.nodes.map((n) => byName.get(n)!);
        const last = nodes.at(-1)!;
        return { ...s, ops: nodes.map((n) => n.op), outputShape: [...(analysis.types.get(last.outputs[0]!)?.shape ?? [])], flops: nodes.reduce((f, n) => f + nodeFlops(g, analysis, n), 0) };
      });
    },
    plan: build.program.plan,
    graph: g,
    kernelCount: build.program.steps.length,
    notes: build.notes,
    tuned: build.tuned,
    wasm: build,
    dispose: async () => { disposed = true; await pool?.close(); },
  };
}
