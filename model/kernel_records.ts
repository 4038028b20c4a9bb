/**
 * Tuning records for the kernels of a model. A kernel's workload is its job's pipeline with stages
 * named by their place in the kernel (model/kernel.ts StageNaming 'job') at the model's constant
 * shapes: the same layer shape at two places of a model, or in two models, is one workload, tuned
 * once (model/tasks.ts). The records of a kernel are looked up for the model's target class:
 * wasm-simd on this engine, the model's thread count, multiply-adds unfused (the model's kernels are
 * compiled with fma 'none', so a record timed with relaxed-SIMD FMA would name another kernel). An op
 * with several implementations (a Conv's algorithms) has a workload per implementation; the kernel
 * is compiled with the one whose record is fastest.
 */
import type { Graph } from '../graph/ir.js';
import type { Analysis } from '../graph/analysis.js';
import type { RecordSource } from '../autotune/apply_record.js';
import type { TuningRecord } from '../autotune/database.js';
import { type TuningTarget, targetClass, wasmTarget } from '../autotune/target.js';
import { type Workload, workloadOf } from '../autotune/workload.js';
import { defineKernel, type KernelChoice, type KernelDefinition, type KernelJob } from './kernel.js';
import { opContext } from '../graph/analysis.js';

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
 * The implementations of a kernel's anchor (OpEntry.implementations), the default first; [undefined]
 * when the op has one.
 * @throws OpError from the entry
 */
export function kernelImplementations(g: Graph, a: Analysis, job: KernelJob): readonly (string | undefined)[] {
  const node = job.nodes[0]!;
  const entry = a.entries.get(node.name)!;
  if (!entry.implementations) return [undefined];
  const names = entry.implementations(opContext(node, 0, g.opsets.get(node.domain)!, a.types, a.consts));
  return names.length > 1 ? names : [undefined];
}

/**
 * A kernel job's definition with job-local stage names and its workload (constant shapes, so the
 * workload is already the specialised one tune() files records under), with the anchor's
 * `implementation` (undefined: its default; each implementation is a workload of its own).
 * @throws OpError, DefinitionError, ScheduleError from defining and scheduling the job
 */
export function kernelWorkload(g: Graph, a: Analysis, job: KernelJob, threads: number, name?: string, implementation?: string): { definition: KernelDefinition; workload: Workload } {
  const definition = defineKernel(g, a, job, 'wasm-simd', threads, undefined, 'job', implementation);
  return { definition, workload: workloadOf(definition.pipeline, {}, name) };
}

/** One of a job's workloads (kernelWorkloads). */
export interface ImplementationWorkload {
  readonly implementation?: string;
  readonly definition: KernelDefinition;
  readonly workload: Workload;
  /**
   * For an approximate implementation (OpEntry.approximates): the default's workload, whose outputs
   * its candidates must reproduce (MeasureOptions.checkAgainst).
   */
  readonly checkAgainst?: Workload;
}

/**
 * The job's distinct workloads, one per implementation of its anchor (the default first), those of
 * implementations that differ in their schedule alone counted once, under the first's name.
 * @throws as kernelWorkload
 */
export function kernelWorkloads(g: Graph, a: Analysis, job: KernelJob, threads: number): ImplementationWorkload[] {
  const out: ImplementationWorkload[] = [];
  const entry = a.entries.get(job.nodes[0]!.name)!;
  for (const implementation of kernelImplementations(g, a, job)) {
    const defined = kernelWorkload(g, a, job, threads, undefined, implementation);
    if (out.some((x) => x.workload.key === defined.workload.key)) continue;
    const approximate = implementation !== undefined && out.length > 0 && entry.approximates?.(implementation) === true;
    out.push({ ...defined, ...(implementation !== undefined ? { implementation } : {}), ...(approximate ? { checkAgainst: out[0]!.workload } : {}) });
  }
  return out;
}

/**
 * How to compile a job from `tuning`: of the anchor's implementations, the one whose best record for
 * `tuning.target`'s class is fastest (its declared record, the in-model check's, where it has one:
 * TuningDatabase.best), with that record; undefined when no implementation has a record. A record
 * of another target class (engine major version, features, threads) is never taken, nor one of an
 * approximate implementation that was not checked against the default's outputs (Winograd is used
 * only where its measured error stayed within the tolerance). Choosing by measured time per layer
 * is MNN's per-device scheme search and TVM's op strategy chosen by tuning.
 * @throws as kernelWorkload
 */
export function kernelChoice(g: Graph, a: Analysis, job: KernelJob, threads: number, tuning: KernelTuning): KernelChoice | undefined {
  let best: { record: TuningRecord; implementation: string | undefined } | undefined;
  for (const { implementation, workload, checkAgainst } of kernelWorkloads(g, a, job, threads)) {
    const r = tuning.records.best(workload.key, tuning.target);
    if (!r || r.workload !== workload.key || r.result.status !== 'ok' || targetClass(r.target) !== targetClass(tuning.target)) continue;
    if (checkAgainst && r.result.checkedAgainst !== checkAgainst.key) continue;
    if (!best || r.result.seconds! < best.record.result.seconds!) best = { record: r, implementation };
  }
  return best && { record: best.record, ...(best.implementation !== undefined ? { implementation: best.implementation } : {}) };
}
