/**
 * What every convolution algorithm (ops/conv_algorithms.ts, ops/conv_winograd.ts, ops/conv_im2col.ts) is and shares: the
 * entry of the algorithm table, and the rules their schedules have in common.
 */
import type { Func, Stage } from '../dsl/func.js';
import type { Schedule, SplitOptions, StageHandle } from '../schedule/schedule.js';
import type { ScheduleRequest } from './op.js';
import type { ConvLayer } from './conv.js';
import { kernelOutput, pointGpu, PARALLEL_MIN_MACS } from './schedule_rules.js';

/** Output channels per register tile of the GEMM-shaped algorithms (pointwise, im2col, direct, rows, Winograd's GEMMs). */
export const TILE_CHANNELS = 4;

export interface ConvAlgorithm {
  readonly name: string;
  /** Whether the algorithm computes this layer (a function of the layer alone, so define and schedule agree). */
  applies(layer: ConvLayer): boolean;
  /** The layer's stages, when they are not the direct definition (ops/conv.ts defineConv). */
  define?(layer: ConvLayer, X: Func, W: Func, B: Func | undefined): Stage[];
  /** Schedules the layer's stages for `request` (its target and threads). */
  schedule(sch: Schedule, layer: ConvLayer, request: ScheduleRequest): void;
  /**
   * Its outputs differ from the direct sum's by more than the order of the additions (Winograd's
   * transforms): never a layer's default, and taken only where its tuning checked it against the
   * default's outputs (model/kernel_records.ts).
   */
  readonly approximate?: true;
}

/** Whether a layer has the work to run in parallel: its multiply-adds, output elements times one window of one group. */
export function parallelWorthIt(layer: ConvLayer): boolean {
  const g = layer.geometry;
  const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
  return layer.N * layer.M * product(g.output) * (layer.C / layer.group) * product(g.kernel) >= PARALLEL_MIN_MACS;
}

/**
 * The op's output inlined into the kernel's output (when an epilogue is fused), and the stage whose
 * loops the layer's tiles are: the kernel's output.
 */
export function placeOutput(sch: Schedule, request: ScheduleRequest): Stage {
  const final = kernelOutput(sch, request);
  if (final !== request.outputs[0]) sch.stage(request.outputs[0]!).computeInline();
  return final;
}

/**
 * WebGPU for a GEMM over a per-strip panel ('pointwise', 'im2col'): the panel inlined into the sum,
 * one invocation per output point with its sum in private memory.
 */
export function panelGemmOnGpu(sch: Schedule, final: Stage, acc: StageHandle, panel: StageHandle): void {
  panel.computeInline();
  const thread = pointGpu(sch, final);
  if (thread) acc.computeAt(final, thread);
}

/**
 * Register tiles of a sum `acc` of axes (..., k, q) computed per tile of `final`'s loop `at`: acc
 * split into `channels` x 8 tiles of (k, q), each accumulated in a cache-written copy `local` with
 * the reduction loops outermost, k unrolled and q vectorized ('rows' and 'winograd').
 * @param o.outer acc's pure axes before k, in loop order (those the tiles of acc are ordered under:
 *   `tileOuter`, default all); `reductions` local's reduction loops in order
 * @returns the handle of `local`
 */
export function registerTiles(sch: Schedule, acc: string, at: { final: Stage; loop: string }, o: { local: string; channels: number; outer: readonly string[]; tileOuter?: readonly string[]; reductions: readonly string[]; qTail?: SplitOptions['tail'] }): StageHandle {
  const a = sch.stage(acc);
  const local = sch.stage(a.cacheWrite({ name: o.local }));
  a.computeAt(at.final, at.loop);
  a.split('k', o.channels, { outer: 'ako', inner: 'aki', tail: 'guard' });
  a.split('q', 8, { outer: 'qo', inner: 'qi', ...(o.qTail ? { tail: o.qTail } : {}) });
  a.reorder(...(o.tileOuter ?? o.outer), 'ako', 'qo', 'aki', 'qi');
  a.unroll('aki');
  a.vectorize('qi');
  local.computeAt(a.name, 'qo');
  local.reorder(...o.reductions, ...o.outer, 'k', 'q');
  local.unroll('k');
  local.vectorize('q');
  return local;
}
