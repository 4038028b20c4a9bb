/**
 * Random LEGAL GPU schedules (Halide's GPU model, as the webgpu target implements it), drawn
 * imperatively from a `Draw` (fast-check's `fc.gen()` in the property test, so draws shrink: every
 * choice shrinks towards "no" and the first option).
 *
 * Stages are scheduled consumers first, so that a producer's compute sites are final when it picks one:
 *  - an output, or a producer computed at root, is a kernel: its pure loops are bound with gpuTile of
 *    two pure axes (factors 1..16, at most 256 invocations), or a split of one pure axis whose outer
 *    loop is a block loop and inner loop a thread loop (optionally a second thread dimension, a third
 *    block loop), or block loops only; reduction axes may be split first; the block loops are then
 *    reordered outermost and every other loop goes above the thread loops (block level, where barriers
 *    separate nests) or below them (each invocation's own loop); small inner loops may be unrolled or
 *    vectorized by 2..4;
 *  - a producer may instead be computed inline (not reductions), at a block-level loop of the kernel
 *    it is used in (workgroup memory), its own pure loops split by constants and bound to threads or
 *    left to one invocation, or at a thread-level loop (memory private to the invocation);
 *  - a site inside the kernel is offered only when every loop inside it has an extent known now, so
 *    that the producer's region (and so its memory) has a constant size; the threads a producer binds
 *    keep the kernel's workgroup within 256 invocations (64 in z).
 * A producer inside a kernel is sometimes stored at a loop further out, in the same memory.
 * Inputs read without a boundary condition may first get a cache_read copy for their readers, which
 * is then scheduled as any producer.
 */
import { Schedule } from '../../schedule/schedule.js';
import type { Location, Loop, StageState, TailStrategy } from '../../schedule/state.js';
import type { Pipeline } from '../../dsl/pipeline.js';
import { INLINE_BY_DEFAULT } from '../../dsl/boundary.js';

/** The random choices a schedule is drawn from. */
export interface Draw {
  /** An integer in [min, max]; shrinks towards min. */
  int(min: number, max: number): number;
  /** true with probability percent/100; shrinks towards false. */
  chance(percent: number): boolean;
  /** One of `xs` (non-empty); shrinks towards the first. */
  pick<T>(xs: readonly T[]): T;
}

export type GpuScope = 'host' | 'block' | 'thread';

const MAX_INVOCATIONS = 256;
const MAX_SIZE = [256, 256, 64] as const;
/** Tails drawn for kernel splits, weighted: auto and guard most often. */
const TAILS: readonly TailStrategy[] = ['auto', 'guard', 'auto', 'guard', 'round_up', 'shift_inwards'];
const THREAD_FACTORS = [1, 2, 3, 4, 5, 7, 8, 13, 16, 32, 64, 100, 128, 256];

/** The loops (with their stages) enclosing code placed at `loc`, outermost first. */
export function enclosingLoops(sch: Schedule, loc: Location): { stage: StageState; loop: Loop }[] {
  if (loc.kind !== 'at') return [];
  const host = sch.state(loc.stage);
  const upto = host.indexOf(loc.axis);
  return [...enclosingLoops(sch, host.computeAt), ...host.loops.slice(0, upto + 1).map((loop) => ({ stage: host, loop }))];
}

/** The stage computed at root whose kernel code placed at `loc` runs in. */
function kernelRoot(sch: Schedule, loc: Location, self: string): string {
  return loc.kind === 'at' ? (enclosingLoops(sch, loc)[0]?.stage.name ?? self) : self;
}

/**
 * Where code at site `stage.axis` runs: inside a thread loop, at block level (inside every block loop
 * of its kernel, outside the thread loops), or on the host (outside some block loop: illegal).
 */
export function siteScope(sch: Schedule, stage: string, axis: string): GpuScope {
  const loops = enclosingLoops(sch, { kind: 'at', stage, axis });
  const root = loops[0]?.stage;
  if (!root) return 'host';
  const rootBlocks = root.loops.filter((l) => l.kind === 'gpu_block').length;
  const blocks = loops.filter((x) => x.loop.kind === 'gpu_block').length;
  if (rootBlocks === 0 || blocks < rootBlocks) return 'host';
  return loops.some((x) => x.loop.kind === 'gpu_thread') ? 'thread' : 'block';
}

