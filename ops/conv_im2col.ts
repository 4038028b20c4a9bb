/**
 * im2col (Chellapilla et al., "High Performance Convolutional Neural Networks for Document
 * Processing", 2006; Caffe's convolution) for 2-D ungrouped layers with a short window sum, C x KH x
 * KW taps (the first layer of an image network: 3 x 3 x 3 = 27): the window's taps laid out as the
 * rows of a panel, so the layer is a GEMM of the weights [M, K] by the panel [K, pixels], K = C KH KW:
 *   cols(n, k, y, x) = X(n, c, y*sy + ry*dy - pt, x*sx + rx*dx - pl), 0 outside,  k = (c*KH + ry)*KW + rx
 *   acc(n, m, y, x)  = sum over k of cols(n, k, y, x) * W(m, c, ry, rx),       out = acc + B(m)
 * On wasm-simd: per strip of 8 pixels of a row (the last shifted inwards), its K x 8 panel computed
 * dense (a stride-2 layer's taps are stride-2 loads), then register tiles of 4 output channels x 8
 * pixels sweep the output channels with the sum over k outermost, as 'pointwise' does. One thread,
 * against 'channels' (which reads an NHWC copy, 2 x 4 output channels x 4 pixels per tile, the 27 taps
 * in three nested loops): SqueezeNet 1.1's first layer (3 -> 64, stride 2) 1.78 -> 1.40 ms,
 * MobileNetV2's (3 -> 32, stride 2, pad 1) 0.98 -> 0.72 ms, UltraFace's (3 -> 16) 0.86 -> 0.70 ms.
 */
import { compute, reduceAxis, sum, type Func, type Stage } from '../dsl/func.js';
import { lift, select } from '../dsl/term.js';
import type { ConvLayer } from './conv.js';
import { type ConvAlgorithm, parallelWorthIt, panelGemmOnGpu, placeOutput, TILE_CHANNELS } from './conv_common.js';
import { parallelOuter } from './schedule_rules.js';

/** Most taps (C x KH x KW) a layer may have for im2col: its panel of one strip stays in registers' reach. */
const MAX_TAPS = 32;
/** Pixels of a row per strip (an f32 vector of 8 lanes). */
const LANES = 8;

const colsName = (layer: ConvLayer) => `${layer.names.out}_cols`;

export const im2col: ConvAlgorithm = {
  name: 'im2col',
  applies: (l) => {
    const g = l.geometry;
    return g.input.length === 2 && l.group === 1 && !g.kernel.every((k) => k === 1) && l.C * g.kernel[0]! * g.kernel[1]! <= MAX_TAPS && g.output[1]! >= LANES;
  },
  define(layer: ConvLayer, X: Func, W: Func, B: Func | undefined): Stage[] {
    const g = layer.geometry;
    const [H, Wi] = g.input as [number, number];
    const [KH, KW] = g.kernel as [number, number];
    const [sy, sx] = g.strides as [number, number], [dy, dx] = g.dilations as [number, number];
    const [pt, pl] = g.padsBegin as [number, number];
    const [OH, OW] = g.output as [number, number];
    const K = layer.C * KH * KW;
    const cols = compute(colsName(layer), [layer.N, K, OH, OW], (n, k, y, x) => {
      const c = k.div(KH * KW), ry = k.div(KW).mod(KH), rx = k.mod(KW);
      const iy = y.mul(sy).add(ry.mul(dy)).sub(pt), ix = x.mul(sx).add(rx.mul(dx)).sub(pl);
      const inside = iy.ge(0).and(iy.lt(H)).and(ix.ge(0)).and(ix.lt(Wi));
      return select(inside, X.at(n, c, iy.clamp(0, H - 1), ix.clamp(0, Wi - 1)), lift(0, X.dtype));
    }, { axes: ['n', 'k', 'y', 'x'] });
    const rk = reduceAxis(K, 'rk');
    const acc = compute(layer.names.acc, [layer.N, layer.M, OH, OW], (n, m, y, x) =>
      sum(cols.at(n, rk, y, x).mul(W.at(m, rk.div(KH * KW), rk.div(KW).mod(KH), rk.mod(KW))), rk), { axes: ['n', 'k', 'y', 'x'] });
    const out = compute(layer.names.out, [layer.N, layer.M, OH, OW], (n, m, y, x) => {
      const v = acc.at(n, m, y, x);
      return B ? v.add(B.at(m)) : v;
    }, { axes: ['n', 'k', 'y', 'x'] });
    return [out];
  },
  schedule(sch, layer, request) {
    const final = placeOutput(sch, request);
    const a = sch.stage(layer.names.acc);
    const cols = sch.stage(colsName(layer));
    if (request.target === 'webgpu') return panelGemmOnGpu(sch, final, a, cols);
    const [, k, y, x] = final.axes.map((v) => v.name) as [string, string, string, string];
    const [OH] = layer.geometry.output as [number, number];
    const channels = Math.min(TILE_CHANNELS, layer.M);
    const h = sch.stage(final);
    h.split(k, channels, { outer: 'ko', inner: 'ki', tail: 'guard' });
    h.split(x, LANES, { outer: 'xo', inner: 'xi', tail: 'shift_inwards' });
    h.reorder(y, 'xo', 'ko', 'ki', 'xi');
    h.unroll('ki');
    h.vectorize('xi');
    if (parallelWorthIt(layer)) parallelOuter(h, [{ name: y, extent: OH }], request.threads);
    a.computeAt(final, 'ko');
    a.reorder('rk', 'n', 'k', 'y', 'x');
    a.unroll('k');
    a.vectorize('x');
    cols.computeAt(final, 'xo');
    cols.unroll('k');
    cols.vectorize('x');
  },
};
