/**
 * Storage layout (Halide's Func::reorder_storage; TVM's transform_layout with an index map limited to
 * splits and a permutation): how the buffer of a stage that Tessera allocates is laid out, without
 * changing its loops or its values. Inputs and outputs keep the caller's dense row-major layout.
 */
import { ScheduleError } from './error.js';
import type { ScheduleContext } from './compute_location.js';
import type { StageState, StorageSplit } from './state.js';

/** The stage's storage dimensions, outermost first. */
export function storageDims(s: StageState): string[] {
  return [...(s.storage?.order ?? s.stage.axes.map((v) => v.name))];
}

function allocatedStage(v: ScheduleContext, stage: string, primitive: string): StageState {
  const s = v.state(stage);
  if (v.isOutput(stage)) {
    throw new ScheduleError('output-layout', stage, undefined, `${primitive}: ${stage} is an output of the pipeline; its layout is the caller's (dense row-major). Lay out a cacheWrite copy of it instead`);
  }
  return s;
}

function knownDim(s: StageState, dims: readonly string[], d: string, primitive: string, pending?: StorageSplit): void {
  if (dims.includes(d)) return;
  const split = [...(s.storage?.splits ?? []), ...(pending ? [pending] : [])].find((x) => x.dim === d);
  const why = split ? ` (it was split into ${split.outer} and ${split.inner})` : '';
  throw new ScheduleError('no-such-storage-dim', s.name, d, `${primitive}: ${d} is not a storage dimension of ${s.name}${why}`, dims);
}

/**
 * reorder_storage(...dims): puts the named storage dimensions in this order, outermost first, in the
 * positions they occupy together; the others stay (as `reorder` does for loops). Halide's
 * reorder_storage lists them innermost first; Tessera lists outermost first, like its shapes.
 * @param dims at least two storage dimensions (the definition's axes, or names a transform_layout
 *   split gave)
 * @throws ScheduleError for an output stage, fewer than two dimensions, an unknown or repeated one
 */
export function reorderStorage(v: ScheduleContext, stage: string, dims: readonly string[]): void {
  const s = allocatedStage(v, stage, 'reorder_storage');
  const current = storageDims(s);
  if (dims.length < 2) throw new ScheduleError('too-few-axes', stage, dims[0], 'reorder_storage needs at least two dimensions', current);
  const seen = new Set<string>();
  for (const d of dims) {
    knownDim(s, current, d, 'reorder_storage');
    if (seen.has(d)) throw new ScheduleError('listed-twice', stage, d, `reorder_storage: ${d} is listed twice`);
    seen.add(d);
  }
  const positions = dims.map((d) => current.indexOf(d)).sort((a, b) => a - b);
  const order = [...current];
  positions.forEach((p, i) => { order[p] = dims[i]!; });
  s.storage = { splits: s.storage?.splits ?? [], order };
}

export interface LayoutRequest {
  /** Split storage dimension `dim` into `outer` = dim / factor and `inner` = dim % factor. */
  readonly split?: { readonly dim: string; readonly factor: number; readonly outer?: string; readonly inner?: string };
  /** Every storage dimension once (after the split), outermost first. */
  readonly order?: readonly string[];
}

/** The split with its default names (dim + 'o', dim + 'i'), and the order with its default. */
export function resolveLayout(s: StageState, r: LayoutRequest): { split?: StorageSplit; order: string[] } {
  const dims = storageDims(s);
  if (!r.split) return { order: [...(r.order ?? dims)] };
  const { dim, factor } = r.split;
  const split = { dim, factor, outer: r.split.outer ?? `${dim}o`, inner: r.split.inner ?? `${dim}i` };
  // By default the outer part stays in place and the inner part goes innermost: NCHW -> NCHW[x]c.
  const order = r.order ? [...r.order] : [...dims.flatMap((d) => (d === dim ? [split.outer] : [d])), split.inner];
  return { split, order };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * transform_layout({ split, order }): splits one storage dimension by a factor into an outer and an
 * inner dimension (the buffer grows to a multiple of the factor in it), then orders all the storage
 * dimensions, outermost first: NCHW -> NCHW[4]c is `{ split: { dim: 'c', factor: 4 } }`, which puts
 * `co` where `c` was and `ci` innermost. Applies to the current layout, so calls compose.
 * @param split.dim a current storage dimension; split.factor a positive integer; split.outer and
 *   split.inner new identifiers (default dim + 'o' and dim + 'i')
 * @param order every storage dimension after the split exactly once (default: as described above)
 * @throws ScheduleError for an output stage, a request with neither split nor order, an unknown
 *   dimension, a bad factor or name, or an order that is not a permutation of the storage dimensions
 */
export function transformLayout(v: ScheduleContext, stage: string, split: StorageSplit | undefined, order: readonly string[]): void {
  const s = allocatedStage(v, stage, 'transform_layout');
  let dims = storageDims(s);
  if (split) {
    knownDim(s, dims, split.dim, 'transform_layout');
    if (!Number.isInteger(split.factor) || split.factor < 1) throw new ScheduleError('bad-factor', stage, split.dim, `transform_layout: split factor must be a positive integer, got ${split.factor}`);
    if (split.outer === split.inner) throw new ScheduleError('names-not-distinct', stage, split.dim, `transform_layout: outer and inner need different names (both ${split.outer})`);
    for (const n of [split.outer, split.inner]) {
      if (!IDENTIFIER.test(n)) throw new ScheduleError('bad-name', stage, n, `transform_layout: dimension name ${JSON.stringify(n)} is not an identifier`);
      if (dims.includes(n) && n !== split.dim) throw new ScheduleError('name-taken', stage, n, `transform_layout: the storage already has a dimension named ${n}; pass another name`);
    }
    dims = dims.flatMap((d) => (d === split.dim ? [split.outer, split.inner] : [d]));
  }
  const seen = new Set<string>();
  for (const d of order) {
    knownDim(s, dims, d, 'transform_layout', split);
    if (seen.has(d)) throw new ScheduleError('listed-twice', stage, d, `transform_layout: ${d} is listed twice in the order`);
    seen.add(d);
  }
  const missing = dims.filter((d) => !seen.has(d));
  if (missing.length) throw new ScheduleError('incomplete-order', stage, missing[0], `transform_layout: the order must list every storage dimension once; it lacks ${missing.join(', ')}`, dims);
  s.storage = { splits: [...(s.storage?.splits ?? []), ...(split ? [split] : [])], order: [...order] };
}
