/**
 * Tessera's public API: define with dsl/, schedule with schedule/, then `compile` to a function.
 *
 *   const f = compile(pipeline(out), sch, { target: 'wasm-simd' });
 *   const { out: result } = f({ input: { data, shape } });
 */
import { Pipeline } from './dsl/pipeline.js';
import { Stage } from './dsl/func.js';
import { Schedule } from './schedule/schedule.js';
import { ScheduleError } from './schedule/error.js';
import { lower, type LowerOptions } from './lower/lower.js';
import { printFunc } from './ir/printer.js';
import type { LoweredFunc } from './ir/stmt.js';
import { compileToWasm, type WasmArtifact, type WasmOptions } from './codegen/wasm/module.js';
import { type ArtifactOptions, gpuKernelArtifact, wasmKernelArtifact } from './codegen/artifact.js';
import type { Artifact, GpuKernelDescription, WasmKernelDescription } from './runtime/abi.js';
import { relaxedSimdSupported } from './runtime/wasm_features.js';
import type { Instruction } from './schedule/instruction.js';
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
import type { TuningRecordRef } from './runtime/abi.js';
import { applyBestRecord, recordRef, type RecordSource } from './autotune/apply_record.js';
import { wasmTarget, gpuTarget, TargetError, type TuningTarget } from './autotune/target.js';

export type Target = 'wasm-simd' | 'interp';

/**
 * Tuning records to compile from: when the records hold one for this pipeline's workload (its
 * definition at `sizes`) on the target's class, its schedule is compiled instead of the one passed,
 * and the result names the record (autotune/apply_record.ts). A record of another target class is
 * never applied.
 */
export interface RecordOptions {
  /** A TuningDatabase (autotune/database.ts), or anything with its `best`. */
  readonly records?: RecordSource;
  /** The value of each size variable the records are looked up at (required when the pipeline has any). */
  readonly sizes?: Readonly<Record<string, number>>;
  /**
   * The target the records must have been measured on. Default for compile: this engine's wasm-simd
   * target with one thread and the fma option's choice; for compileGpu: the device's.
   */
  readonly tuningTarget?: TuningTarget;
}

export interface CompileOptions extends LowerOptions, WasmOptions, RecordOptions {
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
  /** The tuning record whose schedule was compiled (options.records), also named by the artifact. */
  readonly record?: TuningRecordRef;
  /**
   * The ahead-of-time artifact (wasm-simd only): the description and the binaries, to save with
   * `writeArtifact` and run with the runtime's `loadArtifact`. With fma 'auto' it holds a baseline
   * binary and, when the kernel has f32 multiply-adds, a relaxed-SIMD one (the loader picks what the
   * engine that runs it has); with 'none' or 'relaxed' the one binary asked for.
   * @throws ArtifactError for a name that cannot name files; Error for the interp target
   */
  artifact(options?: ArtifactOptions): Artifact<WasmKernelDescription>;
}

/**
 * The pipeline to compile and its schedule. Given output stages, it is the schedule's pipeline when
 * that pipeline has exactly those outputs (a schedule is built on a pipeline, not on stages), else a
 * new pipeline of them.
 * @throws ScheduleError when the schedule belongs to a pipeline with other outputs
 */
function pipelineAndSchedule(fn: string, what: Pipeline | Stage | readonly Stage[], schedule: Schedule | undefined): { p: Pipeline; sch: Schedule } {
  let p: Pipeline;
  if (what instanceof Pipeline) p = what;
  else {
    const outputs = what instanceof Stage ? [what] : [...what];
    const same = schedule && schedule.pipeline.outputs.length === outputs.length && outputs.every((o) => schedule.pipeline.outputs.includes(o));
    p = same ? schedule.pipeline : new Pipeline(outputs);
  }
  const sch = schedule ?? new Schedule(p);
  if (sch.pipeline !== p) {
    const names = (q: Pipeline) => q.outputs.map((o) => o.name).join(', ');
    throw new ScheduleError('other-pipeline', p.outputs[0]!.name, undefined, `${fn}: the schedule belongs to another pipeline (outputs ${names(sch.pipeline)}, built separately from this one with outputs ${names(p)}); build the schedule with new Schedule(pipeline) on the pipeline you compile, or compile that pipeline`);
  }
  return { p, sch };
}

