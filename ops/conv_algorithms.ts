/**
 * How a convolution layer is computed: a table of algorithms; without records, the first that applies wins.
 * Each gives the layer's stages (by default the direct definition of ops/conv.ts) and their schedule
 * for each target. Where several apply, each is an implementation of the Conv node (ops/conv.ts): the
 * model compiler takes the one whose tuning record is fastest (model/kernel_records.ts), the first
 * without records. An approximate algorithm (Winograd) is never the default: it is taken only from
 * records that checked it against the default's outputs. F(4x4,3x3) and NCHWc layouts are not built.
 *
 *  - depthwise-channels: a depthwise layer under 32 wide, the channels along the lanes ('channels');
 *  - depthwise: one input channel per group, 2 spatial axes; strips of pixels per channel plane,
 *    the zero-padded plane computed per channel so no load tests the edges (bench/workloads.ts);
 *  - rows: stride 1 on maps whose width is not a multiple of 8: the direct tiles over the padded
 *    rows laid end to end, so no row ends in a scalar tail;
 *  - im2col: a layer of at most 32 taps (C x KH x KW; the first layer of an image network, 27), 8
 *    pixels wide or more: the window's taps as the rows of a panel per strip of 8 pixels, then the
 *    GEMM tiles of 'pointwise' (ops/conv_im2col.ts);
 *  - direct: any 2-D layer; register tiles of 4 output channels x 8 pixels accumulated over the
 *    input channels and the window, the zero-padded input computed once (examples/conv2d_pipeline.ts).
 *    A 1x1 layer (pointwise, a GEMM of weights by pixels) takes the same tile without padding;
 *  - winograd, winograd-4x4: F(2x2,3x3) and F(4x4,3x3) on 3x3 stride-1 layers (ops/conv_winograd.ts), approximate;
 *  - generic: any rank; the output vectorized along its innermost axis, the sum per vector.
 */
import { compute, reduceAxis, sum, type Func, type Stage } from '../dsl/func.js';
import { lift, select } from '../dsl/term.js';
import type { Schedule } from '../schedule/schedule.js';
import type { ScheduleRequest } from './op.js';
import type { ConvLayer } from './conv.js';
import { parallelOuter, pointGpu, scheduleReduction, vectorLanes, PARALLEL_MIN_ELEMENTS } from './schedule_rules.js';
import { type ConvAlgorithm, parallelWorthIt, panelGemmOnGpu, placeOutput, registerTiles, TILE_CHANNELS } from './conv_common.js';
import { winograd, winograd4x4 } from './conv_winograd.js';
import { im2col } from './conv_im2col.js';

export type { ConvAlgorithm } from './conv_common.js';

/**
 * The layer's [N, M, H, W] output (plus the bias) read from an accumulator whose pixels are laid out
 * as rows of `rowStride` (the pointwise GEMM's H x W, or the padded rows of 'rows').
 */
function outputOfRows(layer: ConvLayer, acc: Func, H: number, W: number, rowStride: number, B: Func | undefined): Stage {
  return compute(layer.names.out, [layer.N, layer.M, H, W], (n, m, y, x) => {
    const v = acc.at(n, m, y.mul(rowStride).add(x));
    return B ? v.add(B.at(m)) : v;
  }, { axes: ['n', 'k', 'y', 'x'] });
}
/** The reduction loops of a layer's acc stage, outermost first. */
const reductionLoops = (sch: Schedule, acc: string) => sch.stage(acc).loops.filter((l) => l.startsWith('r'));