/** Whether every loop inside site `stage.axis` (of that stage) has an extent known at schedule time. */
export function regionIsConstant(sch: Schedule, stage: string, axis: string): boolean {
  const s = sch.state(stage);
  return s.loops.slice(s.indexOf(axis) + 1).every((l) => s.knownExtents.has(l.name));
}

/** The workgroup size the thread loops of kernel `root` make now (x, y, z). */
export function kernelDims(sch: Schedule, root: string): [number, number, number] {
  const size: [number, number, number] = [1, 1, 1];
  for (const s of sch.stagesInOrder()) {
    if (s.computeAt.kind === 'inline') continue;
    if (kernelRoot(sch, s.computeAt, s.name) !== root) continue;
    const threads = s.loops.filter((l) => l.kind === 'gpu_thread').reverse();
    threads.forEach((l, d) => { size[d] = Math.max(size[d]!, s.knownExtents.get(l.name) ?? MAX_INVOCATIONS); });
  }
  return size;
}

const fits = (size: readonly number[]) => size.every((n, d) => n <= MAX_SIZE[d]!) && size[0]! * size[1]! * size[2]! <= MAX_INVOCATIONS;

/** A thread factor for dimension `d` of a kernel now `size` big, at most `cap`, keeping it legal. */
function threadFactor(d: Draw, size: readonly number[], dim: number, cap = 256): number {
  const ok = THREAD_FACTORS.filter((f) => f <= cap && fits(size.map((n, i) => (i === dim ? Math.max(n, f) : n))));
  return d.pick(ok.length ? ok : [1]);
}

export interface GpuScheduleOptions {
  /** Percent chance of a cache_read copy of each input. */
  readonly cacheRead?: number;
  /** Stages that read an input without a boundary condition (TestPipeline.directReaders). */
  readonly directReaders?: RegExp;
  /** Known bugs to steer around. */
  readonly avoid?: GpuAvoid;
}

/** Known compiler bugs the random GPU schedules steer around (each has its own failing test). */
export interface GpuAvoid {
  /**
   * round_up splits of a stage computed inside a kernel: its region's size is then an expression
   * with `x / f * f` whose constant bound is not found, and the schedule is refused
   * (tests/gpu_property.test.ts, "gpu known bug: a round_up producer ...").
   */
  readonly roundUpInKernel?: boolean;
}

/** cache_read copies made here are named `<input>_c`; they read the input directly. */
const CACHE_NAME = /_c$/;

/** Draws a legal GPU schedule of `p`. Every primitive it applies must succeed (a refusal is a bug). */
export function drawGpuSchedule(p: Pipeline, d: Draw, o: GpuScheduleOptions = {}): Schedule {
  const sch = new Schedule(p);
  let fresh = 0;
  const name = (base: string) => `${base}_${++fresh}`;
  for (const input of p.inputs) {
    if (!d.chance(o.cacheRead ?? 25)) continue;
    const readers = sch.stagesInOrder().filter((s) => s.stage.producers().some((f) => f.name === input.name));
    // Not behind a boundary condition: the region of a clamped read gets no constant bound, so the
    // copy could not live in workgroup or private memory (a known bug, tests/gpu_property.test.ts).
    if (readers.length && !readers.some((r) => INLINE_BY_DEFAULT.has(r.stage))) sch.cacheRead(input.name, readers.map((r) => r.name), { name: `${input.name}_c` });
  }
  const outputs = new Set(p.outputs.map((x) => x.name));
  for (const s of [...sch.stagesInOrder()].reverse()) {
    if (outputs.has(s.name)) { kernel(sch, d, o, s.name, name); continue; }
    placeProducer(sch, d, o, s.name, name);
  }
  return sch;
}

