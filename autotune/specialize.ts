/**
 * Workloads specialised to their sizes: every size variable of the spec replaced by its value, so the
 * pipeline rebuilt from it has constant shapes. Lowering a schedule of it folds every extent: it is
 * 10-25x faster than lowering the symbolic pipeline (measured on the blur and SGEMM spaces, loaded
 * machine), and the kernels drop the run-time arithmetic of symbolic tails. The tuner measures and
 * records the specialised workload: a tuning record is for concrete sizes anyway, and the function it
 * names is the one measured. `compile(p, sch, { records, sizes })` finds such records too
 * (autotune/apply_record.ts).
 */
import { type SpecExpr, type Workload, type WorkloadSpec, workloadFromSpec } from './workload.js';

function substitute(x: unknown, sizes: Readonly<Record<string, number>>): unknown {
  if (Array.isArray(x)) return x.map((y) => substitute(y, sizes));
  if (typeof x !== 'object' || x === null) return x;
  const e = x as SpecExpr;
  if (e.k === 'size' && sizes[e.n] !== undefined) return { k: 'const', t: 'i32', v: sizes[e.n]! } satisfies SpecExpr;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, substitute(v, sizes)]));
}

/** The spec with every size variable replaced by its value (and no sizes left). */
export function specializedSpec(spec: WorkloadSpec): WorkloadSpec {
  const { sizes, ...rest } = spec;
  return { ...(substitute(rest, sizes) as Omit<WorkloadSpec, 'sizes'>), sizes: {} };
}

/**
 * The workload with constant shapes that computes what `w` computes at its sizes.
 * @throws WorkloadError / DefinitionError as pipelineFromSpec (never for a spec workloadOf made)
 */
export function specializedWorkload(w: Workload): Workload {
  return workloadFromSpec(specializedSpec(w.spec), w.name);
}