/** The zero-padded input computed at `at` (root, or a loop of the output), vectorized along its rows. */
function computePadded(sch: Schedule, layer: ConvLayer, at: { stage: Stage; loop: string } | 'root', threads: number): void {
  if (!layer.names.padded) return;
  const p = sch.stage(layer.names.padded);
  if (at === 'root') p.computeRoot();
  else p.computeAt(at.stage, at.loop);
  const rows = layer.geometry.input.at(-1)! + layer.geometry.padsBegin.at(-1)! + layer.geometry.padsEnd.at(-1)!;
  const last = `d${layer.geometry.input.length + 1}`;
  const lanes = vectorLanes('f32', rows);
  if (lanes) p.vectorize(last, lanes, { outer: `${last}o`, inner: `${last}i`, tail: 'guard' });
  if (at === 'root' && threads > 1 && layer.C >= 2) p.parallel('d1');
  // With stride s along the rows, the rows are stored de-interleaved (column x at x mod s, x / s), so
  // the taps of s-strided output vectors, at s*x + r, are dense vector loads instead of gathers.
  const s = layer.geometry.strides.at(-1)!;
  if (s > 1 && layer.geometry.input.length === 2) {
    p.transformLayout({ split: { dim: 'd3', factor: s, outer: 'd3q', inner: 'd3r' }, order: ['d0', 'd1', 'd3r', 'd2', 'd3q'] });
  }
}

/**
 * Any layer: on wasm-simd the output vectorized along its innermost axis and the sum computed per
 * vector, reduction outermost; on webgpu one invocation per output element with its sum in private
 * memory (ops/schedule_rules.ts scheduleReduction).
 */
const generic: ConvAlgorithm = {
  name: 'generic',
  applies: () => true,
  schedule: (sch, layer, request) => scheduleReduction(sch, request, layer.names.acc),
};

const direct: ConvAlgorithm = {
  name: 'direct',
  applies: (l) => l.geometry.input.length === 2,
  schedule(sch, layer, request) {
    if (request.target === 'webgpu') return generic.schedule(sch, layer, request);
    const final = placeOutput(sch, request);
    const [, k, y, x] = final.axes.map((v) => v.name) as [string, string, string, string];
    const [OH, OW] = layer.geometry.output as [number, number];
    const channels = Math.min(TILE_CHANNELS, layer.M);
    const lanes = vectorLanes('f32', OW);
    const h = sch.stage(final);
    h.split(k, channels, { outer: 'ko', inner: 'ki', tail: 'guard' });
    let tile: string;
    if (lanes) {
      h.split(x, lanes, { outer: 'xo', inner: 'xi', tail: 'guard' });
      h.reorder('ko', y, 'xo', 'ki', 'xi');
      h.vectorize('xi');
      tile = 'xo';
    } else {
      h.reorder('ko', y, x, 'ki');
      tile = x;
    }
    h.unroll('ki');
    if (parallelWorthIt(layer)) {
      parallelOuter(h, [{ name: 'ko', extent: Math.ceil(layer.M / channels) }, { name: y, extent: OH }], request.threads);
    }
    const a = sch.stage(layer.names.acc);
    a.computeAt(final, tile);
    const r = reductionLoops(sch, layer.names.acc);
    a.reorder(...r, 'n', 'k', 'y', 'x');
    a.unroll('k');
    if (lanes) a.vectorize('x');
    if (r.includes('ry')) a.unroll('ry');
    if (layer.names.padded) computePadded(sch, layer, 'root', request.threads);
    else if (layer.geometry.strides[1]! > 1) deinterleavedCopy(sch, layer, request.threads);
  },
};

/**
 * A strided layer that reads its input directly: the sums read a copy of it whose rows are stored
 * de-interleaved (column x at x mod s, x / s), as computePadded does for padded layers, so the taps of
 * an s-strided vector are dense loads. The input is the first tensor the sum reads (X before W).
 */
function deinterleavedCopy(sch: Schedule, layer: ConvLayer, threads: number): void {
  const X = sch.state(layer.names.acc).stage.producers()[0]!;
  const s = layer.geometry.strides[1]!;
  const copy = sch.stage(sch.cacheRead(X.name, [layer.names.acc], { name: `${layer.names.out}_rows` }));
  copy.computeRoot();
  copy.transformLayout({ split: { dim: 'ax3', factor: s, outer: 'ax3q', inner: 'ax3r' }, order: ['ax0', 'ax1', 'ax3r', 'ax2', 'ax3q'] });
  const lanes = vectorLanes('f32', layer.geometry.input[1]!);
  if (lanes) copy.vectorize('ax3', lanes, { outer: 'ax3o', inner: 'ax3i', tail: 'guard' });
  if (threads > 1 && layer.C >= 2) copy.parallel('ax1');
}

