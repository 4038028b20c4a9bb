/**
 * Schedule: how a pipeline runs. Every primitive applied through a stage handle is checked, applied
 * to the per-stage state and recorded as an instruction; the trace replays on a freshly built
 * pipeline (`Schedule.replay`) and prints as TypeScript (`toCode`).
 */
import { Pipeline } from '../dsl/pipeline.js';
import { type Func, Stage } from '../dsl/func.js';
import { INLINE_BY_DEFAULT } from '../dsl/boundary.js';
import { constValue } from '../ir/expr.js';
import { ScheduleError } from './error.js';
import { StageState, type TailStrategy } from './state.js';
import { type Instruction, type Factor, instructionToCode } from './instruction.js';
import { type Sampler, type SampleValue, checkChoice, checkTileDecision, drawChoice, drawPerfectTile, resolveFactor } from './sampling.js';
import { type Sizes, loopExtents } from './extents.js';
import { split, fuse, reorder } from './loop_transformation.js';
import { markLoop } from './for_kind.js';
import { bindGpuLoops } from './gpu_binding.js';
import { computeAt, computeRoot, computeInline, storeAt, storeRoot, type ScheduleContext, legalComputeSites, siteName } from './compute_location.js';
import { rfactor } from './rfactor.js';
import { copyStage, redirectReads, splitWrite } from './cache.js';
import { bound, alignBounds } from './explicit_bounds.js';
import { type LayoutRequest, reorderStorage, transformLayout, resolveLayout } from './layout_transformation.js';

export interface SplitOptions { outer?: string; inner?: string; tail?: TailStrategy }

/** How a schedule resolves what its instructions leave open. */
export interface ScheduleOptions {
  /** Values of the size variables: the extents sample_perfect_tile tiles, and checks its decisions against. */
  readonly sizes?: Sizes;
  /** Draws the decisions of sampling instructions that have none (without it they are refused). */
  readonly sampler?: Sampler;
}

type Apply = (sch: Schedule, i: never) => string[];
/** One entry per instruction: how to apply it. Returns the names of the loops it created. */
const APPLY: { [K in Instruction['op']]: (sch: Schedule, i: Extract<Instruction, { op: K }>) => string[] } = {
  split: (sch, i) => { split(sch.state(i.stage), i.axis, sch.factor(i.factor, i.stage, i.axis), i.outer, i.inner, i.tail); return [i.outer, i.inner]; },
  tile: (sch, i) => tile(sch, i),
  gpu_tile: (sch, i) => {
    const s = sch.state(i.stage);
    const [yo, xo, yi, xi] = tile(sch, i);
    bindGpuLoops(s, [xo, yo], 'gpu_block', 'gpu_tile');
    bindGpuLoops(s, [xi, yi], 'gpu_thread', 'gpu_tile');
    return [yo, xo, yi, xi];
  },
  gpu_blocks: (sch, i) => { bindGpuLoops(sch.state(i.stage), i.axes, 'gpu_block', 'gpu_blocks'); return []; },
  gpu_threads: (sch, i) => { bindGpuLoops(sch.state(i.stage), i.axes, 'gpu_thread', 'gpu_threads'); return []; },
  fuse: (sch, i) => { fuse(sch.state(i.stage), i.outer, i.inner, i.fused); return [i.fused]; },
  reorder: (sch, i) => { reorder(sch.state(i.stage), i.axes); return []; },
  vectorize: (sch, i) => markWithOptionalSplit(sch, i, 'vectorized'),
  unroll: (sch, i) => markWithOptionalSplit(sch, i, 'unrolled'),
  parallel: (sch, i) => { markLoop(sch.state(i.stage), i.axis, 'parallel', 'parallel'); return []; },
  serial: (sch, i) => { markLoop(sch.state(i.stage), i.axis, 'serial', 'serial'); return []; },
  compute_at: (sch, i) => { sch.state(i.at); computeAt(sch, i.stage, i.at, i.axis); return []; },
  compute_root: (sch, i) => { computeRoot(sch, i.stage); return []; },
  compute_inline: (sch, i) => { computeInline(sch, i.stage); return []; },
  store_at: (sch, i) => { sch.state(i.at); storeAt(sch, i.stage, i.at, i.axis); return []; },
  store_root: (sch, i) => { storeRoot(sch, i.stage); return []; },
  rfactor: (sch, i) => { sch.rfactorStage(i.stage, i.axis, i.name); return [i.name]; },
  cache_read: (sch, i) => { sch.cacheReadStage(i.stage, i.readers, i.name); return [i.name]; },
  cache_write: (sch, i) => { sch.cacheWriteStage(i.stage, i.name); return [i.name]; },
  bound: (sch, i) => { bound(sch, i.stage, i.axis, i.min, i.extent); return []; },
  align_bounds: (sch, i) => { alignBounds(sch, i.stage, i.axis, i.modulus, i.remainder); return []; },
  reorder_storage: (sch, i) => { reorderStorage(sch, i.stage, i.dims); return []; },
  transform_layout: (sch, i) => { transformLayout(sch, i.stage, i.split, i.order); return []; },
  sample_perfect_tile: (sch, i) => { sch.samplePerfectTile(i); return []; },
  sample_categorical: (sch, i) => { sch.sampleCategorical(i); return []; },
  sample_compute_at: (sch, i) => { sch.sampleComputeAt(i); return []; },
};

