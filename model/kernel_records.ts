/**
 * Tuning records for the kernels of a model. A kernel's workload is its job's pipeline with stages
 * named by their place in the kernel (model/kernel.ts StageNaming 'job') at the model's constant
 * shapes: the same layer shape at two places of a model, or in two models, is one workload, tuned
 * once (model/tasks.ts). The records of a kernel are looked up for the model's target class:
 * wasm-simd on this engine, the model's thread count, multiply-adds unfused (the model's kernels are
 * compiled with fma 'none', so a record timed with relaxed-SIMD FMA would name another kernel).
 */
import type { Graph } from '../graph/ir.js';
import type { Analysis } from '../graph/analysis.js';
import type { RecordSource } from '../autotune/apply_record.js';
import type { TuningRecord } from '../autotune/database.js';
import { type TuningTarget, targetClass, wasmTarget } from '../autotune/target.js';
import { type Workload, workloadOf } from '../autotune/workload.js';
import { defineKernel, type KernelDefinition, type KernelJob } from './kernel.js';

/** Where a model's kernels find their records, and the target class they must have been measured on. */
export interface KernelTuning {
  readonly records: RecordSource;
  readonly target: TuningTarget;
}

/**
 * The tuning target of a model's wasm-simd kernels on this engine: `threads` threads, no fused
 * multiply-adds (what model/kernel.ts compiles).
 * @throws TargetError for a thread count that is not a positive integer
 */
export const modelKernelTarget = (threads: number): TuningTarget => wasmTarget({ threads, fma: 'none' });

/**
 * A kernel job's definition with job-local stage names and its workload (constant shapes, so the
 * workload is already the specialised one tune() files records under).
 * @throws OpError, DefinitionError, ScheduleError from defining and scheduling the job
 */
export function kernelWorkload(g: Graph, a: Analysis, job: KernelJob, threads: number, name?: string): { definition: KernelDefinition; workload: Workload } {
  const definition = defineKernel(g, a, job, 'wasm-simd', threads, undefined, 'job');
  return { definition, workload: workloadOf(definition.pipeline, {}, name) };
}

/**
 * The best record of the job's workload for `tuning.target`'s class, or undefined. A record of another
 * target class (engine major version, features, threads) is never returned.
 * @throws as kernelWorkload
 */
export function kernelRecord(g: Graph, a: Analysis, job: KernelJob, threads: number, tuning: KernelTuning): TuningRecord | undefined {
  const { workload } = kernelWorkload(g, a, job, threads);
  const r = tuning.records.best(workload.key, tuning.target);
  return r && r.workload === workload.key && r.result.status === 'ok' && targetClass(r.target) === targetClass(tuning.target) ? r : undefined;
}