const depthwise: ConvAlgorithm = {
  name: 'depthwise',
  applies: (l) => l.geometry.input.length === 2 && l.C === l.group && vectorLanes('f32', l.geometry.output[1]!) > 0,
  schedule(sch, layer, request) {
    if (request.target === 'webgpu') return generic.schedule(sch, layer, request);
    const final = placeOutput(sch, request);
    const [, k, y, x] = final.axes.map((v) => v.name) as [string, string, string, string];
    const [OH, OW] = layer.geometry.output as [number, number];
    const lanes = vectorLanes('f32', OW);
    const rows = Math.min(2, OH);
    const h = sch.stage(final);
    // As pointwise's strips: a tail of 2 pixels or more shifted inwards, in vectors (MobileNetV2's
    // 28-wide stride-2 layer, 28 = 3 x 8 + 4, 0.40 -> 0.23 ms).
    h.vectorize(x, lanes, { outer: 'xo', inner: 'xi', tail: OW % lanes >= 2 ? 'shift_inwards' : 'guard' });
    h.split(y, rows, { outer: 'yo', inner: 'yi', tail: 'guard' });
    h.reorder('yo', 'xo', 'yi');
    h.unroll('yi');
    if (request.threads > 1 && parallelWorthIt(layer) && layer.M >= 2) h.parallel(k);
    const a = sch.stage(layer.names.acc);
    a.computeAt(final, 'xo');
    const r = reductionLoops(sch, layer.names.acc);
    a.reorder(...r, 'y', 'x');
    a.vectorize('x');
    a.unroll('y');
    if (r.includes('ry')) a.unroll('ry');
    // One channel plane of the padded input per output channel (its input channel), kept in cache.
    computePadded(sch, layer, { stage: final, loop: k }, 1);
  },
};

/** The stage of a pointwise layer's input with the pixels of each plane laid end to end. */
const pixelsName = (layer: ConvLayer) => `${layer.names.out}_pixels`;

/**
 * A 1x1 layer (stride 1, no pads, one group) as a GEMM of the weights [M, C] by the pixels [C, H*W]:
 *   pixels(n, c, p) = X(n, c, p / W, p mod W)
 *   acc(n, m, p) = sum over c of pixels(n, c, p) * W(m, c, 0, 0),  out(n, m, y, x) = acc(n, m, y*W + x) + B(m)
 * The pixels of a plane are one axis, so the 13x13 or 7x7 maps of late layers still fill vectors.
 * On wasm-simd: strips of 8 pixels outermost; per strip, its C x 8 panel of `pixels` is copied dense
 * (the GEMM's packed B panel, 16 KB at C = 512, kept in L1), then register tiles of 4 output channels
 * x 8 pixels sweep the output channels with the sum over c outermost. Read from X directly, every c
 * loaded two vectors from another cache line (rows 4*H*W bytes apart): SqueezeNet's 512->1000 layer
 * at 13x13 ran at 26 GFLOP/s, 35 with the panel (scratch measurements, 1 thread, no FMA).
 */
