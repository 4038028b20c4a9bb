/**
 * ScheduleError: an illegal scheduling request, refused when the primitive is called or when the
 * schedule is lowered. It names the stage, the axis (when one is involved) and the reason, lists the
 * legal alternatives where there are some, and carries a machine-readable `code` from
 * SCHEDULE_ERROR_CODES, so that programs (the autotuner, tools) never match message texts.
 */

/**
 * Every code a ScheduleError can carry, with what it means. The list is stable: codes are never
 * renamed or reused for another meaning (docs/primitives.md lists them; tests check that every
 * ScheduleError thrown anywhere uses one of them and that each is documented).
 */
export const SCHEDULE_ERROR_CODES = {
  // Names and lookups
  'no-such-stage': 'no stage (or input, for cache_read) of this name in the pipeline, or an input where a stage is needed',
  'no-such-loop': 'the axis is not a current loop of the stage (it never existed, or a split or fuse replaced it)',
  'no-such-storage-dim': 'the name is not a storage dimension of the stage',
  'not-a-pure-axis': 'the axis is not a pure axis of the definition (bounds name definition axes, not loops)',
  'not-a-reader': 'cache_read: a listed reader does not read the tensor',
  'name-taken': 'a new stage, axis, storage dimension or sample name is already in use',
  'bad-name': 'a new name is not an identifier',
  'names-not-distinct': 'the two new names of a split are the same',
  'listed-twice': 'an axis or dimension is listed twice where each must appear once',
  'too-few-axes': 'the primitive needs more axes, dimensions or readers than were given',
  'incomplete-order': 'transform_layout: the order does not list every storage dimension',
  'empty-request': 'transform_layout: neither a split nor an order',
  'unknown-instruction': 'the instruction\'s op is not a schedule primitive',
  'other-pipeline': 'compile / gpuProgram with a schedule built on another pipeline than the one compiled',
  // Numbers
  'bad-factor': 'a split factor or modulus is not a positive integer',
  'bad-bound': 'bound / align_bounds: min, extent or remainder is not an integer of the right sign',
  // Loop transformations and kinds
  'loop-already-marked': 'split of a loop already vectorized, unrolled, parallel or bound',
  'fuse-not-adjacent': 'fuse: the inner loop is not directly inside the outer one',
  'fuse-mixed-axes': 'fuse of a reduction loop with a pure loop',
  'fuse-marked-loop': 'fuse of loops that are not serial',
  'tail-recomputes-reduction': 'a tail strategy that would update some points of a reduction twice',
  'tail-outside-domain': 'round_up on a reduction axis would reduce over points outside its domain',
  'reduction-axis': 'vectorize, parallel, GPU binding or bound of a reduction axis (rfactor first)',
  'pure-axis': 'rfactor of a pure axis',
  'not-a-reduction': 'rfactor of a stage that is not a reduction',
  'rfactor-derived-axis': 'rfactor of a loop that is neither a definition axis nor one half of one split of it',
  'vector-too-wide': 'a vectorized loop over the lane limit (64 on wasm-simd, 4 in WGSL)',
  'unroll-too-long': 'an unrolled loop over 256 iterations',
  'marked-loop-inside': 'a parallel or GPU loop inside a vectorized or unrolled one, or parallel inside a vectorized loop',
  'non-constant-extent': 'a loop that must have a constant extent (vectorized, unrolled, GPU threads, GPU storage) does not',
  // Locations and storage
  'output-location': 'compute_at / compute_inline / store_at / store_root of an output stage',
  'output-region': 'a bound or align_bounds that an output\'s tensor shape does not allow',
  'output-layout': 'a storage layout on an output (its layout is the caller\'s)',
  'illegal-compute-site': 'compute_at at a loop that does not enclose every use of the stage, or is vectorized',
  'illegal-store-site': 'store_at at a loop that does not enclose the compute site',
  'store-without-compute-at': 'store_at of a stage computed at root or inline',
  'store-inside-compute': 'at lowering: the storage site ended up inside the compute site',
  'site-gone': 'at lowering: the compute or store site loop no longer exists (split, fused or inlined since)',
  'inline-reduction': 'compute_inline of a reduction',
  'no-storage': 'a storage primitive or cache_write on a stage computed inline',
  'location-cycle': 'compute_at locations that form a cycle',
  // Found while lowering
  'unbounded-region': 'bound inference cannot bound a region or an index (it depends on loaded data)',
  'outside-shape': 'the code provably reads an input, or writes an output, outside its shape',
  'outside-bound': 'consumers read a stage outside its bound()',
  'parallel-race': 'a stage stored outside a parallel loop but computed inside it',
  // GPU
  'gpu-limit': 'over a GPU device limit (workgroup size, invocations, workgroups, workgroup memory, storage buffers)',
  'gpu-too-many-dims': 'more than three block or thread loops',
  'gpu-block-inside-thread': 'a block loop inside a thread loop of the same stage',
  'gpu-block-placement': 'block loops that are not the outermost loops of a kernel',
  'gpu-private-threads': 'thread loops of a stage computed inside another stage\'s thread loop',
  'gpu-loop-kind': 'a CPU loop kind (parallel) on the webgpu target',
  'gpu-host-code': 'code that would run on the host around or outside every GPU kernel',
  'gpu-dependent-grid': 'a grid size that depends on an enclosing block loop',
  // Sampling instructions (the search space inside the schedule language)
  'undecided': 'a sampling instruction without a decision, applied with no sampler',
  'bad-decision': 'a decision that the sampling instruction cannot take (not a candidate, not a tiling of the extent)',
  'unknown-sample': 'a reference to a sample that no earlier instruction made, or to factors it does not have',
  'unknown-extent': 'sample_perfect_tile of a loop whose extent is not known (no constant and no size for it)',
  'internal': 'a compiler invariant failed (a bug: please report it)',
} as const satisfies Record<string, string>;

export type ScheduleErrorCode = keyof typeof SCHEDULE_ERROR_CODES;

export class ScheduleError extends Error {
  override name = 'ScheduleError';
  /**
   * @param code what kind of refusal this is (SCHEDULE_ERROR_CODES), for programs
   * @param stage the stage the request is about
   * @param axis the loop, axis or dimension involved, if any
   * @param reason the explanation, for people
   * @param alternatives the legal choices, where there are some
   */
  constructor(
    readonly code: ScheduleErrorCode,
    readonly stage: string,
    readonly axis: string | undefined,
    readonly reason: string,
    readonly alternatives: readonly string[] = [],
  ) {
    const where = axis === undefined ? `stage ${stage}` : `stage ${stage}, axis ${axis}`;
    const alts = alternatives.length ? `\n  legal alternatives: ${alternatives.join(', ')}` : '';
    super(`${where}: ${reason}${alts}`);
  }
}
