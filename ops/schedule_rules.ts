/**
 * Default schedule rules the operator families share (the autotuner replaces them later): where a
 * fused epilogue goes, pointwise stages vectorized along their innermost contiguous axis with the
 * outer loops parallel, and the GPU mapping of one invocation per element.
 *
 * Every split here uses the `guard` tail: a kernel may run in place (its output in the buffer of an
 * elementwise input), and `shift_inwards` would recompute points after their input was overwritten.
 */
import { Stage, type Func } from '../dsl/func.js';
import * as ir from '../ir/expr.js';
import { bytes } from '../ir/dtype.js';
import type { Schedule, StageHandle } from '../schedule/schedule.js';
import type { ScheduleRequest } from './op.js';
import { extentsOf } from './indexing.js';

/** Pure stages with fewer elements than this run on one thread: the fork costs more than the work. */
export const PARALLEL_MIN_ELEMENTS = 16384;

/**
 * Reductions (convolutions, matrix products) of fewer multiply-adds than this run on one thread: about
 * 20-40 us of work on this machine's cores, several times a fork-join of the thread pool (2-13 us).
 * Counting the work, not the output, lets a 1x1 layer of 64 channels over a 13x13 map (11K outputs, 4M
 * multiply-adds) run in parallel.
 */
export const PARALLEL_MIN_MACS = 1 << 18;

/** The stages on the paths from `from` to `to` (exclusive of both), producers first. */
function stagesBetween(sch: Schedule, from: Stage, to: Stage): Stage[] {
  const reads = new Map<Func, boolean>();
  const readsFrom = (f: Func): boolean => {
    if (f === from) return true;
    if (!(f instanceof Stage)) return false;
    let r = reads.get(f);
    if (r === undefined) { reads.set(f, false); r = f.producers().some(readsFrom); reads.set(f, r); }
    return r;
  };
  return sch.pipeline.stages.filter((s) => s !== from && s !== to && readsFrom(s) && dependsOn(to, s));
}

function dependsOn(s: Stage, f: Func): boolean {
  const seen = new Set<Func>();
  const go = (g: Func): boolean => {
    if (g === f) return true;
    if (!(g instanceof Stage) || seen.has(g)) return false;
    seen.add(g);
    return g.producers().some(go);
  };
  return go(s);
}

/**
 * The stage the kernel writes for `request`: the epilogue when one is fused (after inlining the
 * elementwise stages between the op's output and it), else the op's first output.
 */
export function kernelOutput(sch: Schedule, request: ScheduleRequest): Stage {
  const { epilogue } = request;
  const main = request.outputs[0]!;
  if (!epilogue || epilogue === main) return main;
  const [a, b] = [extentsOf(main), extentsOf(epilogue)];
  if (a.join(',') !== b.join(',')) {
    throw new Error(`schedule: the epilogue ${epilogue.name} has shape [${b.join(', ')}] but ${main.name}, whose loops it takes, has [${a.join(', ')}]; only an epilogue of the same shape can be fused`);
  }
  for (const s of stagesBetween(sch, main, epilogue)) if (!s.reduction) sch.stage(s).computeInline();
  return epilogue;
}

/** The lanes to vectorize a stage of `dtype` by along an axis of `extent`: two vectors, one, or none. */
export function vectorLanes(dtype: Stage['dtype'], extent: number): number {
  const perVector = 16 / bytes(dtype);
  if (extent >= 2 * perVector) return 2 * perVector;
  return extent >= perVector ? perVector : 0;
}

/** The innermost axis of `extents` with more than one element, or -1. */
export function innermostNonUnit(extents: readonly number[]): number {
  for (let d = extents.length - 1; d >= 0; d--) if (extents[d]! > 1) return d;
  return -1;
}

/**
 * Marks one loop of `h` parallel: the outermost loop of `loops` (with their extents) that has at least
 * 4 iterations per thread, else the longest. Nothing when no loop has two iterations.
 */
export function parallelOuter(h: StageHandle, loops: readonly { name: string; extent: number }[], threads: number): void {
  if (threads <= 1 || loops.length === 0) return;
  const pick = loops.find((l) => l.extent >= 4 * threads) ?? [...loops].sort((a, b) => b.extent - a.extent)[0]!;
  if (pick.extent >= 2) h.parallel(pick.name);
}

/** The reads of `e`, looking through the stages computed inline (their bodies at the read's coordinates). */
function readsThroughInline(sch: Schedule, e: ir.Expr, out: (ir.Expr & { kind: 'access' })[]): void {
  if (e.kind === 'access') {
    e.args.forEach((a) => readsThroughInline(sch, a, out));
    const f = e.func as Func;
    const def = f instanceof Stage ? sch.definition(f) : undefined;
    if (def && !def.reduction && sch.state(def.name).computeAt.kind === 'inline') {
      readsThroughInline(sch, ir.substitute(def.body, new Map(def.axes.map((v, i) => [v, e.args[i]!]))), out);
    } else out.push(e);
    return;
  }
  for (const c of ir.children(e)) readsThroughInline(sch, c, out);
}