const pointwise: ConvAlgorithm = {
  name: 'pointwise',
  applies: (l) => {
    const g = l.geometry;
    return g.input.length === 2 && l.group === 1 && g.kernel.every((k) => k === 1) && g.strides.every((s) => s === 1)
      && [...g.padsBegin, ...g.padsEnd].every((p) => p === 0) && vectorLanes('f32', g.output[0]! * g.output[1]!) > 0;
  },
  define(layer, X, W, B) {
    const [H, Wd] = layer.geometry.output as [number, number];
    const c = reduceAxis(layer.C, 'rc');
    const pixels = compute(pixelsName(layer), [layer.N, layer.C, H * Wd], (n, ch, p) => X.at(n, ch, p.div(Wd), p.mod(Wd)), { axes: ['n', 'c', 'p'] });
    const acc = compute(layer.names.acc, [layer.N, layer.M, H * Wd], (n, m, p) => sum(pixels.at(n, c, p).mul(W.at(m, c, 0, 0)), c), { axes: ['n', 'k', 'p'] });
    return [outputOfRows(layer, acc, H, Wd, Wd, B)];
  },
  schedule(sch, layer, request) {
    const final = placeOutput(sch, request);
    const a = sch.stage(layer.names.acc);
    const pixels = sch.stage(pixelsName(layer));
    if (request.target === 'webgpu') return panelGemmOnGpu(sch, final, a, pixels);
    const [, k, y, x] = final.axes.map((v) => v.name) as [string, string, string, string];
    const [OH, OW] = layer.geometry.output as [number, number];
    const channels = Math.min(TILE_CHANNELS, layer.M);
    const lanes = vectorLanes('f32', OH * OW);
    const h = sch.stage(final);
    const p = h.fuse(y, x, { fused: 'p' });
    h.split(k, channels, { outer: 'ko', inner: 'ki', tail: 'guard' });
    // A tail of 2 pixels or more runs its sums lane by lane, from memory (MobileNetV2's 14x14
    // layers, 196 = 24 x 8 + 4, 16-20% of their time); the last strip shifted inwards recomputes up
    // to 6 pixels as vectors instead. A 1-pixel tail is cheaper than a strip (7x7: 4% slower shifted).
    const tail = (OH * OW) % lanes >= 2 ? 'shift_inwards' : 'guard';
    h.split(p, lanes, { outer: 'po', inner: 'pi', tail });
    h.reorder('po', 'ko', 'ki', 'pi');
    h.unroll('ki');
    h.vectorize('pi');
    if (parallelWorthIt(layer)) {
      parallelOuter(h, [{ name: 'po', extent: Math.ceil(OH * OW / lanes) }, { name: 'ko', extent: Math.ceil(layer.M / channels) }], request.threads);
    }
    a.computeAt(final, 'ko');
    a.reorder('rc', 'n', 'k', 'p');
    a.unroll('k');
    a.vectorize('p');
    pixels.computeAt(final, 'po');
    pixels.vectorize('p', lanes, { outer: 'po', inner: 'pv', tail: 'guard' });
  },
};

/**
 * Stride 1 on maps whose width is not a multiple of the vector: the output computed over the padded
 * plane's rows laid end to end, so vectors run across row ends and only the plane's end has a tail
 * (the direct tiles' last strip of every row, 7 of 55 columns, fell back to scalar sums):
 *   padded(n, c, i) = X(n, c, i / Wp - pad_top, i mod Wp - pad_left), 0 outside   (Wp the padded width)
 *   acc(n, m, q) = sum over c, ry, rx of padded(n, g * C/group + c, q + ry * dy * Wp + rx * dx) * W(m, c, ry, rx)
 *   out(n, m, y, x) = acc(n, m, y * Wp + x) + B(m)
 * The Wp - W_out columns of each row computed in excess are never read. acc is tiled into registers
 * (4 channels x 8 positions, the sum outermost) per group of 4 output channels.
 */
