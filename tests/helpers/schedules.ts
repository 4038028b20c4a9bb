/**
 * Random schedules for property tests. fast-check draws a list of abstract "moves" made of small
 * integers; each is resolved against the schedule as it stands when it is applied (the current stages,
 * `sch.stage(name).loops`, `sch.legalComputeSites(name)`), so every draw names real loops and the
 * draws shrink well. A move the schedule refuses must be refused with a ScheduleError (anything else
 * is a bug, reported by `applyMoves`), and is then skipped.
 */
import fc from 'fast-check';
import { Schedule } from '../../schedule/schedule.js';
import { ScheduleError } from '../../schedule/error.js';
import type { StageState, TailStrategy } from '../../schedule/state.js';
import type { Pipeline } from '../../dsl/pipeline.js';
import { storageDims } from '../../schedule/layout_transformation.js';

export const TAILS: readonly TailStrategy[] = ['auto', 'guard', 'round_up', 'shift_inwards'];

export type Move =
  | { readonly kind: 'split'; readonly stage: number; readonly loop: number; readonly factor: number; readonly tail: number }
  | { readonly kind: 'tile'; readonly stage: number; readonly loop: number; readonly fy: number; readonly fx: number; readonly tail: number }
  | { readonly kind: 'reorder'; readonly stage: number; readonly keys: readonly number[] }
  | { readonly kind: 'fuse'; readonly stage: number; readonly loop: number }
  | { readonly kind: 'vectorize'; readonly stage: number; readonly loop: number; readonly factor: number }
  | { readonly kind: 'unroll'; readonly stage: number; readonly loop: number; readonly factor: number }
  | { readonly kind: 'parallel'; readonly stage: number; readonly loop: number }
  | { readonly kind: 'computeAt'; readonly stage: number; readonly site: number }
  | { readonly kind: 'computeRoot'; readonly stage: number }
  | { readonly kind: 'computeInline'; readonly stage: number }
  | { readonly kind: 'storeAt'; readonly stage: number; readonly site: number }
  | { readonly kind: 'rfactor'; readonly stage: number; readonly loop: number }
  | { readonly kind: 'alignBounds'; readonly stage: number; readonly axis: number; readonly modulus: number }
  | { readonly kind: 'reorderStorage'; readonly stage: number; readonly keys: readonly number[] }
  | { readonly kind: 'transformLayout'; readonly stage: number; readonly dim: number; readonly factor: number };

export interface MoveOptions {
  /** Draw rfactor moves (for pipelines with reductions). */
  readonly rfactor?: boolean;
  /** Largest number of moves. */
  readonly maxMoves?: number;
}

/**
 * Known compiler bugs the random schedules steer around (each has its own failing test), so that the
 * properties keep finding new ones.
 */
export interface Avoid {
  /** fuse of a non-output stage's loops (tests/primitives.test.ts: fuse drops the region minimum). */
  readonly fuseIntermediate?: boolean;
  /**
   * rfactor of one half of a split reduction loop whose factor does not divide (the factors drawn
   * never divide K = 11): with the new axis vectorized, the kernel reads past the input.
   */
  readonly rfactorSplitHalf?: boolean;
  /** rfactor of a stage that rfactor created (an internal error in storage flattening). */
  readonly rfactorTwice?: boolean;
  /** round_up on a split of a derived pure loop of a reduction stage (double-counts points). */
  readonly roundUpNestedReduction?: boolean;
  /** reorder (or tile) of a stage holding another stage's store_at site (the store site can end up inside the compute site). */
  readonly reorderStoreHost?: boolean;
  /**
   * A guard split of a loop derived from the inner half of a shift_inwards split (bound inference
   * ignores the guard; the output bounds assert then fails on a kernel that writes inside).
   */
  readonly guardUnderShift?: boolean;
}

/** Whether `axis` of `st` is, or derives from, the inner half of a shift_inwards split. */
function underShift(st: StageState, axis: string): boolean {
  const tainted = new Set<string>();
  for (const r of st.relations) {
    if (r.kind === 'split') {
      if (r.tail === 'shift_inwards') tainted.add(r.inner);
      if (tainted.has(r.parent)) { tainted.add(r.outer); tainted.add(r.inner); }
    } else if (tainted.has(r.outer) || tainted.has(r.inner)) tainted.add(r.fused);
  }
  return tainted.has(axis);
}

