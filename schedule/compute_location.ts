/**
 * Where a stage is computed and stored (TVM's compute_at / compute_inline family; Halide's
 * compute_at, store_at, compute_root, compute_inline). Legal sites are derived from the schedule:
 * a stage may be computed inside loop L only if every use of it runs inside L.
 */
import { ScheduleError } from './error.js';
import type { Location, StageState } from './state.js';

export interface Site { readonly stage: string; readonly axis: string }
export const siteName = (s: Site) => `${s.stage}.${s.axis}`;
const sameSite = (a: Site, b: Site) => a.stage === b.stage && a.axis === b.axis;

/** What location analysis needs to know of the whole schedule. */
export interface ScheduleContext {
  state(name: string): StageState;
  /** Names of the stages whose definitions read `name` directly. */
  consumers(name: string): readonly string[];
  isOutput(name: string): boolean;
}

/** Loops of `s` that may hold other stages' code: those outside its first vectorized loop. */
function hostLoops(s: StageState): string[] {
  const out: string[] = [];
  for (const l of s.loops) {
    if (l.kind === 'vectorized') break;
    out.push(l.name);
  }
  return out;
}

/** Sites (outermost first) of every loop that encloses the code placed at `loc`. */
function sitesEnclosingLocation(v: ScheduleContext, loc: Location, seen: Set<string>): Site[] {
  if (loc.kind !== 'at') return [];
  const host = v.state(loc.stage);
  if (seen.has(host.name)) throw new ScheduleError('location-cycle', host.name, loc.axis, 'compute_at locations form a cycle');
  seen.add(host.name);
  const loops = hostLoops(host);
  const upto = loops.indexOf(loc.axis);
  const own = (upto < 0 ? [] : loops.slice(0, upto + 1)).map((axis) => ({ stage: host.name, axis }));
  return [...sitesEnclosingLocation(v, host.computeAt, seen), ...own];
}

/** Sites enclosing every point where `consumer` reads its producers. */
function sitesEnclosingCode(v: ScheduleContext, consumer: string, seen: Set<string>): Site[] {
  const c = v.state(consumer);
  if (c.computeAt.kind === 'inline') return sitesEnclosingUses(v, consumer, seen);
  return [...sitesEnclosingLocation(v, c.computeAt, new Set(seen)), ...hostLoops(c).map((axis) => ({ stage: consumer, axis }))];
}

/** Sites enclosing every use of `f` (the intersection over its consumers). */
function sitesEnclosingUses(v: ScheduleContext, f: string, seen: Set<string>): Site[] {
  const consumers = v.consumers(f);
  let common: Site[] | undefined;
  for (const c of consumers) {
    const sites = sitesEnclosingCode(v, c, new Set([...seen, f]));
    common = common ? common.filter((s) => sites.some((t) => sameSite(s, t))) : sites;
  }
  return common ?? [];
}

/** The loops `f` may be computed at, outermost first (compute_root is always legal too). */
export function legalComputeSites(v: ScheduleContext, f: string): Site[] {
  return sitesEnclosingUses(v, f, new Set());
}

function describe(v: ScheduleContext, f: string): string[] {
  return [...legalComputeSites(v, f).map(siteName), 'root'];
}

function checkNotOutput(v: ScheduleContext, f: string, what: string): void {
  if (v.isOutput(f)) throw new ScheduleError('output-location', f, undefined, `${what}: ${f} is an output of the pipeline; outputs are computed at root into the output tensor`);
}

/**
 * Computes `f` inside loop `axis` of stage `at`, over the region that loop's body needs.
 * @throws ScheduleError when `f` is an output, or the site does not enclose every use of `f`
 *   (the message lists the legal sites)
 */
export function computeAt(v: ScheduleContext, f: string, at: string, axis: string): void {
  checkNotOutput(v, f, 'compute_at');
  const s = v.state(f);
  const host = v.state(at);
  if (!host.loops.some((l) => l.name === axis)) {
    host.loop(axis, `compute_at(${f})`);
  }
  const legal = legalComputeSites(v, f);
  if (!legal.some((x) => x.stage === at && x.axis === axis)) {
    const why = at === f ? `a stage cannot be computed inside its own loops`
      : host.loops.find((l) => l.name === axis)?.kind === 'vectorized' || !hostLoops(host).includes(axis)
        ? `${at}.${axis} is a vectorized loop or inside one; its lanes run at once`
        : `not every use of ${f} is inside ${at}.${axis}`;
    throw new ScheduleError('illegal-compute-site', f, axis, `compute_at(${at}, ${axis}): ${why}`, describe(v, f));
  }
  s.computeAt = { kind: 'at', stage: at, axis };
  if (s.storeAt && !storeEncloses(v, s.storeAt, s.computeAt)) s.storeAt = undefined;
}

/** Computes `f` once, before everything that reads it, over the whole region they need. */
export function computeRoot(v: ScheduleContext, f: string): void {
  const s = v.state(f);
  s.computeAt = { kind: 'root' };
  s.storeAt = undefined;
}

/**
 * Replaces every use of `f` by its definition (recomputing it at each use).
 * @throws ScheduleError for reductions (their values need a loop) and outputs
 */
export function computeInline(v: ScheduleContext, f: string): void {
  checkNotOutput(v, f, 'compute_inline');
  const s = v.state(f);
  if (s.isReduction) throw new ScheduleError('inline-reduction', f, undefined, `compute_inline: ${f} is a reduction, whose values need their own loop nest`, describe(v, f));
  s.computeAt = { kind: 'inline' };
  s.storeAt = undefined;
}

function storeEncloses(v: ScheduleContext, store: Location, compute: Location): boolean {
  if (store.kind === 'root') return true;
  if (store.kind === 'inline' || compute.kind !== 'at') return false;
  const chain = [...sitesEnclosingLocation(v, compute, new Set())];
  return chain.some((s) => s.stage === store.stage && s.axis === store.axis);
}

/**
 * Allocates `f`'s storage at loop `axis` of stage `at`, at or outside its compute site, so one buffer
 * holds every region computed inside that loop.
 * @throws ScheduleError when the site is not at or outside the compute site (lists the legal ones)
 */
export function storeAt(v: ScheduleContext, f: string, at: string, axis: string): void {
  checkNotOutput(v, f, 'store_at');
  const s = v.state(f);
  if (s.computeAt.kind !== 'at') {
    throw new ScheduleError('store-without-compute-at', f, axis, `store_at(${at}, ${axis}): ${f} is computed ${s.computeAt.kind === 'inline' ? 'inline' : 'at root'}, so its storage cannot be inside a loop; compute_at first`);
  }
  const legal = sitesEnclosingLocation(v, s.computeAt, new Set());
  if (!legal.some((x) => x.stage === at && x.axis === axis)) {
    throw new ScheduleError('illegal-store-site', f, axis, `store_at(${at}, ${axis}): the storage must be at or outside the compute site ${s.computeAt.stage}.${s.computeAt.axis}`, [...legal.map(siteName), 'root']);
  }
  s.storeAt = { kind: 'at', stage: at, axis };
}

export function storeRoot(v: ScheduleContext, f: string): void {
  checkNotOutput(v, f, 'store_root');
  const s = v.state(f);
  if (s.computeAt.kind === 'inline') throw new ScheduleError('no-storage', f, undefined, 'store_root: the stage is computed inline and has no storage; compute_at or compute_root first');
  s.storeAt = { kind: 'root' };
}
