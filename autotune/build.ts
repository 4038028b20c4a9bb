/**
 * Building one candidate (MetaSchedule's builder): replay its trace on the workload's pipeline, lower
 * it and generate code, timing the whole. Never throws for a bad candidate: a refused trace is
 * `invalid` with the ScheduleError's code, any other failure `compile`. Runs in the build workers
 * (autotune/build_worker.ts); also callable directly.
 */
import type { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import type { Instruction } from '../schedule/instruction.js';
import type { GpuLimits } from '../schedule/gpu_limits.js';
import { lower } from '../lower/lower.js';
import { type LoweredFunc, walkStmt } from '../ir/stmt.js';
import { lowerForGpu } from '../lower/gpu/lower_gpu.js';
import { compileToWasm } from '../codegen/wasm/module.js';
import { splitConstantStages } from '../lower/constant_stages.js';
import { wgslProgram } from '../codegen/wgsl/program.js';
import type { KernelSignature } from '../runtime/signature.js';
import type { GpuProgram } from '../runtime/webgpu/program.js';
import { loweredHash } from './lowered_hash.js';
import { memoryDemandBytes } from './memory_demand.js';
import type { TargetKind } from './target.js';

export interface BuildOptions {
  readonly kind: TargetKind;
  /** wasm-simd: threads a kernel runs on; with more than one, parallel loops become pool tasks. */
  readonly threads: number;
  /** wasm-simd: 'relaxed' fuses f32 multiply-adds (the target has relaxed SIMD), 'none' does not. */
  readonly fma: 'relaxed' | 'none';
  /** webgpu: the device's limits the program is checked against. */
  readonly gpuLimits?: GpuLimits;
  /**
   * wasm-simd: inputs whose values are the same in every call (a model's weights): the stages that
   * read only them are built as a prepare kernel, run once before the timing, as a compiled model
   * runs them once at load (lower/constant_stages.ts).
   */
  readonly constantInputs?: readonly string[];
}

/** A candidate's prepare kernel: computes, from the constant inputs, buffers the kernel takes as inputs. */
export interface PrepareBuild { readonly binary: Uint8Array; readonly signature: KernelSignature }

export type BuildResult =
  | { readonly status: 'ok'; readonly kind: 'wasm-simd'; readonly binary: Uint8Array; readonly signature: KernelSignature;
      readonly loweredHash: string; readonly compileSeconds: number; readonly memoryBytes: number;
      /** Indices of `signature.messages` that report a failed memory.grow (see `outOfMemoryMessages`). */
      readonly oomMessages: readonly number[]; readonly prepare?: PrepareBuild }
  | { readonly status: 'ok'; readonly kind: 'webgpu'; readonly program: GpuProgram; readonly loweredHash: string; readonly compileSeconds: number }
  | { readonly status: 'invalid'; readonly code?: string; readonly error: string; readonly compileSeconds: number }
  | { readonly status: 'compile'; readonly error: string; readonly loweredHash?: string; readonly compileSeconds: number };

/** The machine-readable code of a ScheduleError (schedule/error.ts), when it has one. */
export const scheduleErrorCode = (e: ScheduleError): string | undefined => {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * The messages of a kernel's aborts that are not the asserts of its lowered function: the WebAssembly
 * backend's other abort is a stack allocation whose memory.grow failed (codegen/wasm/function_emitter.ts),
 * so a run that aborts with one of these ran out of memory.
 */
export function outOfMemoryMessages(f: LoweredFunc, sig: KernelSignature): number[] {
  const asserts = new Set<string>();
  walkStmt(f.body, (s) => { if (s.kind === 'assert') asserts.add(s.message); });
  return sig.messages.flatMap((m, i) => (asserts.has(m) ? [] : [i]));
}

/**
 * @param pipeline the workload's pipeline (rebuilt from its spec: autotune/workload.ts)
 * @param sizes the workload's sizes (for the memory a wasm kernel needs)
 * @param trace the candidate, decisions filled
 */
export function buildCandidate(pipeline: Pipeline, sizes: Readonly<Record<string, number>>, trace: readonly Instruction[], o: BuildOptions): BuildResult {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  let func: LoweredFunc | undefined;
  try {
    const sch = Schedule.replay(pipeline, trace);
    if (o.kind === 'webgpu') {
      const lowered = lowerForGpu(pipeline, sch, { limits: o.gpuLimits });
      func = lowered.func;
      const program = wgslProgram(lowered);
      return { status: 'ok', kind: 'webgpu', program, loweredHash: loweredHash(func), compileSeconds: seconds() };
    }
    func = lower(pipeline, sch).func;
    const hash = loweredHash(func);
    const constant = new Set(o.constantInputs ?? []);
    const split = constant.size ? splitConstantStages(func, new Set(func.args.filter((a) => a.role === 'input' && constant.has(a.buffer.name)).map((a) => a.buffer))) : undefined;
    // A kernel and its prepare kernel share one memory: shared when either has parallel loops.
    const options = { fma: o.fma, threads: o.threads > 1, sharedMemory: split !== undefined && o.threads > 1 } as const;
    const art = compileToWasm(split ? split.main : func, options);
    const prepare = split && compileToWasm(split.prepare, options);
    return {
      status: 'ok', kind: 'wasm-simd', binary: art.binary, signature: art.signature, loweredHash: hash, compileSeconds: seconds(),
      memoryBytes: memoryDemandBytes(func, sizes, o.threads), oomMessages: outOfMemoryMessages(split ? split.main : func, art.signature),
      ...(prepare ? { prepare: { binary: prepare.binary, signature: prepare.signature } } : {}),
    };
  } catch (e) {
    if (e instanceof ScheduleError) {
      const code = scheduleErrorCode(e);
      return { status: 'invalid', ...(code ? { code } : {}), error: e.message, compileSeconds: seconds() };
    }
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { status: 'compile', error: error.slice(0, 4000), ...(func ? { loweredHash: loweredHash(func) } : {}), compileSeconds: seconds() };
  }
}