/**
 * Compiles a pipeline with a schedule (lowering: lower/lower.ts; code: codegen/wasm/module.ts).
 * @param what a pipeline, or its output stage(s) (then the schedule's pipeline, when it has those outputs)
 * @param schedule a schedule of that pipeline (default: the default schedule)
 * @returns a function taking input tensors by name and returning output tensors by name
 * @throws ScheduleError for schedules that cannot be lowered or that belong to another pipeline;
 *   CodegenError for unsupported code; KernelError when this engine cannot run the kernel; with
 *   records: WorkloadError for missing sizes, TargetError for a tuningTarget that is not wasm-simd
 */
export function compile(what: Pipeline | Stage | readonly Stage[], schedule?: Schedule, options: CompileOptions = {}): CompiledPipeline {
  const chosen = pipelineAndSchedule('compile', what, schedule);
  if (options.tuningTarget && options.tuningTarget.kind !== 'wasm-simd') throw new TargetError(`compile: tuningTarget is a ${options.tuningTarget.kind} target; compile builds wasm-simd kernels (compileGpu builds webgpu ones)`);
  const applied = options.records && applyBestRecord(chosen.p, options.sizes ?? {}, options.records, options.tuningTarget ?? wasmTarget({ fma: options.fma ?? 'auto' }));
  const { p, sch } = applied ? { p: applied.pipeline, sch: applied.schedule } : chosen;
  const record = applied ? recordRef(applied.record) : undefined;
  const { func, notes } = lower(p, sch, options);
  const target = options.target ?? 'wasm-simd';
  const base = { target, lowered: func, loweredText: printFunc(func), notes, ...(record ? { record } : {}) };
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
    const artifact = () => { throw new Error('compile: the interp target has no artifact; compile with target wasm-simd'); };
    return Object.assign(run, base, { signature, artifact });
  }
  const art = compileToWasm(func, options);
  const kernel = WasmKernel.instantiate(art.binary, art.signature);
  const trace = structuredClone(sch.trace);
  let variants: readonly WasmArtifact[] | undefined;
  const artifact = (o: ArtifactOptions = {}) => {
    variants ??= (options.fma ?? 'auto') === 'auto' ? bothFmaVariants(func, options, art) : [art];
    return wasmKernelArtifact(o.name ?? func.name, variants, trace, record && !o.record ? { ...o, record } : o);
  };
  const run = (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>) => kernel.run(inputs, outputs);
  return Object.assign(run, base, { signature: art.signature, binary: art.binary, wasmText: art.text, kernel, artifact });
}

/**
 * The binaries of fma 'auto' for an artifact: `compiled` (what 'auto' chose on this engine) and the
 * other variant, generated from the same lowered function; one binary when the kernel has no f32
 * multiply-add (then both are the same module).
 */
function bothFmaVariants(func: LoweredFunc, options: WasmOptions, compiled: WasmArtifact): readonly WasmArtifact[] {
  if (compiled.features.includes('relaxed-simd')) return [compiled, compileToWasm(func, { ...options, fma: 'none' })];
  if (relaxedSimdSupported()) return [compiled];
  const relaxed = compileToWasm(func, { ...options, fma: 'relaxed' });
  return relaxed.features.includes('relaxed-simd') ? [relaxed, compiled] : [compiled];
}

/** Options of the webgpu target. */
export interface GpuCompileOptions extends GpuLowerOptions, RecordOptions {
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
  /** The tuning record whose schedule was compiled (options.records), also named by the artifact. */
  readonly record?: TuningRecordRef;
  /** The ahead-of-time artifact: the description holding the program. @throws ArtifactError for a bad name */
  artifact(options?: ArtifactOptions): Artifact<GpuKernelDescription>;
}

/** A GPU program compiled without a device, and its artifact. */
export interface GpuProgramResult {
  readonly program: GpuProgram;
  readonly lowered: GpuLowered;
  /** @throws ArtifactError for a name that cannot name files */
  artifact(options?: ArtifactOptions): Artifact<GpuKernelDescription>;
}

