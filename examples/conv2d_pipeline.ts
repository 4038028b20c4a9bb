/**
 * A 2-D convolution layer, NCHW, 3x3 kernel, padding 1, stride 1 (the layer of most CNNs):
 *
 *   padded(n, c, y, x) = input(n, c, y, x) inside the image, 0 outside
 *   conv(n, k, y, x)   = sum over c, ry, rx of padded(n, c, y + ry - 1, x + rx - 1) * weights(k, c, ry, rx)
 *   out(n, k, y, x)    = bias(k) + conv(n, k, y, x)
 *
 * input [N, C, H, W], weights [K, C, 3, 3], bias [K], out [N, K, H, W], all f32.
 */
import { compute, constantExterior, placeholder, pipeline, reduceAxis, sizeVar, sum, type Pipeline } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';

/** Batch N, input channels C, output channels K, height H, width W. */
export interface Conv2dSizes { N: number; C: number; K: number; H: number; W: number }

/**
 * Builds the layer as a pipeline with inputs `input`, `weights`, `bias` and output `out`.
 * @param sizes extents to fix at compile time; the others are size variables bound from the tensors
 *   at call time. Fixed extents let the compiler fold the padding's bounds tests away, so the code is
 *   much smaller and faster to compile.
 */
export function conv2dPipeline(sizes: Partial<Conv2dSizes> = {}): Pipeline {
  const extent = (name: keyof Conv2dSizes) => sizes[name] ?? sizeVar(name);
  const N = extent('N'), C = extent('C'), K = extent('K'), H = extent('H'), W = extent('W');
  const input = placeholder('input', [N, C, H, W], 'f32');
  const weights = placeholder('weights', [K, C, 3, 3], 'f32');
  const bias = placeholder('bias', [K], 'f32');
  const padded = constantExterior(input, 0);
  const c = reduceAxis(C, 'c'), ry = reduceAxis(3, 'ry'), rx = reduceAxis(3, 'rx');
  const conv = compute('conv', [N, K, H, W], (n, k, y, x) =>
    sum(padded.at(n, c, y.add(ry).sub(1), x.add(rx).sub(1)).mul(weights.at(k, c, ry, rx)), [c, ry, rx]), { axes: ['n', 'k', 'y', 'x'] });
  const out = compute('out', [N, K, H, W], (n, k, y, x) => bias.at(k).add(conv.at(n, k, y, x)), { axes: ['n', 'k', 'y', 'x'] });
  return pipeline(out);
}

/** SIMD lanes along x: two 128-bit f32 vectors per accumulator. */
export const CONV_LANES = 8;

/** Output channels per register tile. */
export const CONV_CHANNELS = 4;

/**
 * A register-tile schedule, as for SGEMM: `out` in tiles of CONV_CHANNELS output channels x
 * CONV_LANES pixels of a row (the last strip of a row guarded when the width is not a multiple);
 * `conv` is computed per tile into CONV_CHANNELS x CONV_LANES accumulators (8 v128 registers),
 * reducing over c and the 3x3 window, so each input vector loaded feeds CONV_CHANNELS multiply-adds
 * and each weight is a broadcast load. The zero-padded input is computed once at root, so no load
 * tests the image's edges (computed inline instead, the edge tiles fall back to lane-by-lane code and
 * cost as much as the interior: 14 against 34 GFLOP/s at 64->64 56x56). Of the window only the rows
 * are unrolled: fully unrolled, the body keeps 18 input vectors live besides the 8 accumulators and
 * V8 spills (13 GFLOP/s). K must be at least CONV_CHANNELS.
 */
export function conv2dSchedule(p: Pipeline): Schedule {
  const sch = new Schedule(p);
  const out = sch.stage('out');
  out.split('k', CONV_CHANNELS, { outer: 'ko', inner: 'ki' });
  out.split('x', CONV_LANES, { outer: 'xo', inner: 'xi', tail: 'guard' });
  out.reorder('ko', 'y', 'xo', 'ki', 'xi');             // loops: n, ko, y, xo, ki, xi
  out.unroll('ki');
  out.vectorize('xi');
  const conv = sch.stage('conv');
  conv.computeAt('out', 'xo');                          // a CONV_CHANNELS x CONV_LANES tile
  conv.reorder('c', 'ry', 'rx', 'n', 'k', 'y', 'x');    // the reduction outside the tile
  conv.unroll('k');
  conv.vectorize('x');
  conv.unroll('ry');                                    // rx stays a loop: see below
  const padded = sch.stage('input_ext');
  padded.computeRoot();                                 // the zero-padded input, once
  padded.vectorize('d3', CONV_LANES);
  return sch;
}

/** Output channels per invocation and pixels per workgroup (rows x columns) of the GPU schedule. */
export const GPU_CONV = { channels: 4, rows: 8, cols: 16 } as const;

/**
 * A GPU schedule: one invocation per output pixel and 4 output channels, whose 4 accumulators are
 * private registers (conv computed inside the thread loop, its channels unrolled, the 3x3 window
 * unrolled), so each input value loaded feeds 4 multiply-adds; workgroups of 8 x 16 pixels, the grid
 * over (columns, rows, batch x channel groups). K must be at least 4, H at least 8 and W at least
 * 16 (the last group and tiles shift inwards).
 */
export function conv2dGpuSchedule(p: Pipeline): Schedule {
  const { channels, rows, cols } = GPU_CONV;
  const sch = new Schedule(p);
  const out = sch.stage('out');
  out.split('k', channels, { outer: 'ko', inner: 'ki' });
  out.tile('y', 'x', rows, cols);                        // loops: n, ko, ki, yo, xo, yi, xi
  out.fuse('n', 'ko', { fused: 'nko' });
  out.reorder('nko', 'yo', 'xo', 'yi', 'xi', 'ki');
  out.gpuBlocks('xo', 'yo', 'nko');
  out.gpuThreads('xi', 'yi');
  out.unroll('ki');
  const conv = sch.stage('conv');
  conv.computeAt('out', 'xi');                           // 4 private accumulators per invocation
  conv.reorder('c', 'ry', 'rx', 'n', 'k', 'y', 'x');
  conv.unroll('k');
  conv.unroll('ry');
  conv.unroll('rx');
  return sch;
}
