/**
 * The outputs every candidate of a workload must reproduce, computed once per measurer from the seeded
 * inputs: by the definition-level reference evaluator (reference/evaluate.ts, the project's
 * independent oracle) when the workload is small enough for it, else by the default schedule compiled
 * once (every stage at root, serial loops, no fused multiply-add), which the test suite checks against
 * that oracle on every pipeline it has.
 */
import { evaluate } from '../reference/evaluate.js';
import { Schedule } from '../schedule/schedule.js';
import { lower } from '../lower/lower.js';
import { compileToWasm } from '../codegen/wasm/module.js';
import { WasmKernel } from '../runtime/wasm_kernel.js';
import type { Tensor } from '../runtime/tensor.js';
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

/**
 * @returns the outputs of `w` on `inputs`, by name, and how they were computed
 * @throws Error from the evaluator (for instance a read outside an input) or from compiling or running
 *   the default schedule: the workload itself cannot be computed on these inputs
 */
export function referenceOutputs(w: Workload, inputs: Readonly<Record<string, HostTensor>>, mode: ReferenceMode = 'auto'): { outputs: Record<string, HostTensor>; method: 'evaluator' | 'default-schedule' } {
  const useEvaluator = mode === 'evaluator' || (mode === 'auto' && definitionWork(w) <= EVALUATOR_MAX_WORK);
  if (useEvaluator) return { outputs: evaluate(w.pipeline, inputs, w.sizes), method: 'evaluator' };
  const { func } = lower(w.pipeline, new Schedule(w.pipeline));
  const art = compileToWasm(func, { fma: 'none', threads: false });
  const kernel = WasmKernel.instantiate(art.binary, art.signature);
  const out = kernel.run(inputs as Readonly<Record<string, Tensor>>);
  return { outputs: Object.fromEntries(Object.entries(out).map(([n, t]) => [n, { data: t.data, shape: [...t.shape] }])), method: 'default-schedule' };
}