const rows: ConvAlgorithm = {
  name: 'rows',
  applies: (l) => {
    const g = l.geometry;
    // A 1x1 layer without pads is pointwise's: the same pixels laid end to end, as one GEMM.
    return g.input.length === 2 && g.strides.every((s) => s === 1) && g.output[1]! % 8 !== 0 && l.C / l.group > 1 && !pointwise.applies(l);
  },
  define(layer, X, W, B) {
    const g = layer.geometry;
    const [H, Wi] = g.input as [number, number], [OH, OW] = g.output as [number, number];
    const [dy, dx] = g.dilations as [number, number], [ky, kx] = g.kernel as [number, number];
    const Wp = Wi + g.padsBegin[1]! + g.padsEnd[1]!;
    const length = OH * Wp + (ky - 1) * dy * Wp + (kx - 1) * dx;
    const padded = compute(layer.names.padded ?? `${layer.names.out}_pad`, [layer.N, layer.C, length], (n, c, i) => {
      const y = i.div(Wp).sub(g.padsBegin[0]!), x = i.mod(Wp).sub(g.padsBegin[1]!);
      const inside = y.ge(0).and(y.lt(H)).and(x.ge(0)).and(x.lt(Wi));
      return select(inside, X.at(n, c, y.clamp(0, H - 1), x.clamp(0, Wi - 1)), lift(0, X.dtype));
    }, { axes: ['n', 'c', 'i'] });
    const perGroupIn = layer.C / layer.group, perGroupOut = layer.M / layer.group;
    const rc = reduceAxis(perGroupIn, 'rc'), ry = reduceAxis(ky, 'ry'), rx = reduceAxis(kx, 'rx');
    const acc = compute(layer.names.acc, [layer.N, layer.M, OH * Wp], (n, m, q) => {
      const channel = layer.group === 1 ? rc : m.div(perGroupOut).mul(perGroupIn).add(rc);
      return sum(padded.at(n, channel, q.add(ry.mul(dy * Wp)).add(rx.mul(dx))).mul(W.at(m, rc, ry, rx)), [rc, ry, rx]);
    }, { axes: ['n', 'k', 'q'] });
    return [outputOfRows(layer, acc, OH, OW, Wp, B)];
  },
  schedule(sch, layer, request) {
    const final = placeOutput(sch, request);
    const a = sch.stage(layer.names.acc);
    const pad = sch.stage(layer.names.padded ?? `${layer.names.out}_pad`);
    if (request.target === 'webgpu') {
      pointGpu(sch, sch.state(pad.name).stage);
      const thread = pointGpu(sch, final);
      if (thread) a.computeAt(final, thread);
      return;
    }
    const [, k, , x] = final.axes.map((v) => v.name) as [string, string, string, string];
    const [OH, OW] = layer.geometry.output as [number, number];
    const channels = Math.min(TILE_CHANNELS, layer.M);
    const h = sch.stage(final);
    h.split(k, channels, { outer: 'ko', inner: 'ki', tail: 'guard' });
    const lanesOut = vectorLanes('f32', OW);
    if (lanesOut) h.vectorize(x, lanesOut, { outer: 'xo', inner: 'xi', tail: 'guard' });
    if (parallelWorthIt(layer)) parallelOuter(h, [{ name: 'ko', extent: Math.ceil(layer.M / channels) }], request.threads);
    // acc: the plane of one channel group, computed per group into a tiled copy of its sums.
    const local = registerTiles(sch, layer.names.acc, { final, loop: 'ko' }, { local: `${layer.names.acc}_local`, channels, outer: ['n'], tileOuter: [], reductions: ['rc', 'ry', 'rx'], qTail: 'guard' });
    local.unroll('ry');
    pad.computeRoot();
    pad.vectorize('i', 8, { outer: 'io', inner: 'ii', tail: 'guard' });
    if (request.threads > 1 && layer.C >= 2) pad.parallel('c');
  },
};

/** Output channels (in f32x4 vectors) and pixels of a row per register tile of 'channels'. */
const LANE_CHANNELS = 4, CHANNEL_VECTORS = 2, TILE_PIXELS = 4;

/** The last tile of a row, shifted inwards, recomputes pixels: at most 15% more (27 wide: 28, 7: 8). */
const rowTilesFit = (l: ConvLayer) => {
  const width = l.geometry.output[1]!;
  return l.geometry.input.length === 2 && width >= TILE_PIXELS && Math.ceil(width / TILE_PIXELS) * TILE_PIXELS <= 1.15 * width;
};

/**
 * Output channels along the SIMD lanes (XNNPACK's layout for its f32 convolutions): a register tile
 * of 2 vectors of 4 output channels x 4 pixels of a row (8 accumulators), each weight vector loaded
 * once per 4 pixels and each input value broadcast to 2 vectors. The sums read an NHWC copy of the
 * (zero-padded) input and a copy of the weights stored [M/4][KH][KW][C][4], both made once per run,
 * and reduce over the window and then the input channels, so consecutive steps read adjacent values
 * of both. The tile's pixel loop shifts its last tile inwards, so any width of at least 4 needs no
 * tail; the width, stride, pads and dilations are the direct definition's (ops/conv.ts). In
 * SqueezeNet 1.1 (one thread, interleaved profile) it took its 3x3 layers from 1.09x to 1.75x faster
 * than 'rows', but 1x1 layers 0.4x-0.9x of 'pointwise' and 13-wide maps (16 pixels for 13) 0.87x;
 * ResNet-18's strided layers 3.2x-6.5x faster than 'direct' and its 7-wide ones 1.7x than 'rows'.
 */