/**
 * The GPU program of a pipeline and schedule without a device (an ahead-of-time artifact: run it with
 * runtime/webgpu's GpuKernel). Checked against `options.limits` (default: WebGPU's default limits).
 * @throws ScheduleError for GPU schedules that cannot run (unbound loops, limits); CodegenError for
 *   what WGSL cannot express (f64)
 */
export function gpuProgram(what: Pipeline | Stage | readonly Stage[], schedule?: Schedule, options: GpuLowerOptions = {}): GpuProgramResult {
  const { p, sch } = pipelineAndSchedule('gpuProgram', what, schedule);
  const lowered = lowerForGpu(p, sch, options);
  const program = wgslProgram(lowered);
  const trace: readonly Instruction[] = structuredClone(sch.trace);
  return { program, lowered, artifact: (o: ArtifactOptions = {}) => gpuKernelArtifact(o.name ?? program.name, program, trace, o) };
}

/**
 * Compiles a pipeline for WebGPU: lowers it with its GPU schedule, generates WGSL and creates the
 * device pipelines.
 * @throws as gpuProgram; GpuUnavailableError when there is no WebGPU adapter; WgslCompileError when
 *   the device refuses a shader; with records: WorkloadError for missing sizes, TargetError for a
 *   tuningTarget that is not webgpu
 */
export async function compileGpu(what: Pipeline | Stage | readonly Stage[], schedule?: Schedule, options: GpuCompileOptions = {}): Promise<GpuCompiledPipeline> {
  const context = options.context ?? await acquireGpu();
  const chosen = pipelineAndSchedule('compileGpu', what, schedule);
  if (options.tuningTarget && options.tuningTarget.kind !== 'webgpu') throw new TargetError(`compileGpu: tuningTarget is a ${options.tuningTarget.kind} target; compileGpu builds webgpu kernels (compile builds wasm-simd ones)`);
  const applied = options.records && applyBestRecord(chosen.p, options.sizes ?? {}, options.records, options.tuningTarget ?? gpuTarget(context));
  const record = applied ? recordRef(applied.record) : undefined;
  const { program, lowered, artifact } = applied
    ? gpuProgram(applied.pipeline, applied.schedule, { ...options, limits: options.limits ?? context.limits })
    : gpuProgram(chosen.p, chosen.sch, { ...options, limits: options.limits ?? context.limits });
  const kernel = await GpuKernel.create(context, program, options.pipelineCache);
  const run = (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>) => kernel.run(inputs, outputs);
  const named = (o: ArtifactOptions = {}) => artifact(record && !o.record ? { ...o, record } : o);
  return Object.assign(run, { target: 'webgpu' as const, lowered, loweredText: printGpuLowered(lowered), program, kernel, notes: lowered.notes, artifact: named, ...(record ? { record } : {}) });
}

export * from './dsl/index.js';
export { Schedule } from './schedule/schedule.js';
export type { Instruction } from './schedule/instruction.js';
export { ScheduleError, SCHEDULE_ERROR_CODES, type ScheduleErrorCode } from './schedule/error.js';
export { lower } from './lower/lower.js';
export { CodegenError, CODEGEN_ERROR_CODES, type CodegenErrorCode } from './codegen/error.js';
export { WgslCodegenError } from './codegen/wgsl/types.js';
export { SignatureError } from './codegen/signature.js';
export { VerifyError } from './ir/verify.js';
export type { ArtifactOptions } from './codegen/artifact.js';
export type { FmaOption } from './codegen/wasm/module.js';
export { DEFAULT_GPU_LIMITS, type GpuLimits } from './schedule/gpu_limits.js';
// The runtime: everything `tessera/runtime` exports (loading artifacts, kernels, tensors, its errors).
export * from './runtime/index.js';
// The model compiler: compileOnnx and what it uses and throws (docs/models.md).
export * from './model/index.js';
// The autotuner: tune(), tuning records, targets, workloads (docs/autotune.md).
export * from './autotune/index.js';