function placeProducer(sch: Schedule, d: Draw, o: GpuScheduleOptions, stage: string, name: (b: string) => string): void {
  const s = sch.state(stage);
  const sites = sch.legalComputeSites(stage).filter((x) => x !== 'root').map((x) => {
    const dot = x.indexOf('.');
    return { at: x.slice(0, dot), axis: x.slice(dot + 1) };
  }).filter((x) => regionIsConstant(sch, x.at, x.axis)).map((x) => ({ ...x, scope: siteScope(sch, x.at, x.axis) }));
  const block = sites.filter((x) => x.scope === 'block');
  const thread = sites.filter((x) => x.scope === 'thread');
  const choices: ('inline' | 'root' | 'block' | 'thread')[] = [];
  if (!s.isReduction) choices.push('inline', 'inline');
  choices.push('root', 'root');
  if (block.length) choices.push('block', 'block', 'block');
  if (thread.length) choices.push('thread', 'thread');
  // A boundary condition keeps its default (inline) most of the time.
  const where = s.computeAt.kind === 'inline' && !d.chance(30) ? 'inline' : d.pick(choices);
  const h = sch.stage(stage);
  switch (where) {
    case 'inline': h.computeInline(); return;
    case 'root': h.computeRoot(); kernel(sch, d, o, stage, name); return;
    case 'block': {
      const site = d.pick(block);
      h.computeAt(site.at, site.axis);
      storeFurtherOut(sch, d, stage, 'block');
      workgroupStage(sch, d, o, stage, name);
      return;
    }
    case 'thread': {
      const site = d.pick(thread);
      h.computeAt(site.at, site.axis);
      storeFurtherOut(sch, d, stage, 'thread');
      innerLoops(sch, d, o, stage, name);
      return;
    }
  }
}

/**
 * Now and then stores the stage at a loop further out than its compute site, in the same memory
 * (a workgroup buffer at block level, a private one inside the thread loops: storage outside a thread
 * loop that the stage is computed inside would be a race), of constant size.
 */
function storeFurtherOut(sch: Schedule, d: Draw, stage: string, scope: GpuScope): void {
  if (!d.chance(20)) return;
  const loc = sch.state(stage).computeAt;
  const chain = enclosingLoops(sch, loc);
  const sites = chain.slice(0, -1).filter((x, i) => siteScope(sch, x.stage.name, x.loop.name) === scope
    && regionIsConstant(sch, x.stage.name, x.loop.name) && !chain.slice(i + 1).some((y) => y.loop.kind.startsWith('gpu')));
  if (!sites.length) return;
  const site = d.pick(sites);
  sch.stage(stage).storeAt(site.stage.name, site.loop.name);
}

/**
 * A tail strategy legal for splitting `axes` of `stage`: a reduction takes no shift_inwards, and
 * round_up only of axes no split made; a stage that reads an input directly takes guard (the others
 * compute points outside the input); outputs mostly guard (the others write outside the output at
 * these sizes, a refusal at run time).
 */
function tail(sch: Schedule, d: Draw, o: GpuScheduleOptions, stage: string, ...axes: string[]): TailStrategy {
  const st = sch.state(stage);
  if (o.directReaders?.test(stage) || CACHE_NAME.test(stage)) return 'guard';
  const inKernel = st.computeAt.kind === 'at';
  const noRoundUp = inKernel && o.avoid?.roundUpInKernel;
  if (st.isReduction) {
    const derived = axes.some((a) => st.relations.some((r) => (r.kind === 'split' ? r.outer === a || r.inner === a : r.fused === a)));
    const reduction = axes.some((a) => st.loops.find((l) => l.name === a)?.isReduction);
    return derived || reduction || noRoundUp ? 'guard' : d.pick(['auto', 'guard', 'round_up'] as const);
  }
  if (sch.isOutput(stage)) return d.pick(['guard', 'guard', 'guard', 'guard', 'guard', 'guard', 'auto', 'round_up'] as const);
  return d.pick(noRoundUp ? TAILS.filter((t) => t !== 'round_up') : TAILS);
}

