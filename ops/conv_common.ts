/**
 * What every convolution algorithm (ops/conv_algorithms.ts, ops/conv_winograd.ts) is and shares: the
 * entry of the algorithm table, and the rules their schedules have in common.
 */
import type { Func, Stage } from '../dsl/func.js';
import type { Schedule } from '../schedule/schedule.js';
import type { ScheduleRequest } from './op.js';
import type { ConvLayer } from './conv.js';
import { kernelOutput, PARALLEL_MIN_MACS } from './schedule_rules.js';

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