function tile(sch: Schedule, i: Extract<Instruction, { op: 'tile' | 'gpu_tile' }>): [string, string, string, string] {
  const s = sch.state(i.stage);
  const [yo, xo, yi, xi] = i.names;
  const [y, x] = i.axes;
  if (y === x) throw new ScheduleError('listed-twice', s.name, y, `${i.op} needs two different axes`);
  split(s, y, sch.factor(i.factors[0], s.name, y), yo, yi, i.tail);
  split(s, x, sch.factor(i.factors[1], s.name, x), xo, xi, i.tail);
  reorder(s, [yo, xo, yi, xi]);
  return [yo, xo, yi, xi];
}

function markWithOptionalSplit(sch: Schedule, i: Extract<Instruction, { op: 'vectorize' | 'unroll' }>, kind: 'vectorized' | 'unrolled'): string[] {
  const s = sch.state(i.stage);
  if (i.factor === undefined) { markLoop(s, i.axis, kind, i.op); return [i.axis]; }
  split(s, i.axis, sch.factor(i.factor, i.stage, i.axis), i.outer!, i.inner!, i.tail ?? 'auto');
  markLoop(s, i.inner!, kind, i.op);
  return [i.outer!, i.inner!];
}

export class Schedule implements ScheduleContext {
  private readonly states = new Map<string, StageState>();
  /** Stage names in topological order (producers first); rfactor inserts new stages. */
  private order: string[];
  private readonly instructions: Instruction[] = [];
  /** The object reads of each stage refer to: the pipeline's, or the one rfactor first created. */
  private readonly canonical = new Map<string, Stage>();
  /** The decided values of the sampling instructions applied so far, by name. */
  private samples = new Map<string, SampleValue>();
  readonly sizes: Sizes | undefined;
  private readonly sampler: Sampler | undefined;

  /**
   * A default schedule: every stage computed at root with serial loops, boundary conditions inlined.
   * @param options sizes for sample_perfect_tile's extents, and a sampler to draw undecided samples
   */
  constructor(readonly pipeline: Pipeline, options: ScheduleOptions = {}) {
    this.sizes = options.sizes;
    this.sampler = options.sampler;
    for (const st of pipeline.stages) {
      const s = new StageState(st, INLINE_BY_DEFAULT.has(st));
      if (pipeline.outputs.includes(st)) {
        st.axes.forEach((v, d) => { const c = constValue(st.shape[d]!); if (c !== undefined) s.knownExtents.set(v.name, c); });
      }
      this.states.set(st.name, s);
    }
    this.order = pipeline.stages.map((s) => s.name);
    for (const st of pipeline.stages) this.canonical.set(st.name, st);
  }