/** Binds stage `stage`, computed at root, as a kernel of its own. */
function kernel(sch: Schedule, d: Draw, o: GpuScheduleOptions, stage: string, name: (b: string) => string): void {
  const h = sch.stage(stage);
  const st = () => sch.state(stage);
  const pure = () => st().loops.filter((l) => !l.isReduction && l.kind === 'serial').map((l) => l.name);
  // Reduction axes split first (an outer part can then run at block level, around the thread loops).
  for (const r of st().loops.filter((l) => l.isReduction).map((l) => l.name)) {
    if (d.chance(40)) h.split(r, d.int(1, 8), { outer: name(`${r}o`), inner: name(`${r}i`), tail: 'guard' });
  }
  // Fuse the two outermost pure axes now and then (conv's n and k).
  const p0 = pure();
  if (p0.length >= 3 && st().indexOf(p0[1]!) === st().indexOf(p0[0]!) + 1 && d.chance(20)) h.fuse(p0[0]!, p0[1]!, { fused: name('fused') });
  const mode = d.pick(pure().length >= 2 ? ['tile', 'tile', 'split', 'split', 'blocks'] as const : ['split', 'split', 'blocks'] as const);
  const blocks: string[] = [], threads: string[] = [];
  if (mode === 'tile') {
    const ps = pure();
    const i = d.chance(50) ? ps.length - 2 : d.int(0, ps.length - 2);
    const j = d.chance(50) ? ps.length - 1 : d.int(i + 1, ps.length - 1);
    const fx = d.int(1, 16), fy = d.int(1, Math.min(16, Math.floor(MAX_INVOCATIONS / fx)));
    const [y, x] = [ps[i]!, ps[j]!];
    const names: [string, string, string, string] = [name(`${y}b`), name(`${x}b`), name(`${y}t`), name(`${x}t`)];
    h.gpuTile(y, x, fy, fx, { names, tail: tail(sch, d, o, stage, y, x) });
  } else if (mode === 'split') {
    const ps = pure();
    const a = d.chance(50) ? ps[0]! : d.pick(ps);
    const f = d.pick(THREAD_FACTORS);
    const [ao, ai] = h.split(a, f, { outer: name(`${a}b`), inner: name(`${a}t`), tail: tail(sch, d, o, stage, a) });
    blocks.push(ao);
    threads.push(ai);
    const rest = pure().filter((x) => x !== ao && x !== ai);
    if (rest.length && d.chance(30)) {
      const c = d.pick(rest);
      const f2 = d.int(1, Math.max(1, Math.floor(MAX_INVOCATIONS / f)));
      const [co, ci] = h.split(c, f2, { outer: name(`${c}o`), inner: name(`${c}t`), tail: tail(sch, d, o, stage, c) });
      threads.push(ci);
      if (d.chance(50)) blocks.push(co);
    }
  } else {
    const ps = pure();
    blocks.push(d.pick(ps));
    const rest = ps.filter((x) => !blocks.includes(x));
    if (rest.length && d.chance(40)) blocks.push(d.pick(rest));
  }
  const unbound = () => pure().filter((x) => !blocks.includes(x) && !threads.includes(x));
  const blockCount = st().loops.filter((l) => l.kind === 'gpu_block').length + blocks.length;
  if (blockCount < 3 && unbound().length && d.chance(20)) blocks.push(d.pick(unbound()));
  // Block loops outermost; every other loop above the thread loops (block level) or below.
  const loops = st().loops;
  const isBlock = (l: Loop) => l.kind === 'gpu_block' || blocks.includes(l.name);
  const isThread = (l: Loop) => l.kind === 'gpu_thread' || threads.includes(l.name);
  const above: string[] = [], below: string[] = [];
  for (const l of loops) if (!isBlock(l) && !isThread(l)) (d.chance(35) ? above : below).push(l.name);
  // Thread loops and per-invocation loops interleave, each keeping its own order.
  const inner: string[] = [];
  const ts = loops.filter(isThread).map((l) => l.name);
  let ti = 0, bi = 0;
  while (ti < ts.length || bi < below.length) {
    if (bi >= below.length || (ti < ts.length && !d.chance(25))) inner.push(ts[ti++]!);
    else inner.push(below[bi++]!);
  }
  const order = [...loops.filter(isBlock).map((l) => l.name), ...above, ...inner];
  if (order.join() !== loops.map((l) => l.name).join()) h.reorder(...order);
  if (blocks.length) h.gpuBlocks(...blocks);
  if (threads.length) h.gpuThreads(...threads);
  innerLoops(sch, d, o, stage, name);
}

