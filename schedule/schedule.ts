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
import { type Instruction, instructionToCode } from './instruction.js';
import { split, fuse, reorder } from './loop_transformation.js';
import { markLoop } from './for_kind.js';
import { bindGpuLoops } from './gpu_binding.js';
import { computeAt, computeRoot, computeInline, storeAt, storeRoot, type ScheduleView, legalComputeSites, siteName } from './compute_location.js';
import { rfactor } from './rfactor.js';
import { copyStage, redirectReads, splitWrite } from './cache.js';
import { bound, alignBounds } from './explicit_bounds.js';
import { type LayoutRequest, reorderStorage, transformLayout, resolveLayout } from './layout_transformation.js';

export interface SplitOptions { outer?: string; inner?: string; tail?: TailStrategy }

type Apply = (sch: Schedule, i: never) => string[];
/** One entry per instruction: how to apply it. Returns the names of the loops it created. */
const APPLY: { [K in Instruction['op']]: (sch: Schedule, i: Extract<Instruction, { op: K }>) => string[] } = {
  split: (sch, i) => { split(sch.state(i.stage), i.axis, i.factor, i.outer, i.inner, i.tail); return [i.outer, i.inner]; },
  tile: (sch, i) => tile(sch.state(i.stage), i),
  gpu_tile: (sch, i) => {
    const s = sch.state(i.stage);
    const [yo, xo, yi, xi] = tile(s, i);
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
};

function tile(s: StageState, i: Extract<Instruction, { op: 'tile' | 'gpu_tile' }>): [string, string, string, string] {
  const [yo, xo, yi, xi] = i.names;
  const [y, x] = i.axes;
  if (y === x) throw new ScheduleError('listed-twice', s.name, y, `${i.op} needs two different axes`);
  split(s, y, i.factors[0], yo, yi, i.tail);
  split(s, x, i.factors[1], xo, xi, i.tail);
  reorder(s, [yo, xo, yi, xi]);
  return [yo, xo, yi, xi];
}

function markWithOptionalSplit(sch: Schedule, i: Extract<Instruction, { op: 'vectorize' | 'unroll' }>, kind: 'vectorized' | 'unrolled'): string[] {
  const s = sch.state(i.stage);
  if (i.factor === undefined) { markLoop(s, i.axis, kind, i.op); return [i.axis]; }
  split(s, i.axis, i.factor, i.outer!, i.inner!, i.tail ?? 'auto');
  markLoop(s, i.inner!, kind, i.op);
  return [i.outer!, i.inner!];
}

export class Schedule implements ScheduleView {
  private readonly states = new Map<string, StageState>();
  /** Stage names in topological order (producers first); rfactor inserts new stages. */
  private order: string[];
  private readonly instructions: Instruction[] = [];
  /** The object reads of each stage refer to: the pipeline's, or the one rfactor first created. */
  private readonly canonical = new Map<string, Stage>();

  /** A default schedule: every stage computed at root with serial loops, boundary conditions inlined. */
  constructor(readonly pipeline: Pipeline) {
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

  /** Rebuilds a schedule on `pipeline` from a trace (as returned by `trace` or stored as JSON). */
  static replay(pipeline: Pipeline, trace: readonly Instruction[]): Schedule {
    const sch = new Schedule(pipeline);
    for (const i of trace) sch.apply(i);
    return sch;
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
    try {
      const out = f(this, i as never);
      this.instructions.push(structuredClone(i));
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

  // --- ScheduleView and lowering's view -----------------------------------------------------------
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

  private snapshot(): { states: Map<string, StageState>; order: string[]; canonical: Map<string, Stage> } {
    return { states: new Map([...this.states].map(([k, v]) => [k, v.clone()])), order: [...this.order], canonical: new Map(this.canonical) };
  }
  private restore(s: { states: Map<string, StageState>; order: string[]; canonical: Map<string, Stage> }): void {
    this.states.clear();
    for (const [k, v] of s.states) this.states.set(k, v);
    this.order = s.order;
    this.canonical.clear();
    for (const [k, v] of s.canonical) this.canonical.set(k, v);
  }
}

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
  split(axis: string, factor: number, o: SplitOptions = {}): [string, string] {
    const [outer, inner] = this.sch.apply({ op: 'split', stage: this.name, axis, factor, outer: o.outer ?? `${axis}o`, inner: o.inner ?? `${axis}i`, tail: o.tail ?? 'auto' });
    return [outer!, inner!];
  }
  /** Splits y and x and orders the loops yo, xo, yi, xi. @returns [yo, xo, yi, xi] */
  tile(y: string, x: string, fy: number, fx: number, o: { names?: [string, string, string, string]; tail?: TailStrategy } = {}): [string, string, string, string] {
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
  vectorize(axis: string, factor?: number, o: SplitOptions = {}): string[] {
    return this.sch.apply(factor === undefined ? { op: 'vectorize', stage: this.name, axis }
      : { op: 'vectorize', stage: this.name, axis, factor, outer: o.outer ?? `${axis}o`, inner: o.inner ?? `${axis}i`, tail: o.tail ?? 'auto' });
  }
  /** Replicates the body of loop `axis` (constant extent); with `factor`, splits first. */
  unroll(axis: string, factor?: number, o: SplitOptions = {}): string[] {
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
  gpuTile(y: string, x: string, fy: number, fx: number, o: { names?: [string, string, string, string]; tail?: TailStrategy } = {}): [string, string, string, string] {
    const names = o.names ?? [`${y}o`, `${x}o`, `${y}i`, `${x}i`];
    return this.sch.apply({ op: 'gpu_tile', stage: this.name, axes: [y, x], factors: [fy, fx], names, tail: o.tail ?? 'auto' }) as [string, string, string, string];
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