  /** What reads of stage `name` refer to (rfactor replaces definitions but keeps this object). */
  funcRef(name: string): Stage {
    const f = this.canonical.get(name);
    if (!f) this.state(name);
    return f!;
  }

  /**
   * Rebuilds a schedule on `pipeline` from a trace (as returned by `trace` or stored as JSON). With a
   * sampler in `options`, a design space (sampling instructions without decisions) replays to one
   * schedule of it, whose trace holds the decisions drawn.
   * @throws ScheduleError from the first instruction that is refused ('undecided' for a sampling
   *   instruction without a decision when there is no sampler)
   */
  static replay(pipeline: Pipeline, trace: readonly Instruction[], options: ScheduleOptions = {}): Schedule {
    const sch = new Schedule(pipeline, options);
    for (const i of trace) sch.apply(i);
    return sch;
  }

  /** The decided value of the sample `name`, or undefined. */
  sampled(name: string): SampleValue | undefined { return this.samples.get(name); }

  /** The number `f` stands for (a sampled reference resolved). @throws ScheduleError 'unknown-sample' */
  factor(f: Factor, stage: string, axis: string): number { return resolveFactor(this.samples, f, stage, axis); }

  /** The extents of the loops of `stage` known before lowering (see schedule/extents.ts), with this schedule's sizes. */
  loopExtents(stage: string, sizes: Sizes | undefined = this.sizes): Map<string, number> {
    return loopExtents(this.pipeline, this.state(stage), this.isOutput(stage), sizes);
  }

  private newSample(stage: string, name: string, v: SampleValue): void {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new ScheduleError('bad-name', stage, undefined, `the sample name ${JSON.stringify(name)} is not an identifier (dots allowed)`);
    if (this.samples.has(name)) throw new ScheduleError('name-taken', stage, undefined, `the sample name ${name} is taken; pass another name`);
    this.samples.set(name, v);
  }

  private undecided(stage: string, what: string): Sampler {
    if (!this.sampler) throw new ScheduleError('undecided', stage, undefined, `${what} has no decision, and the schedule has no sampler to draw one (Schedule.replay(p, space, { sampler }))`);
    return this.sampler;
  }

  /** Applies sample_perfect_tile (through `apply`, which records it with its decision). */
  samplePerfectTile(i: Extract<Instruction, { op: 'sample_perfect_tile' }>): void {
    const s = this.state(i.stage);
    s.loop(i.axis, 'sample_perfect_tile');
    const what = `sample_perfect_tile(${i.axis}, ${i.n}, ${i.maxInnermost})`;
    if (!Number.isInteger(i.n) || i.n < 1) throw new ScheduleError('bad-factor', i.stage, i.axis, `${what}: n must be a positive integer, got ${i.n}`);
    if (!Number.isInteger(i.maxInnermost) || i.maxInnermost < 1) throw new ScheduleError('bad-factor', i.stage, i.axis, `${what}: maxInnermost must be a positive integer, got ${i.maxInnermost}`);
    const extent = this.loopExtents(i.stage).get(i.axis);
    if (i.decision === undefined) {
      const r = this.undecided(i.stage, what);
      if (extent === undefined) {
        throw new ScheduleError('unknown-extent', i.stage, i.axis, `${what}: the extent of ${i.axis} is not known before lowering (pass the sizes in the schedule's options, or tile a loop of an output or a reduction)`);
      }
      i.decision = drawPerfectTile(extent, i.n, i.maxInnermost, r);
    }
    const factors = checkTileDecision(i.stage, i.axis, i.decision, i.n, i.maxInnermost, extent);
    this.newSample(i.stage, i.name, { kind: 'tile', factors: [...factors] });
  }

  /** Applies sample_categorical (through `apply`). */
  sampleCategorical(i: Extract<Instruction, { op: 'sample_categorical' }>): void {
    this.state(i.stage);
    const what = `sample_categorical(${i.name})`;
    if (!Array.isArray(i.candidates) || i.candidates.length === 0) throw new ScheduleError('too-few-axes', i.stage, undefined, `${what} needs at least one candidate`);
    if (i.decision === undefined) i.decision = drawChoice(i.candidates, this.undecided(i.stage, what));
    this.newSample(i.stage, i.name, { kind: 'categorical', value: checkChoice(i.stage, what, i.decision, i.candidates) });
  }