/** Binds some pure loops of a stage computed at block level to threads (or leaves it to one invocation). */
function workgroupStage(sch: Schedule, d: Draw, o: GpuScheduleOptions, stage: string, name: (b: string) => string): void {
  const h = sch.stage(stage);
  const st = sch.state(stage);
  const root = kernelRoot(sch, st.computeAt, stage);
  const pure = st.loops.filter((l) => !l.isReduction).map((l) => l.name);
  const n = d.pick([0, 1, 1, 1, 2]);
  if (n >= 1 && pure.length) {
    const size = kernelDims(sch, root);
    if (n === 2 && pure.length >= 2) {
      const i = d.int(0, pure.length - 2), j = d.int(i + 1, pure.length - 1);
      const fx = threadFactor(d, size, 0, 64);
      const fy = threadFactor(d, [Math.max(size[0], fx), size[1], size[2]], 1, 64);
      const [y, x] = [pure[i]!, pure[j]!];
      if (d.chance(50)) {
        const names: [string, string, string, string] = [name(`${y}o`), name(`${x}o`), name(`${y}t`), name(`${x}t`)];
        h.tile(y, x, fy, fx, { names, tail: tail(sch, d, o, stage, y, x) });
        h.gpuThreads(names[2], names[3]);
      } else {
        const [, yt] = h.split(y, fy, { outer: name(`${y}o`), inner: name(`${y}t`), tail: tail(sch, d, o, stage, y) });
        const [, xt] = h.split(x, fx, { outer: name(`${x}o`), inner: name(`${x}t`), tail: tail(sch, d, o, stage, x) });
        h.gpuThreads(yt, xt);
      }
    } else {
      const a = d.chance(50) ? pure[pure.length - 1]! : d.pick(pure);
      const f = threadFactor(d, size, 0, 64);
      const [, at] = h.split(a, f, { outer: name(`${a}o`), inner: name(`${a}t`), tail: tail(sch, d, o, stage, a) });
      h.gpuThreads(at);
    }
  }
  // A reduction's loops may run at block level, around its thread loops (an update per iteration).
  const loops = sch.state(stage).loops;
  const firstThread = loops.findIndex((l) => l.kind === 'gpu_thread');
  if (st.isReduction && firstThread >= 0 && d.chance(30)) {
    const red = loops.filter((l, i) => l.isReduction && i > firstThread);
    const rest = loops.filter((l) => !red.includes(l));
    const at = rest.findIndex((l) => l.kind === 'gpu_thread');
    const order = [...rest.slice(0, at), ...red, ...rest.slice(at)].map((l) => l.name);
    if (red.length && order.length >= 2) h.reorder(...order);
  }
  innerLoops(sch, d, o, stage, name);
}

/** Maybe unrolls or vectorizes (2..4 lanes) a loop inside every thread loop of the stage. */
function innerLoops(sch: Schedule, d: Draw, o: GpuScheduleOptions, stage: string, name: (b: string) => string): void {
  const h = sch.stage(stage);
  const st = sch.state(stage);
  const lastGpu = st.loops.map((l) => l.kind.startsWith('gpu')).lastIndexOf(true);
  const free = st.loops.slice(lastGpu + 1).filter((l) => l.kind === 'serial');
  if (!free.length) return;
  if (d.chance(25)) {
    const pure = free.filter((l) => !l.isReduction);
    if (pure.length) {
      const l = d.pick(pure);
      const e = st.knownExtents.get(l.name);
      if (e !== undefined && e >= 2 && e <= 4 && d.chance(50)) h.vectorize(l.name);
      else h.vectorize(l.name, d.int(2, 4), { outer: name(`${l.name}o`), inner: name(`${l.name}v`), tail: tail(sch, d, o, stage, l.name) });
      return;
    }
  }
  if (d.chance(25)) {
    const l = d.pick(free);
    const e = st.knownExtents.get(l.name);
    if (e !== undefined && e <= 8) h.unroll(l.name);
    else h.unroll(l.name, d.int(2, 4), { outer: name(`${l.name}o`), inner: name(`${l.name}u`), tail: tail(sch, d, o, stage, l.name) });
  }
}