const channels: ConvAlgorithm = {
  name: 'channels',
  applies: (l) => l.group === 1 && l.C > 1 && l.M % LANE_CHANNELS === 0 && rowTilesFit(l),
  schedule: (sch, layer, request) => scheduleChannelLanes(sch, layer, request, CHANNEL_VECTORS),
};

/**
 * A depthwise layer (one input channel per output channel) on a map under 16 pixels wide (under 32
 * at stride 1), with the channels along the lanes, as 'channels' computes a dense one: each window
 * tap a vector load of 4 channels of the NHWC copy times a vector of 4 weights, so a 14- or 7-wide
 * map fills its vectors,
 * where 'depthwise' (pixels along the lanes) runs a tail and a short strip per row. One vector of
 * channels per tile: with the taps loaded, not broadcast, two would need 8 accumulators and 8 input
 * vectors live. One thread, MobileNetV2's layers against 'depthwise': 576 channels at 14x14 2.3x
 * and 960 at 7x7 2.4x faster, 192 at 28x28 1.05x-1.24x; at 56 and 112 wide 0.85x and 0.4x, and 144
 * at 28x28 with stride 2 0.63x (0.62 against 0.39 ms: 'depthwise' stores its padded rows
 * de-interleaved with vector stores, this one transposes them to NHWC element by element), so not there.
 * Its definition is the direct one, as 'depthwise''s: one workload, whose tuning explores both.
 */
const depthwiseChannels: ConvAlgorithm = {
  name: 'depthwise-channels',
  applies: (l) => l.group === l.C && l.M === l.C && l.C % LANE_CHANNELS === 0 && rowTilesFit(l)
    && (l.geometry.output[1]! < 16 || (l.geometry.output[1]! < 32 && l.geometry.strides.every((s) => s === 1))),
  schedule: (sch, layer, request) => scheduleChannelLanes(sch, layer, request, 1),
};