/**
 * How many trailing axes of a pure stage can be fused into one loop that still reads and writes
 * densely: for every tensor the stage reads (through inlined stages), the fused axes index its last
 * dimensions directly, in order and at the same extents, or do not index it at all (a broadcast).
 * The fused loop's coordinates (f / W, f mod W) then recombine into f in every address.
 */
export function fusibleTrailingAxes(sch: Schedule, stage: Stage): number {
  const reads: (ir.Expr & { kind: 'access' })[] = [];
  readsThroughInline(sch, stage.body, reads);
  const extents = extentsOf(stage), axes = stage.axes;
  const dense = (t: number): boolean => {
    const fused = axes.slice(axes.length - t);
    return reads.every((r) => {
      const uses = r.args.map((a) => ir.usesVar(a, (v) => fused.includes(v)));
      if (!uses.some(Boolean)) return true;
      const f = r.func as Func, fe = extentsOf(f), n = r.args.length;
      if (n < t) return false;
      return fused.every((v, i) => {
        const a = r.args[n - t + i]!;
        return a.kind === 'var' && a.v === v && fe[n - t + i] === extents[axes.length - t + i];
      }) && uses.slice(0, n - t).every((u) => !u);
    });
  };
  let t = 1;
  while (t < axes.length && dense(t + 1)) t++;
  return Math.min(t, axes.length);
}

/**
 * A pure stage at root on wasm-simd: its trailing axes fused while that keeps every access dense
 * (fusibleTrailingAxes), then its innermost axis with more than one element (contiguous in memory,
 * since the axes inside it have one element) vectorized by 1 or 2 vectors with a guarded tail, and
 * with threads, an outer loop parallel. `fuse: false` keeps the axes: a producer computed per vector
 * of a fused loop would be computed over whole rows (bound inference sees f / W and f mod W apart).
 * @returns the loop the vectors are in (the outer half of the vectorized axis), or undefined
 */
export function pointwiseCpu(sch: Schedule, stage: Stage, threads: number, o: { fuse?: boolean } = {}): string | undefined {
  const h = sch.stage(stage);
  let extents = extentsOf(stage), axes = stage.axes.map((a) => a.name);
  const t = axes.length > 1 && o.fuse !== false ? fusibleTrailingAxes(sch, stage) : 1;
  if (t > 1) {
    let fused = axes[axes.length - t]!;
    for (const a of axes.slice(axes.length - t + 1)) fused = h.fuse(fused, a, { fused: `${fused}_${a}` });
    extents = [...extents.slice(0, axes.length - t), extents.slice(axes.length - t).reduce((a, b) => a * b, 1)];
    axes = [...axes.slice(0, axes.length - t), fused];
  }
  const v = innermostNonUnit(extents);
  if (v < 0) return undefined;
  const lanes = vectorLanes(stage.dtype, extents[v]!);
  let tile: string | undefined;
  const outer = axes.slice(0, v).map((name, d) => ({ name, extent: extents[d]! }));
  if (lanes > 0) {
    [tile] = h.vectorize(axes[v]!, lanes, { outer: `${axes[v]}o`, inner: `${axes[v]}i`, tail: 'guard' });
    outer.push({ name: tile!, extent: Math.ceil(extents[v]! / lanes) });
  } else outer.push({ name: axes[v]!, extent: extents[v]! });
  if (extents.reduce((a, b) => a * b, 1) >= PARALLEL_MIN_ELEMENTS) parallelOuter(h, outer, threads);
  return tile;
}

/** Invocations per workgroup of the pointwise GPU mapping. */
export const GPU_GROUP = 64;
/** Workgroups per grid dimension before a second dimension is used (under WebGPU's 65535). */
const GPU_GRID_X = 32768;

/**
 * A pure stage at root on webgpu: its loops fused into one, split into workgroups of GPU_GROUP
 * invocations (guarded tail), one element per invocation; over GPU_GRID_X workgroups, a second grid
 * dimension. A 0-d stage gets no loops and runs as a one-invocation kernel.
 * @returns the thread loop
 */
export function pointwiseGpu(sch: Schedule, stage: Stage): string | undefined {
  const h = sch.stage(stage);
  const loops = h.loops;
  if (loops.length === 0) return undefined;
  let fused = loops[0]!;
  for (const l of loops.slice(1)) fused = h.fuse(fused, l, { fused: `${fused}_${l}` });
  const n = extentsOf(stage).reduce((a, b) => a * b, 1);
  const group = Math.min(GPU_GROUP, n);
  const [blocks, thread] = h.split(fused, group, { outer: 'gb', inner: 'gt', tail: 'guard' });
  if (Math.ceil(n / group) > GPU_GRID_X) {
    const [by, bx] = h.split(blocks, GPU_GRID_X, { outer: 'gby', inner: 'gbx', tail: 'guard' });
    h.gpuBlocks(by, bx);
  } else h.gpuBlocks(blocks);
  h.gpuThreads(thread);
  return thread;
}

