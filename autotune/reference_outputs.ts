/**
 * The outputs every candidate of a workload must reproduce, computed once per measurer from the seeded
 * inputs: by the definition-level reference evaluator (reference/evaluate.ts, the project's
 * independent oracle) when the workload is small enough for it, else by the default schedule (every
 * stage at root, serial loops, no fused multiply-add), which the test suite checks against that oracle
 * on every pipeline it has, built and run once by the measurer's own workers.
 */
import { evaluate } from '../reference/evaluate.js';
import { type Workload, specExtent } from './workload.js';
import type { HostTensor } from './inputs.js';

export type ReferenceMode = 'auto' | 'evaluator' | 'default-schedule';

/** Points the evaluator computes at most under 'auto' (it takes about a second for this many). */
export const EVALUATOR_MAX_WORK = 2_000_000;

/** Points of work of the definition: each stage's points times its reduction's extent. */
export function definitionWork(w: Workload): number {
  let work = 0;
  for (const s of w.spec.stages) {
    let n = s.shape.reduce((acc, e) => acc * specExtent(e, w.sizes), 1);
    for (const a of s.reduction?.axes ?? []) {
      try {
        n *= specExtent(a.extent, w.sizes);
      } catch {
        // An extent that depends on the stage's own axes (a triangular reduction): count the stage as large.
        n *= 1024;
      }
    }
    work += n;
  }
  return work;
}

/** Whether `mode` asks for the evaluator for this workload ('auto': when its work is small enough). */
export function usesEvaluator(w: Workload, mode: ReferenceMode = 'auto'): boolean {
  return mode === 'evaluator' || (mode === 'auto' && definitionWork(w) <= EVALUATOR_MAX_WORK);
}

/**
 * The evaluator's outputs of `w` on `inputs`, by name (the default schedule's are computed by the
 * measurer's own builder and runner: autotune/measure.ts).
 * @throws Error from the evaluator (for instance a read outside an input): the workload itself cannot
 *   be computed on these inputs
 */
export function evaluatorOutputs(w: Workload, inputs: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> {
  return evaluate(w.pipeline, inputs, w.sizes);
}