/** 'channels' and 'depthwise-channels': tiles of `vectors` x 4 output channels x 4 pixels (see 'channels'). */
function scheduleChannelLanes(sch: Schedule, layer: ConvLayer, request: ScheduleRequest, vectors: number): void {
  if (request.target === 'webgpu') return generic.schedule(sch, layer, request);
  const final = placeOutput(sch, request);
  const [, k, y, x] = final.axes.map((v) => v.name) as [string, string, string, string];
  const [OH] = layer.geometry.output as [number, number];
  const perTile = layer.M % (LANE_CHANNELS * vectors) === 0 ? LANE_CHANNELS * vectors : LANE_CHANNELS;
  const h = sch.stage(final);
  h.split(k, perTile, { outer: 'ko', inner: 'ki' });
  h.split(x, TILE_PIXELS, { outer: 'xo', inner: 'xi', tail: 'shift_inwards' });
  h.split('ki', LANE_CHANNELS, { outer: 'kv', inner: 'kl' });
  h.reorder('ko', y, 'xo', 'xi', 'kv', 'kl');
  h.unroll('xi');
  h.unroll('kv');
  h.vectorize('kl');
  if (parallelWorthIt(layer)) {
    // Threads on rows when the input copy outweighs the weights: on output channel tiles, every
    // thread would read all of it (64 -> 64 at 56x56: an 860 KB copy against 147 KB of weights;
    // 16 -> 64 at 55x55 ran 0.97x on 2 threads on channel tiles, 1.21x on rows).
    const g = layer.geometry;
    const inputElements = (g.input[0]! + g.padsBegin[0]! + g.padsEnd[0]!) * (g.input[1]! + g.padsBegin[1]! + g.padsEnd[1]!) * layer.C;
    const rows = { name: y, extent: OH }, tiles = { name: 'ko', extent: layer.M / perTile };
    // (A depthwise tile reads only its own channels of the copy.)
    const onRows = layer.group === 1 && inputElements > layer.M * layer.C * g.kernel[0]! * g.kernel[1]!;
    parallelOuter(h, onRows ? [rows, tiles] : [tiles, rows], request.threads);
  }
  const acc = layer.names.acc;
  // The sum reads the (padded) input first and the weights second (ops/conv.ts defineConv).
  const [source, weights] = sch.state(acc).stage.producers().map((f) => f.name) as [string, string];
  const wp = sch.stage(sch.cacheRead(weights, [acc], { name: `${layer.names.out}_wpack` }));
  const [o, i, kh, kw] = sch.state(wp.name).stage.axes.map((v) => v.name) as [string, string, string, string];
  wp.transformLayout({ split: { dim: o, factor: LANE_CHANNELS, outer: `${o}o`, inner: `${o}i` }, order: [`${o}o`, kh, kw, i, `${o}i`] });
  // In parallel only when large (a copy of 1728 weights is shorter than a fork), by groups of 4
  // output channels: each group's lanes are adjacent in the copy, one thread's to write.
  if (request.threads > 1 && layer.M * (layer.C / layer.group) * layer.geometry.kernel[0]! * layer.geometry.kernel[1]! >= PARALLEL_MIN_ELEMENTS) {
    wp.split(o, LANE_CHANNELS, { outer: `${o}g`, inner: `${o}l` });
    wp.parallel(`${o}g`);
  }
  const panel = sch.stage(sch.cacheRead(source, [acc], { name: `${layer.names.out}_nhwc` }));
  const [d0, d1, d2, d3] = sch.state(panel.name).stage.axes.map((v) => v.name) as [string, string, string, string];
  panel.transformLayout({ order: [d0, d2, d3, d1] });
  // Row by row, in the copy's storage order: threads on channels would write neighbouring
  // channels of one pixel, the same cache lines (128 -> 128 at 28x28 ran 1.12x faster on 2 threads).
  panel.reorder(d0, d2, d3, d1);
  if (request.threads > 1) panel.parallel(d2);
  const a = sch.stage(acc);
  a.computeAt(final, 'xo');
  a.reorderStorage('y', 'x', 'k');
  a.split('k', LANE_CHANNELS, { outer: 'kv', inner: 'kl' });
  const r = reductionLoops(sch, acc);
  a.reorder(...r.filter((l) => l !== 'rc'), ...(r.includes('rc') ? ['rc'] : []), 'n', 'y', 'x', 'kv', 'kl');
  a.unroll('kv');
  a.unroll('x');
  a.unroll('y');
  a.unroll('n');
  a.vectorize('kl');
}

/** The algorithms in order of preference. */
export const CONV_ALGORITHMS: readonly ConvAlgorithm[] = [pointwise, im2col, channels, depthwiseChannels, depthwise, rows, winograd, winograd4x4, direct, generic];

/**
 * The algorithms that compute `layer`, in order of preference. The fallbacks, 'direct' (any 2-D
 * layer) and 'generic' (any layer), only when nothing more specific applies: each specific one was
 * written for the layers it applies to, and every alternative is a workload more to tune. The
 * approximate ones (Winograd) come last, after an exact one: never the default.
 */
export function convAlgorithms(layer: ConvLayer): ConvAlgorithm[] {
  const applicable = CONV_ALGORITHMS.filter((a) => a.applies(layer));
  const exact = applicable.filter((a) => !a.approximate);
  const specific = exact.filter((a) => a !== generic && a !== direct);
  return [...(specific.length ? specific : [exact[0]!]), ...applicable.filter((a) => a.approximate)];
}

/**
 * The algorithm named `name` (it must apply to `layer`), or the first of convAlgorithms.
 * @throws RangeError naming the algorithms that apply when `name` is not one of them
 */
export function chooseConvAlgorithm(layer: ConvLayer, name?: string): ConvAlgorithm {
  const applicable = convAlgorithms(layer);
  if (name === undefined) return applicable[0]!;
  const a = applicable.find((x) => x.name === name);
  if (!a) throw new RangeError(`conv algorithm '${name}' does not compute this layer; these do: ${applicable.map((x) => x.name).join(', ')}`);
  return a;
}