/**
 * A pure stage at root on webgpu whose invocations each compute a producer (a sum) in private memory:
 * the innermost axis split into workgroups of up to GPU_GROUP invocations (guarded), the axis outside
 * it and the outer axes fused as the other two grid dimensions. Unlike pointwiseGpu, every coordinate
 * of the stage stays a plain loop variable or a quotient of one, so the producer's region per
 * invocation has a constant size.
 * @returns the thread loop
 */
export function pointGpu(sch: Schedule, stage: Stage): string | undefined {
  const h = sch.stage(stage);
  const loops = stage.axes.map((a) => a.name), extents = extentsOf(stage);
  if (loops.length === 0) return undefined;
  const inner = loops.at(-1)!, n = extents.at(-1)!;
  const [blocks, thread] = h.split(inner, Math.min(GPU_GROUP, n), { outer: 'gb', inner: 'gt', tail: 'guard' });
  const outer = loops.slice(0, -1);
  if (outer.length === 0) { h.gpuBlocks(blocks); h.gpuThreads(thread); return thread; }
  let z = outer.length > 1 ? outer[0]! : undefined;
  for (const l of outer.slice(1, -1)) z = h.fuse(z!, l, { fused: `${z}_${l}` });
  const y = outer.at(-1)!;
  h.reorder(...(z ? [z] : []), y, blocks, thread);
  h.gpuBlocks(...(z ? [z] : []), y, blocks);
  h.gpuThreads(thread);
  return thread;
}

/**
 * A reduction stage computed at root on its own (a softmax's max and sum): on wasm-simd the reduction
 * loops outermost and the innermost pure axis with more than one element vectorized (every lane its
 * own accumulator), on webgpu one invocation per point (pointGpu), the reduction serial inside it.
 */
export function scheduleRootReduction(sch: Schedule, stage: Stage, request: ScheduleRequest): void {
  if (request.target === 'webgpu') { pointGpu(sch, stage); return; }
  const h = sch.stage(stage);
  const pure = stage.axes.map((a) => a.name), extents = extentsOf(stage);
  const v = innermostNonUnit(extents);
  if (v < 0) return;
  const lanes = vectorLanes(stage.dtype, extents[v]!);
  const reduction = h.loops.filter((l) => !pure.includes(l));
  h.reorder(...pure.filter((_, d) => d !== v), ...reduction, pure[v]!);
  if (lanes) h.vectorize(pure[v]!, lanes, { outer: `${pure[v]}o`, inner: `${pure[v]}i`, tail: 'guard' });
}

/**
 * An op whose output is a pure stage over a reduction stage `acc` of the same axes (a convolution,
 * a pooling window, a reduce with keepdims): the kernel's output scheduled pointwise (without fusing
 * its axes), `acc` computed per vector of it with the reduction outermost and the same axis in lanes;
 * on webgpu `acc` per invocation, in private memory.
 */
export function scheduleReduction(sch: Schedule, request: ScheduleRequest, acc: string): void {
  const final = kernelOutput(sch, request);
  const main = request.outputs[0]!;
  if (final !== main && !main.reduction) sch.stage(main).computeInline();
  const a = sch.stage(acc);
  if (request.target === 'webgpu') {
    const thread = pointGpu(sch, final);
    if (thread) a.computeAt(final, thread);
    return;
  }
  const tile = pointwiseCpu(sch, final, request.threads, { fuse: false });
  a.computeAt(final, tile ?? sch.stage(final).loops.at(-1)!);
  const def = sch.state(acc).stage;
  const pure = def.axes.map((v) => v.name);
  const v = innermostNonUnit(extentsOf(final));
  const lanesAxis = tile && def.axes.length === final.axes.length ? pure[v] : undefined;
  const reduction = a.loops.filter((l) => !pure.includes(l));
  a.reorder(...reduction, ...pure.filter((p) => p !== lanesAxis), ...(lanesAxis ? [lanesAxis] : []));
  if (lanesAxis) a.vectorize(lanesAxis);
}

/** The default schedule of a pure stage at root for the request's target. @returns the loop a producer of one tile can be computed at */
export function schedulePointwise(sch: Schedule, stage: Stage, request: ScheduleRequest): string | undefined {
  return request.target === 'webgpu' ? pointwiseGpu(sch, stage) : pointwiseCpu(sch, stage, request.threads);
}

/**
 * The schedule of an elementwise or data-movement op: every output a pure stage at root; with an
 * epilogue, the op's output inlined into it and the epilogue scheduled instead.
 */
export function schedulePointwiseOp(sch: Schedule, request: ScheduleRequest): void {
  const final = kernelOutput(sch, request);
  const [main, ...rest] = request.outputs;
  if (final !== main && !main!.reduction) sch.stage(main!).computeInline();
  schedulePointwise(sch, final, request);
  for (const s of rest) schedulePointwise(sch, s, request);
}