  /** Where `stage` may be computed now: its legal compute_at sites, 'root', and 'inline' when allowed. */
  legalLocations(stage: string): string[] {
    const s = this.state(stage);
    if (this.isOutput(stage)) return [];
    return [...this.legalComputeSites(stage), ...(s.isReduction ? [] : ['inline'])];
  }

  /** Applies sample_compute_at: the location decided (through `apply`). */
  sampleComputeAt(i: Extract<Instruction, { op: 'sample_compute_at' }>): void {
    const what = `sample_compute_at(${i.stage})`;
    if (this.isOutput(i.stage)) {
      throw new ScheduleError('output-location', i.stage, undefined, `${what}: ${i.stage} is an output of the pipeline; outputs are computed at root into the output tensor`);
    }
    const legal = this.legalLocations(i.stage);
    const candidates = i.candidates ? i.candidates.filter((c) => legal.includes(c)) : legal;
    if (candidates.length === 0) throw new ScheduleError('illegal-compute-site', i.stage, undefined, `${what}: none of the candidates ${JSON.stringify(i.candidates)} is a legal location now`, legal);
    if (i.decision === undefined) i.decision = drawChoice(candidates, this.undecided(i.stage, what));
    const at = checkChoice(i.stage, what, i.decision, candidates);
    if (at === 'root') computeRoot(this, i.stage);
    else if (at === 'inline') computeInline(this, i.stage);
    else {
      const dot = at.indexOf('.');
      computeAt(this, i.stage, at.slice(0, dot), at.slice(dot + 1));
    }
  }

  /** The recorded instructions, plain JSON. */
  get trace(): readonly Instruction[] { return this.instructions; }
  toJSON(): readonly Instruction[] { return this.instructions; }

  /** The trace as TypeScript statements over a schedule variable `sch`. */
  toCode(sch = 'sch'): string {
    return this.instructions.map((i) => instructionToCode(i, sch)).join('\n');
  }

  /**
   * Applies one instruction, checking it first; records it on success and leaves the schedule as it
   * was on failure.
   * @throws ScheduleError naming the stage, axis and reason
   */
  apply(i: Instruction): string[] {
    const f = APPLY[i.op] as Apply | undefined;
    if (!f) throw new ScheduleError('unknown-instruction', String((i as { stage?: string }).stage), undefined, `unknown schedule instruction ${JSON.stringify((i as { op: unknown }).op)}`);
    const snapshot = this.snapshot();
    const recorded = structuredClone(i);
    try {
      // Sampling instructions fill in the decision they draw on `recorded`.
      const out = f(this, recorded as never);
      this.instructions.push(recorded);
      return out;
    } catch (e) {
      this.restore(snapshot);
      throw e;
    }
  }

  /** A handle to schedule the stage `s` (a Stage or its name). */
  stage(s: Stage | string): StageHandle {
    const name = typeof s === 'string' ? s : s.name;
    this.state(name);
    return new StageHandle(this, name);
  }

  // --- ScheduleContext and lowering's view -----------------------------------------------------------
  state(name: string): StageState {
    const s = this.states.get(name);
    if (!s) {
      const input = this.pipeline.inputs.some((p) => p.name === name);
      throw new ScheduleError('no-such-stage', name, undefined, input ? `${name} is an input; inputs have no schedule` : 'no stage of this name in the pipeline', this.order);
    }
    return s;
  }
  consumers(name: string): string[] {
    return this.order.filter((n) => this.state(n).stage.producers().some((p) => p.name === name));
  }
  isOutput(name: string): boolean {
    return this.pipeline.outputs.some((o) => o.name === name);
  }
  /** Stage schedules in topological order, producers first. */
  stagesInOrder(): StageState[] { return this.order.map((n) => this.state(n)); }
  /** The current definition of a stage (rfactor replaces definitions). */
  definition(f: Func): Stage | undefined {
    return this.states.get(f.name)?.stage;
  }
  /** Legal compute_at sites of a stage, as "stage.axis" strings, plus "root". */
  legalComputeSites(name: string): string[] {
    return [...legalComputeSites(this, name).map(siteName), 'root'];
  }

