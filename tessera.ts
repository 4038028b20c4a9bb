/**
 * Tessera's public API: define with dsl/, schedule with schedule/, then `compile` to a function.
 *
 *   const f = compile(pipeline(out), sch, { target: 'wasm-simd' });
 *   const { out: result } = f({ input: { data, shape } });
 */
import { Pipeline } from './dsl/pipeline.js';
import { Stage } from './dsl/func.js';
import { Schedule } from './schedule/schedule.js';
import { lower, type LowerOptions } from './lower/lower.js';
import { printFunc } from './ir/printer.js';
import type { LoweredFunc } from './ir/stmt.js';
import { compileToWasm, type WasmOptions } from './codegen/wasm/module.js';
import { interpret } from './codegen/interpreter.js';
import { WasmKernel, KernelError } from './runtime/wasm_kernel.js';
import type { KernelSignature } from './runtime/signature.js';
import { kernelSignature } from './codegen/signature.js';
import { bindArguments } from './runtime/bind.js';
import type { Tensor } from './runtime/tensor.js';
import { lowerForGpu, printGpuLowered, type GpuLowered, type GpuLowerOptions } from './lower/gpu/lower_gpu.js';
import { wgslProgram } from './codegen/wgsl/program.js';
import type { GpuProgram } from './runtime/webgpu/program.js';
import { GpuKernel } from './runtime/webgpu/gpu_kernel.js';
import { acquireGpu, type GpuContext } from './runtime/webgpu/device.js';
import type { PipelineCache } from './runtime/webgpu/pipeline_cache.js';

export type Target = 'wasm-simd' | 'interp';

export interface CompileOptions extends LowerOptions, WasmOptions {
  /** `wasm-simd` (default): WebAssembly with 128-bit SIMD. `interp`: the IR interpreter (reference). */
  readonly target?: Target;
}