/** Known bugs to steer around: none open (the fields above are kept for bugs found later). */
export const AVOID_KNOWN_BUGS: Avoid = {};

/**
 * Why a kernel built from `sch` may legitimately refuse to run on the inputs of `sizes` with a
 * bounds assert (a KernelError; documented behaviour, not a bug), or undefined when it must run:
 *  - an OUTPUT stage has a split that computes points outside the output at these sizes: round_up
 *    with a factor that does not divide the loop's extent, or shift_inwards of a loop shorter than
 *    the factor (extents are followed through the stage's splits and fuses at the concrete sizes);
 *  - a stage in `directReaders` (one whose definition reads an input without a boundary condition,
 *    such as matmul's C and the stages rfactor makes of it) has any round_up or shift_inwards split,
 *    or align_bounds (over-computed points read the input outside its shape).
 * The estimate is conservative (it may excuse a kernel that should have run), never the reverse.
 */
export function expectedRefusal(sch: Schedule, sizes: Readonly<Record<string, number>>, directReaders: RegExp = /^$/): string | undefined {
  for (const s of sch.stagesInOrder()) {
    const isOutput = sch.isOutput(s.name);
    if (directReaders.test(s.name) && s.alignments.size > 0) return `${s.name} reads an input directly and has align_bounds`;
    if (!isOutput) {
      if (directReaders.test(s.name) && s.relations.some((r) => r.kind === 'split' && r.tail !== 'guard')) {
        return `${s.name} reads an input directly and has a round_up or shift_inwards split`;
      }
      continue;
    }
    if (directReaders.test(s.name) && s.relations.some((r) => r.kind === 'split' && r.tail === 'round_up')) {
      return `${s.name} reads an input directly and has a round_up split`;
    }
    const ext = new Map<string, number>();
    s.stage.axes.forEach((v, d) => {
      const e = s.stage.shape[d]!;
      ext.set(v.name, e.kind === 'const' ? e.value : e.kind === 'var' ? sizes[e.v.name]! : NaN);
    });
    for (const a of s.stage.reduction?.axes ?? []) ext.set(a.name, a.extent.kind === 'const' ? a.extent.value : a.extent.kind === 'var' ? sizes[a.extent.v.name]! : NaN);
    for (const r of s.relations) {
      if (r.kind === 'fuse') { ext.set(r.fused, ext.get(r.outer)! * ext.get(r.inner)!); continue; }
      const e = ext.get(r.parent)!;
      ext.set(r.outer, Math.ceil(e / r.factor));
      ext.set(r.inner, r.factor);
      if (Number.isNaN(e)) return `${s.name}.${r.parent} has an extent this estimate cannot follow`;
      if (e % r.factor === 0) continue;
      if (r.tail === 'round_up') return `${s.name}: round_up of ${r.parent} (extent ${e}) by ${r.factor}`;
      if (r.tail === 'shift_inwards' && e < r.factor) return `${s.name}: shift_inwards of ${r.parent} (extent ${e}) by ${r.factor}`;
    }
  }
  return undefined;
}

const idx = fc.nat({ max: 63 });