  rfactorStage(stage: string, axis: string, name: string): void {
    const s = this.state(stage);
    if (this.states.has(name) || this.pipeline.inputs.some((p) => p.name === name)) {
      throw new ScheduleError('name-taken', stage, axis, `rfactor: the name ${name} is taken; pass another name`);
    }
    const { rf, replaced } = rfactor(s, axis, name);
    this.states.set(name, new StageState(rf, false));
    this.canonical.set(name, rf);
    const fresh = new StageState(replaced, false).inheritHints(s);
    fresh.computeAt = s.computeAt;
    this.states.set(stage, fresh);
    const at = this.order.indexOf(stage);
    this.order.splice(at, 0, name);
  }

  /**
   * cache_read: the stages `readers` read a copy `name` of the input or stage `tensor` instead; the
   * copy is computed at root until scheduled (compute it per tile for a packed panel).
   * @returns the copy stage's name
   * @throws ScheduleError for an unknown tensor, a reader that does not read it, or a taken name
   */
  cacheRead(tensor: string, readers: readonly string[], o: { name?: string } = {}): string {
    const name = o.name ?? `${tensor}_cache`;
    return this.apply({ op: 'cache_read', stage: tensor, readers: [...readers], name })[0]!;
  }

  cacheReadStage(tensor: string, readers: readonly string[], name: string): void {
    const f: Func | undefined = this.pipeline.inputs.find((p) => p.name === tensor) ?? (this.states.has(tensor) ? this.funcRef(tensor) : undefined);
    if (!f) throw new ScheduleError('no-such-stage', tensor, undefined, 'cache_read: no input or stage of this name', [...this.pipeline.inputs.map((p) => p.name), ...this.order]);
    this.checkFreeName(tensor, name, 'cache_read');
    if (readers.length === 0) throw new ScheduleError('too-few-axes', tensor, undefined, 'cache_read needs at least one reader', this.order.filter((n) => this.state(n).stage.producers().includes(f)));
    const axisNames = f instanceof Stage ? f.axes.map((v) => v.name) : f.shape.map((_, d) => `ax${d}`);
    const copy = copyStage(f, name, axisNames);
    for (const r of readers) {
      const st = this.state(r);
      if (!st.stage.producers().includes(f)) {
        throw new ScheduleError('not-a-reader', r, undefined, `cache_read(${tensor}): ${r} does not read ${tensor}`, this.order.filter((n) => this.state(n).stage.producers().includes(f)));
      }
    }
    for (const r of readers) {
      const st = this.state(r);
      this.states.set(r, st.clone(redirectReads(st.stage, f, copy)));
    }
    this.states.set(name, new StageState(copy, false));
    this.canonical.set(name, copy);
    const first = Math.min(...readers.map((r) => this.order.indexOf(r)));
    this.order.splice(first, 0, name);
  }

  cacheWriteStage(stage: string, name: string): void {
    const s = this.state(stage);
    this.checkFreeName(stage, name, 'cache_write');
    if (s.computeAt.kind === 'inline') throw new ScheduleError('no-storage', stage, undefined, 'cache_write: the stage is computed inline; it has no storage to cache');
    const { cache, copy } = splitWrite(s.stage, name, this.funcRef(stage));
    this.states.set(name, new StageState(cache, false));
    this.canonical.set(name, cache);
    const fresh = new StageState(copy, false).inheritHints(s);
    fresh.computeAt = s.computeAt;
    if (this.isOutput(stage)) copy.axes.forEach((v, d) => { const c = constValue(copy.shape[d]!); if (c !== undefined) fresh.knownExtents.set(v.name, c); });
    this.states.set(stage, fresh);
    this.order.splice(this.order.indexOf(stage), 0, name);
  }