/** A compiled pipeline: call it with input tensors (and optionally output tensors) by name. */
export interface CompiledPipeline {
  (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
  readonly target: Target;
  readonly lowered: LoweredFunc;
  /** The lowered loop nest as text. */
  readonly loweredText: string;
  readonly signature: KernelSignature;
  /** WebAssembly bytes (wasm-simd only). */
  readonly binary?: Uint8Array;
  /** binaryen's text of the module (wasm-simd only). */
  readonly wasmText?: string;
  /** What the schedule asked for that lowering could not do as asked. */
  readonly notes: readonly string[];
  /** The kernel, for resident tensors (`kernel.alloc`) that avoid copies (wasm-simd only). */
  readonly kernel?: WasmKernel;
}

/**
 * Compiles a pipeline with a schedule.
 * @param what a pipeline, or its output stage(s)
 * @param schedule a schedule of that pipeline (default: the default schedule)
 * @returns a function taking input tensors by name and returning output tensors by name
 * @throws ScheduleError for schedules that cannot be lowered; CodegenError for unsupported code
 */
export function compile(what: Pipeline | Stage | readonly Stage[], schedule?: Schedule, options: CompileOptions = {}): CompiledPipeline {
  const p = what instanceof Pipeline ? what : new Pipeline(what instanceof Stage ? [what] : what);
  const sch = schedule ?? new Schedule(p);
  if (sch.pipeline !== p) throw new Error('compile: the schedule belongs to another pipeline; build it with new Schedule(pipeline)');
  const { func, notes } = lower(p, sch, options);
  const target = options.target ?? 'wasm-simd';
  const base = { target, lowered: func, loweredText: printFunc(func), notes };
  if (target === 'interp') {
    const signature = kernelSignature(func);
    const run = (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>) => {
      const { params, tensors } = bindArguments(signature, inputs, outputs);
      try {
        interpret(func, new Map(func.params.map((v) => [v, params.get(v.name)!])), new Map(func.args.map((a, i) => [a.buffer, tensors[i]!.data])));
      } catch (e) {
        // A failed assert is a run-time check of the kernel, as on wasm.
        if (e instanceof Error && e.constructor === Error) throw new KernelError(`${func.name}: ${e.message}`);
        throw e;
      }
      const out: Record<string, Tensor> = {};
      func.args.forEach((a, i) => { if (a.role === 'output') out[a.buffer.name] = tensors[i]!; });
      return out;
    };
    return Object.assign(run, base, { signature });
  }
  const art = compileToWasm(func, options);
  const kernel = WasmKernel.instantiate(art.binary, art.signature);
  const run = (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>) => kernel.run(inputs, outputs);
  return Object.assign(run, base, { signature: art.signature, binary: art.binary, wasmText: art.text, kernel });
}

/** Options of the webgpu target. */
export interface GpuCompileOptions extends GpuLowerOptions {
  /** The device to run on (default: `acquireGpu()`); its limits are checked at compile time. */
  readonly context?: GpuContext;
  readonly pipelineCache?: PipelineCache;
}

/** A pipeline compiled for WebGPU: call it with input tensors; it resolves to the outputs. */
export interface GpuCompiledPipeline {
  (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  readonly target: 'webgpu';
  readonly lowered: GpuLowered;
  /** The kernels after the GPU passes, as text. */
  readonly loweredText: string;
  /** The program the runtime runs: WGSL per kernel, grids, bindings, host checks (plain JSON). */
  readonly program: GpuProgram;
  readonly kernel: GpuKernel;
  readonly notes: readonly string[];
}

/**
 * The GPU program of a pipeline and schedule without a device (an ahead-of-time artifact: run it with
 * runtime/webgpu's GpuKernel). Checked against `options.limits` (default: WebGPU's default limits).
 * @throws ScheduleError for GPU schedules that cannot run (unbound loops, limits); CodegenError for
 *   what WGSL cannot express (f64)
 */
export function gpuProgram(what: Pipeline | Stage | readonly Stage[], schedule?: Schedule, options: GpuLowerOptions = {}): { program: GpuProgram; lowered: GpuLowered } {
  const p = what instanceof Pipeline ? what : new Pipeline(what instanceof Stage ? [what] : what);
  const sch = schedule ?? new Schedule(p);
  if (sch.pipeline !== p) throw new Error('gpuProgram: the schedule belongs to another pipeline; build it with new Schedule(pipeline)');
  const lowered = lowerForGpu(p, sch, options);
  return { program: wgslProgram(lowered), lowered };
}

/**
 * Compiles a pipeline for WebGPU: lowers it with its GPU schedule, generates WGSL and creates the
 * device pipelines.
 * @throws as gpuProgram; GpuUnavailableError when there is no WebGPU adapter; WgslCompileError when
 *   the device refuses a shader
 */
export async function compileGpu(what: Pipeline | Stage | readonly Stage[], schedule?: Schedule, options: GpuCompileOptions = {}): Promise<GpuCompiledPipeline> {
  const context = options.context ?? await acquireGpu();
  const { program, lowered } = gpuProgram(what, schedule, { ...options, limits: options.limits ?? context.limits });
  const kernel = await GpuKernel.create(context, program, options.pipelineCache);
  const run = (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>) => kernel.run(inputs, outputs);
  return Object.assign(run, { target: 'webgpu' as const, lowered, loweredText: printGpuLowered(lowered), program, kernel, notes: lowered.notes });
}

export * from './dsl/index.js';
export { Schedule } from './schedule/schedule.js';
export { ScheduleError, SCHEDULE_ERROR_CODES, type ScheduleErrorCode } from './schedule/error.js';
export { CodegenError, CODEGEN_ERROR_CODES, type CodegenErrorCode } from './codegen/error.js';
export { lower } from './lower/lower.js';
export type { Tensor } from './runtime/tensor.js';
export { ArgumentError } from './runtime/tensor.js';
export { KernelError } from './runtime/wasm_kernel.js';
export { ThreadPool, ThreadPoolError, defaultThreadCount } from './runtime/thread_pool.js';
export { acquireGpu, GpuContext } from './runtime/webgpu/device.js';
export { GpuKernel, GpuKernelError } from './runtime/webgpu/gpu_kernel.js';
export type { GpuProgram } from './runtime/webgpu/program.js';
export { DEFAULT_GPU_LIMITS, type GpuLimits } from './schedule/gpu_limits.js';
