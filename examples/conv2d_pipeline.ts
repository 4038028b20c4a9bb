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

/**
 * A register-accumulator schedule, as Halide writes it: `out` walks x in strips of CONV_LANES (the
 * last strip guarded when the width is not a multiple); for each strip, `conv` is computed at that
 * strip into an accumulator of CONV_LANES values (which lowering keeps in SIMD registers when every
 * access to it is a whole vector), reducing over c with the 3x3 window unrolled.
 */
export function conv2dSchedule(p: Pipeline): Schedule {
  const sch = new Schedule(p);
  const out = sch.stage('out');
  out.vectorize('x', CONV_LANES, { tail: 'guard' });   // loops: n, k, y, xo, xi (SIMD)
  const conv = sch.stage('conv');
  conv.computeAt('out', 'xo');                         // conv over one strip: x has CONV_LANES points
  conv.reorder('c', 'ry', 'rx', 'x');                  // loops: n, k, y, c, ry, rx, x
  conv.vectorize('x');
  conv.unroll('ry');
  conv.unroll('rx');
  return sch;
}