/** An arbitrary list of moves. Location moves are weighted up: they are where stages interact. */
export function movesArb(o: MoveOptions = {}): fc.Arbitrary<Move[]> {
  const stage = idx;
  const entries: fc.WeightedArbitrary<Move>[] = [
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('split' as const), stage, loop: idx, factor: fc.integer({ min: 1, max: 9 }), tail: fc.nat({ max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tile' as const), stage, loop: idx, fy: fc.integer({ min: 1, max: 9 }), fx: fc.integer({ min: 1, max: 9 }), tail: fc.nat({ max: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('reorder' as const), stage, keys: fc.array(fc.nat({ max: 99 }), { minLength: 8, maxLength: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('fuse' as const), stage, loop: idx }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('vectorize' as const), stage, loop: fc.nat({ max: 1 }), factor: fc.constantFrom(0, 2, 4, 8, 16) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('unroll' as const), stage, loop: fc.nat({ max: 2 }), factor: fc.constantFrom(0, 2, 3, 4) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('parallel' as const), stage, loop: idx }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('computeAt' as const), stage, site: idx }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('computeRoot' as const), stage }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('computeInline' as const), stage }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('storeAt' as const), stage, site: idx }) },
  ];
  entries.push(
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('alignBounds' as const), stage, axis: idx, modulus: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reorderStorage' as const), stage, keys: fc.array(fc.nat({ max: 99 }), { minLength: 8, maxLength: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('transformLayout' as const), stage, dim: idx, factor: fc.integer({ min: 1, max: 8 }) }) },
  );
  if (o.rfactor) entries.push({ weight: 2, arbitrary: fc.record({ kind: fc.constant('rfactor' as const), stage, loop: idx }) });
  return fc.array(fc.oneof(...entries), { maxLength: o.maxMoves ?? 10 });
}

export interface Applied {
  readonly sch: Schedule;
  /** Moves applied (as their instructions in sch.trace) and moves refused with a ScheduleError. */
  readonly applied: number;
  readonly refused: string[];
}

/** The observable state of a schedule: every stage's loops, kinds and locations, as text. */
function snapshot(sch: Schedule): string {
  return JSON.stringify(sch.stagesInOrder().map((s) => [s.name, s.loops, s.computeAt, s.storeAt ?? null, [...s.bounds], [...s.alignments], s.storage ?? null]));
}

const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);

/**
 * Applies `moves` to a fresh default schedule of `p`.
 * @throws Error (not a ScheduleError) when a primitive throws anything other than a ScheduleError,
 *   naming the move and the schedule so far
 */
export function applyMoves(p: Pipeline, moves: readonly Move[], avoid: Avoid = {}): Applied {
  const sch = new Schedule(p);
  const refused: string[] = [];
  let applied = 0, fresh = 0;
  const outputs = new Set(p.outputs.map((o) => o.name));
  for (const m of moves) {
    const stages = sch.stagesInOrder().map((s) => s.name);
    const nonOutputs = stages.filter((s) => !outputs.has(s));
    const allocated = m.kind.startsWith('compute') || m.kind === 'storeAt' || m.kind === 'alignBounds' || m.kind.endsWith('Storage') || m.kind === 'transformLayout';
    const name = pick(allocated ? nonOutputs : stages, m.stage);
    if (name === undefined) continue;
    const h = sch.stage(name);
    const loops = h.loops;
    const storeHost = sch.stagesInOrder().some((s) => s.storeAt?.kind === 'at' && s.storeAt.stage === name);
    if (avoid.reorderStoreHost && storeHost && (m.kind === 'reorder' || m.kind === 'tile')) continue;
    const n = ++fresh;
    const act = (): void => {
      switch (m.kind) {
        case 'split': {
          const axis = pick(loops, m.loop)!;
          const tail = TAILS[m.tail]!;
          const st = sch.state(name);
          if (avoid.roundUpNestedReduction && tail === 'round_up' && st.isReduction && !st.stage.axes.some((v) => v.name === axis)) return;
          if (avoid.guardUnderShift && (tail === 'guard' || (tail === 'auto' && st.isReduction)) && underShift(st, axis)) return;
          h.split(axis, m.factor, { outer: `${axis[0]}o${n}`, inner: `${axis[0]}i${n}`, tail });
          return;
        }
        case 'tile': {
          const i = m.loop % Math.max(1, loops.length - 1);
          if (loops.length < 2) return;
          const [y, x] = [loops[i]!, loops[i + 1]!];
          const st = sch.state(name), tail = TAILS[m.tail]!;
          if (avoid.guardUnderShift && (tail === 'guard' || (tail === 'auto' && st.isReduction)) && (underShift(st, y) || underShift(st, x))) return;
          h.tile(y, x, m.fy, m.fx, { names: [`${y[0]}o${n}`, `${x[0]}o${n}`, `${y[0]}i${n}`, `${x[0]}i${n}`], tail });
          return;
        }
        case 'reorder': {
          if (loops.length < 2) return;
          const perm = loops.map((l, i) => [l, m.keys[i % m.keys.length]! * 100 + i] as const).sort((a, b) => a[1] - b[1]).map((x) => x[0]);
          h.reorder(...perm);
          return;
        }
        case 'fuse': {
          if (loops.length < 2 || (avoid.fuseIntermediate && !outputs.has(name))) return;
          const i = m.loop % (loops.length - 1);
          h.fuse(loops[i]!, loops[i + 1]!, { fused: `f${n}` });
          return;
        }
        case 'vectorize': case 'unroll': {
          const axis = loops[Math.max(0, loops.length - 1 - m.loop)]!;
          const known = sch.state(name).knownExtents.get(axis);
          if (m.factor === 0) {
            // Without a factor only loops of a small known extent (others are refused at compile).
            if (known === undefined || known > 16) return;
            if (m.kind === 'vectorize') h.vectorize(axis); else h.unroll(axis);
          } else {
            const o = { outer: `${axis[0]}o${n}`, inner: `${axis[0]}v${n}` };
            if (m.kind === 'vectorize') h.vectorize(axis, m.factor, o); else h.unroll(axis, m.factor, o);
          }
          return;
        }
        case 'parallel': h.parallel(pick(loops, m.loop)!); return;
        case 'computeAt': {
          const site = pick(sch.legalComputeSites(name), m.site)!;
          if (site === 'root') { h.computeRoot(); return; }
          const dot = site.indexOf('.');
          h.computeAt(site.slice(0, dot), site.slice(dot + 1));
          return;
        }
        case 'computeRoot': h.computeRoot(); return;
        case 'computeInline': h.computeInline(); return;
        case 'storeAt': {
          const site = pick(sch.legalComputeSites(name), m.site)!;
          if (site === 'root') { h.storeRoot(); return; }
          const dot = site.indexOf('.');
          h.storeAt(site.slice(0, dot), site.slice(dot + 1));
          return;
        }
        case 'alignBounds': h.alignBounds(pick(sch.state(name).stage.axes, m.axis)!.name, m.modulus); return;
        case 'reorderStorage': {
          const dims = storageDims(sch.state(name));
          if (dims.length < 2) return;
          h.reorderStorage(...dims.map((d, i) => [d, m.keys[i % m.keys.length]! * 100 + i] as const).sort((a, b) => a[1] - b[1]).map((x) => x[0]));
          return;
        }
        case 'transformLayout': {
          const dim = pick(storageDims(sch.state(name)), m.dim)!;
          h.transformLayout({ split: { dim, factor: m.factor, outer: `${dim}o${n}`, inner: `${dim}i${n}` } });
          return;
        }
        case 'rfactor': {
          const red = sch.state(name).loops.filter((l) => l.isReduction).map((l) => l.name);
          const axis = pick(red, m.loop);
          if (axis === undefined) return;
          if (avoid.rfactorTwice && /_rf\d+$/.test(name)) return;
          if (avoid.rfactorSplitHalf && sch.state(name).relations.some((r) => r.kind === 'split' && (r.outer === axis || r.inner === axis))) return;
          h.rfactor(axis, { name: `${name}_rf${n}` });
          return;
        }
      }
    };
    const before = sch.trace.length;
    const state = snapshot(sch);
    try {
      act();
      if (sch.trace.length > before) applied++;
    } catch (e) {
      if (e instanceof ScheduleError) {
        refused.push(`${m.kind}: ${e.message.split('\n')[0]}`);
        // A refused primitive must leave the schedule as it was.
        if (sch.trace.length !== before || snapshot(sch) !== state) {
          throw new Error(`${m.kind} on ${name} was refused (${e.message}) but changed the schedule\nmove: ${JSON.stringify(m)}\nschedule:\n${sch.toCode()}`);
        }
        continue;
      }
      const err = e as Error;
      throw new Error(`${m.kind} on ${name} threw ${err?.name} (not a ScheduleError): ${err?.message}\nmove: ${JSON.stringify(m)}\nschedule so far:\n${sch.toCode()}`, { cause: e });
    }
  }
  return { sch, applied, refused };
}

/**
 * The blur's tiled schedule with its row tiles parallel: blur_y in 4 x 16 tiles, 8-lane vectors,
 * blur_x computed per tile (inside the parallel loop). For the blur pipelines of pipelines.ts.
 */
export function parallelBlurSchedule(p: Pipeline): Schedule {
  const sch = new Schedule(p);
  sch.stage('blur_y').tile('y', 'x', 4, 16);
  sch.stage('blur_y').parallel('yo');
  sch.stage('blur_y').vectorize('xi', 8);
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  sch.stage('blur_x').vectorize('x', 8);
  return sch;
}