  private checkFreeName(stage: string, name: string, what: string): void {
    if (this.states.has(name) || this.pipeline.inputs.some((p) => p.name === name)) {
      throw new ScheduleError('name-taken', stage, undefined, `${what}: the name ${name} is taken; pass another name`);
    }
  }

  private snapshot(): Snapshot {
    return { states: new Map([...this.states].map(([k, v]) => [k, v.clone()])), order: [...this.order], canonical: new Map(this.canonical), samples: new Map(this.samples) };
  }
  private restore(s: Snapshot): void {
    this.samples = s.samples;
    this.states.clear();
    for (const [k, v] of s.states) this.states.set(k, v);
    this.order = s.order;
    this.canonical.clear();
    for (const [k, v] of s.canonical) this.canonical.set(k, v);
  }
}

interface Snapshot { states: Map<string, StageState>; order: string[]; canonical: Map<string, Stage>; samples: Map<string, SampleValue> }

/** Schedules one stage; every method records an instruction on the schedule. */
export class StageHandle {
  constructor(private readonly sch: Schedule, readonly name: string) {}

  /** The stage's current loops, outermost first. */
  get loops(): string[] { return this.sch.state(this.name).loops.map((l) => l.name); }

  /**
   * axis -> outer (ceil(extent/factor)) x inner (factor). Names default to axis+'o' / axis+'i'.
   * @returns [outer, inner]
   * @throws ScheduleError (missing axis, bad factor, taken names, illegal tail strategy)
   */
  split(axis: string, factor: Factor, o: SplitOptions = {}): [string, string] {
    const [outer, inner] = this.sch.apply({ op: 'split', stage: this.name, axis, factor, outer: o.outer ?? `${axis}o`, inner: o.inner ?? `${axis}i`, tail: o.tail ?? 'auto' });
    return [outer!, inner!];
  }
  /** Splits y and x and orders the loops yo, xo, yi, xi. @returns [yo, xo, yi, xi] */
  tile(y: string, x: string, fy: Factor, fx: Factor, o: { names?: [string, string, string, string]; tail?: TailStrategy } = {}): [string, string, string, string] {
    const names = o.names ?? [`${y}o`, `${x}o`, `${y}i`, `${x}i`];
    return this.sch.apply({ op: 'tile', stage: this.name, axes: [y, x], factors: [fy, fx], names, tail: o.tail ?? 'auto' }) as [string, string, string, string];
  }
  /** Fuses adjacent loops outer (directly outside) and inner into one. @returns the fused loop */
  fuse(outer: string, inner: string, o: { fused?: string } = {}): string {
    return this.sch.apply({ op: 'fuse', stage: this.name, outer, inner, fused: o.fused ?? `${outer}_${inner}` })[0]!;
  }
  /** Puts the named loops in this order (outermost first) in the positions they occupy. */
  reorder(...axes: string[]): this { this.sch.apply({ op: 'reorder', stage: this.name, axes }); return this; }
  /**
   * Runs loop `axis` as SIMD lanes; with `factor`, splits it first and vectorizes the inner loop.
   * @returns [outer, inner] when split, else [axis]
   */
  vectorize(axis: string, factor?: Factor, o: SplitOptions = {}): string[] {
    return this.sch.apply(factor === undefined ? { op: 'vectorize', stage: this.name, axis }
      : { op: 'vectorize', stage: this.name, axis, factor, outer: o.outer ?? `${axis}o`, inner: o.inner ?? `${axis}i`, tail: o.tail ?? 'auto' });
  }
  /** Replicates the body of loop `axis` (constant extent); with `factor`, splits first. */
  unroll(axis: string, factor?: Factor, o: SplitOptions = {}): string[] {
    return this.sch.apply(factor === undefined ? { op: 'unroll', stage: this.name, axis }
      : { op: 'unroll', stage: this.name, axis, factor, outer: o.outer ?? `${axis}o`, inner: o.inner ?? `${axis}i`, tail: o.tail ?? 'auto' });
  }
  /**
   * Marks loop `axis` parallel. The WebAssembly backend of this version runs parallel loops serially
   * (threads come with the runtime's thread pool).
   */
  parallel(axis: string): this { this.sch.apply({ op: 'parallel', stage: this.name, axis }); return this; }
  serial(axis: string): this { this.sch.apply({ op: 'serial', stage: this.name, axis }); return this; }
  /**
   * Binds loops to GPU workgroups (Halide's gpu_blocks): the innermost bound loop is workgroup_id.x,
   * the next .y, then .z. Only the webgpu target runs such loops.
   * @throws ScheduleError (see bindGpuLoops)
   */
  gpuBlocks(...axes: string[]): this { this.sch.apply({ op: 'gpu_blocks', stage: this.name, axes }); return this; }
  /**
   * Binds loops to the invocations of a workgroup (Halide's gpu_threads): the innermost bound loop is
   * local_invocation_id.x, the next .y, then .z. A thread loop's extent becomes the workgroup size.
   * @throws ScheduleError (see bindGpuLoops)
   */
  gpuThreads(...axes: string[]): this { this.sch.apply({ op: 'gpu_threads', stage: this.name, axes }); return this; }
  /**
   * tile(y, x, fy, fx), then binds the tile loops to workgroups and the loops inside a tile to its
   * invocations (Halide's gpu_tile): a workgroup of fy x fx invocations per tile.
   * @returns [yo, xo, yi, xi]
   */
  gpuTile(y: string, x: string, fy: Factor, fx: Factor, o: { names?: [string, string, string, string]; tail?: TailStrategy } = {}): [string, string, string, string] {
    const names = o.names ?? [`${y}o`, `${x}o`, `${y}i`, `${x}i`];
    return this.sch.apply({ op: 'gpu_tile', stage: this.name, axes: [y, x], factors: [fy, fx], names, tail: o.tail ?? 'auto' }) as [string, string, string, string];
  }
  /**
   * Samples `n` factors of loop `axis` whose product is its extent, the innermost at most
   * `maxInnermost` (MetaSchedule's sample_perfect_tile); later instructions use them as
   * `{ sampled: name, from, to }` factors. Without a decision the schedule's sampler draws one.
   * @returns the factors, outermost first
   * @throws ScheduleError: 'no-such-loop'; 'unknown-extent' when drawing for a loop whose extent is
   *   not known before lowering; 'bad-decision' for a decision that is not n factors of the extent;
   *   'undecided' without a decision or sampler; 'name-taken'
   */
  samplePerfectTile(axis: string, n: number, maxInnermost: number, o: { name?: string; decision?: number[] } = {}): number[] {
    const name = o.name ?? `${this.name}.${axis}`;
    this.sch.apply({ op: 'sample_perfect_tile', stage: this.name, axis, n, maxInnermost, name, ...(o.decision ? { decision: o.decision } : {}) });
    return [...(this.sch.sampled(name) as { factors: readonly number[] }).factors];
  }
  /**
   * Samples one of `candidates` (MetaSchedule's sample_categorical); a `{ sampled: name }` factor
   * refers to a numeric choice.
   * @throws ScheduleError 'bad-decision' for a decision that is not a candidate; 'undecided'; 'name-taken'
   */
  sampleCategorical(name: string, candidates: (number | string)[], o: { decision?: number | string } = {}): number | string {
    this.sch.apply({ op: 'sample_categorical', stage: this.name, name, candidates, ...(o.decision !== undefined ? { decision: o.decision } : {}) });
    return (this.sch.sampled(name) as { value: number | string }).value;
  }
  /**
   * Samples where this stage is computed (MetaSchedule's sample_compute_location), among
   * `candidates` ('stage.axis', 'root', 'inline') that are legal now, or among every legal location,
   * and applies it.
   * @returns the location decided
   * @throws ScheduleError 'output-location'; 'illegal-compute-site' when no candidate is legal;
   *   'bad-decision'; 'undecided'
   */
  sampleComputeAt(o: { candidates?: string[]; decision?: string } = {}): string {
    this.sch.apply({ op: 'sample_compute_at', stage: this.name, ...(o.candidates ? { candidates: o.candidates } : {}), ...(o.decision !== undefined ? { decision: o.decision } : {}) });
    return (this.sch.trace[this.sch.trace.length - 1] as { decision: string }).decision;
  }
  /** Computes this stage inside loop `axis` of stage `at`. */
  computeAt(at: Stage | string, axis: string): this {
    this.sch.apply({ op: 'compute_at', stage: this.name, at: typeof at === 'string' ? at : at.name, axis });
    return this;
  }
  computeRoot(): this { this.sch.apply({ op: 'compute_root', stage: this.name }); return this; }
  computeInline(): this { this.sch.apply({ op: 'compute_inline', stage: this.name }); return this; }
  storeAt(at: Stage | string, axis: string): this {
    this.sch.apply({ op: 'store_at', stage: this.name, at: typeof at === 'string' ? at : at.name, axis });
    return this;
  }
  storeRoot(): this { this.sch.apply({ op: 'store_root', stage: this.name }); return this; }
  /**
   * Factors the reduction loop `axis` out into a new stage (default name `<stage>_rf`) whose pure
   * axes are [axis, ...this stage's axes]; this stage then reduces over it. Resets this stage's
   * loops to the new definition's defaults.
   * @returns the new stage's name
   */
  rfactor(axis: string, o: { name?: string } = {}): string {
    return this.sch.apply({ op: 'rfactor', stage: this.name, axis, name: o.name ?? `${this.name}_rf` })[0]!;
  }
  /**
   * Computes this stage into a new stage (default name `<stage>_local`, with this stage's definition
   * and reduction) that this stage then copies: compute the new stage at a loop of this one for a
   * tile of accumulators (registers). Resets this stage's loops to those of the copy.
   * @returns the new stage's name
   */
  cacheWrite(o: { name?: string } = {}): string {
    return this.sch.apply({ op: 'cache_write', stage: this.name, name: o.name ?? `${this.name}_local` })[0]!;
  }
  /**
   * Computes this stage over exactly [min, min + extent) of its pure axis `axis` (Halide's bound):
   * loops over it get a constant extent. On an output, min is 0 and the kernel checks the tensor's
   * extent; elsewhere the kernel checks that consumers read only inside the bound.
   * @throws ScheduleError (see schedule/explicit_bounds.ts)
   */
  bound(axis: string, min: number, extent: number): this {
    this.sch.apply({ op: 'bound', stage: this.name, axis, min, extent });
    return this;
  }
  /**
   * Rounds this intermediate stage's region in pure axis `axis` outward: min = remainder (mod
   * modulus), extent a multiple of modulus (Halide's align_bounds), so splits by a divisor need no tail.
   * @throws ScheduleError (see schedule/explicit_bounds.ts)
   */
  alignBounds(axis: string, modulus: number, remainder = 0): this {
    this.sch.apply({ op: 'align_bounds', stage: this.name, axis, modulus, remainder });
    return this;
  }
  /**
   * Orders the named storage dimensions of this stage's buffer, outermost first, in the positions
   * they occupy (Halide's reorder_storage, listed outermost first). Loops are unchanged.
   * @throws ScheduleError (see schedule/layout_transformation.ts)
   */
  reorderStorage(...dims: string[]): this {
    this.sch.apply({ op: 'reorder_storage', stage: this.name, dims });
    return this;
  }
  /**
   * Lays out this stage's buffer by a split of one storage dimension and an order of all of them
   * (TVM's transform_layout, limited to split + reorder): `{ split: { dim: 'c', factor: 4 } }` stores
   * NCHW as NCHW[4]c (n, co, h, w, ci). Loops and values are unchanged.
   * @throws ScheduleError (see schedule/layout_transformation.ts), also for a request with neither
   *   split nor order
   */
  transformLayout(r: LayoutRequest): this {
    if (!r.split && !r.order) throw new ScheduleError('empty-request', this.name, undefined, 'transform_layout needs a split, an order, or both');
    const { split, order } = resolveLayout(this.sch.state(this.name), r);
    this.sch.apply(split ? { op: 'transform_layout', stage: this.name, split, order } : { op: 'transform_layout', stage: this.name, order });
    return this;
  }
}
