/**
 * Winograd F(2x2, 3x3) for 3x3, stride-1, undilated, ungrouped 2-D convolutions (Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks", CVPR 2016, §4.1): each 2x2 tile of the output
 * is Y = A^T [(G g G^T) ⊙ (B^T d B)] A, with d the tile's 4x4 input window and g the 3x3 filter, so a
 * tile takes 16 multiply-adds per input channel where the direct sum takes 36 (2.25x fewer), and
 * the sums over the input channels are 16 independent GEMMs, one per position of the 4x4 tile:
 *
 *   planes(n, c, py, px, i) = X(n, c, 2 (i / Wq) + py - pad_top, 2 (i mod Wq) + px - pad_left), 0 outside
 *   U(a, b, k, c)     = sum over r, s of G[a][r] W(k, c, r, s) G[b][s]          (the weight transform)
 *   V(n, a, b, c, q)  = sum over i, j of BT[a][i] d_q(i, j) BT[b][j]            (the input transform)
 *   acc(n, a, b, k, q) = sum over c of U(a, b, k, c) V(n, a, b, c, q)          (16 batched GEMMs)
 *   Yt(n, k, u, v, q) = sum over a, b of AT[u][a] acc(n, a, b, k, q) AT[v][b]  (the output transform)
 *   out(n, k, y, x)   = Yt(n, k, y mod 2, x mod 2, (y / 2) Wq + x / 2) + B(k)
 *
 * The input is stored as four planes, one per parity of row and column (py, px), with rows of
 * Wq = tiles per row + 1 columns: the tile q = ty Wq + tx reads d_q(i, j) = planes(n, c, i mod 2,
 * j mod 2, q + (i / 2) Wq + j / 2), so the input transform of consecutive tiles reads consecutive
 * values (dense vectors along q), as 'rows' lays padded rows end to end; the column tx = Wq - 1 of
 * every tile row is computed in excess and never read. The tile count is rounded up to 8 for the
 * same reason. The transforms multiply by 0, ±1 and ±1/2 only, so the outputs differ from the
 * direct sum by rounding alone; the tuner checks every candidate against the direct definition's
 * outputs (ConvAlgorithm.approximate), and a layer takes Winograd only through such records.
 */
import { compute, reduceAxis, sum, type Stage } from '../dsl/func.js';
import { type Term, lift, select } from '../dsl/term.js';
import type { Schedule } from '../schedule/schedule.js';
import type { ConvLayer } from './conv.js';
import type { ScheduleRequest } from './op.js';
import { type ConvAlgorithm, parallelWorthIt, placeOutput, registerTiles } from './conv_common.js';
import { parallelOuter, pointGpu, scheduleRootReduction } from './schedule_rules.js';

/** The tile's 4 rows from 4 values, by the row index `a` (a constant once its loop is unrolled). */
const pick = (a: Term, rows: readonly Term[]): Term => rows.slice(0, -1).reduceRight<Term>((rest, row, i) => select(a.eq(i), row, rest), rows.at(-1)!);

/** B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]] applied to d(0..3). */
const inputRows = (a: Term, d: (i: number) => Term): Term => {
  const [d0, d1, d2, d3] = [0, 1, 2, 3].map(d) as [Term, Term, Term, Term];
  return pick(a, [d0.sub(d2), d1.add(d2), d2.sub(d1), d1.sub(d3)]);
};

/** G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]] applied to g(0..2). */
const weightRows = (a: Term, g: (r: number) => Term): Term => {
  const [g0, g1, g2] = [0, 1, 2].map(g) as [Term, Term, Term];
  const even = g0.add(g2);
  return pick(a, [g0, even.add(g1).mul(0.5), even.sub(g1).mul(0.5), g2]);
};

/** A^T = [[1, 1, 1, 0], [0, 1, -1, -1]] applied to m(0..3). */
const outputRows = (u: Term, m: (a: number) => Term): Term => {
  const [m0, m1, m2, m3] = [0, 1, 2, 3].map(m) as [Term, Term, Term, Term];
  return pick(u, [m0.add(m1).add(m2), m1.sub(m2).sub(m3)]);
};

/** The tile grid of a layer: columns per plane row (tiles per row + 1), tiles computed, plane length. */
function tileGrid(layer: ConvLayer): { Wq: number; Q: number; length: number } {
  const [OH, OW] = layer.geometry.output as [number, number];
  const TH = Math.ceil(OH / 2), Wq = Math.ceil(OW / 2) + 1;
  const Q = Math.ceil((TH * Wq) / 8) * 8;
  return { Wq, Q, length: Q + Wq + 1 };
}

const names = (layer: ConvLayer) => {
  const o = layer.names.out;
  return { planes: `${o}_planes`, U: `${o}_wu`, V: `${o}_wv`, acc: layer.names.acc, Yt: `${o}_wy`, local: `${layer.names.acc}_local` };
};

export const winograd: ConvAlgorithm = {
  name: 'winograd',
  approximate: true,
  applies: (l) => {
    const g = l.geometry;
    return g.input.length === 2 && l.group === 1 && l.C > 1 && g.kernel.every((k) => k === 3)
      && g.strides.every((s) => s === 1) && g.dilations.every((d) => d === 1);
  },
  define(layer, X, W, B) {
    const g = layer.geometry;
    const [H, Wi] = g.input as [number, number];
    const [pt, pl] = g.padsBegin as [number, number];
    const { Wq, Q, length } = tileGrid(layer);
    const s = names(layer);
    const planes = compute(s.planes, [layer.N, layer.C, 2, 2, length], (n, c, py, px, i) => {
      const y = i.div(Wq).mul(2).add(py).sub(pt), x = i.mod(Wq).mul(2).add(px).sub(pl);
      const inside = y.ge(0).and(y.lt(H)).and(x.ge(0)).and(x.lt(Wi));
      return select(inside, X.at(n, c, y.clamp(0, H - 1), x.clamp(0, Wi - 1)), lift(0, X.dtype));
    }, { axes: ['n', 'c', 'py', 'px', 'i'] });
    const U = compute(s.U, [4, 4, layer.M, layer.C], (a, b, k, c) => weightRows(a, (r) => weightRows(b, (t) => W.at(k, c, r, t))), { axes: ['a', 'b', 'k', 'c'] });
    const V = compute(s.V, [layer.N, 4, 4, layer.C, Q], (n, a, b, c, q) =>
      inputRows(a, (i) => inputRows(b, (j) => planes.at(n, c, i % 2, j % 2, q.add((i >> 1) * Wq + (j >> 1))))), { axes: ['n', 'a', 'b', 'c', 'q'] });
    const rc = reduceAxis(layer.C, 'rc');
    const acc = compute(s.acc, [layer.N, 4, 4, layer.M, Q], (n, a, b, k, q) => sum(U.at(a, b, k, rc).mul(V.at(n, a, b, rc, q)), rc), { axes: ['n', 'a', 'b', 'k', 'q'] });
    const Yt = compute(s.Yt, [layer.N, layer.M, 2, 2, Q], (n, k, u, v, q) => outputRows(u, (a) => outputRows(v, (b) => acc.at(n, a, b, k, q))), { axes: ['n', 'k', 'u', 'v', 'q'] });
    const out = compute(layer.names.out, [layer.N, layer.M, ...g.output], (n, k, y, x) => {
      const v = Yt.at(n, k, y.mod(2), x.mod(2), y.div(2).mul(Wq).add(x.div(2)));
      return B ? v.add(B.at(k)) : v;
    }, { axes: ['n', 'k', 'y', 'x'] });
    return [out];
  },
  schedule(sch, layer, request) {
    const s = names(layer);
    if (request.target === 'webgpu') return scheduleGpu(sch, layer, request);
    const final = placeOutput(sch, request);
    const [, k, , x] = final.axes.map((v) => v.name) as [string, string, string, string];
    const [, OW] = layer.geometry.output as [number, number];
    const channels = Math.min(TILE_CHANNELS, layer.M);
    const parallel = request.threads > 1 && parallelWorthIt(layer);
    // Per group of 4 output channels: their 16 GEMMs over every tile, the output transform, the copy out.
    const h = sch.stage(final);
    h.split(k, channels, { outer: 'ko', inner: 'ki', tail: 'guard' });
    if (OW >= 4) h.vectorize(x, 4, { outer: 'xo', inner: 'xi', tail: 'guard' });
    if (parallel) parallelOuter(h, [{ name: 'ko', extent: Math.ceil(layer.M / channels) }], request.threads);
    const yt = sch.stage(s.Yt);
    yt.computeAt(final, 'ko');
    yt.unroll('u');
    yt.unroll('v');
    yt.vectorize('q', 4, { outer: 'qo', inner: 'qi' });
    yt.reorder('n', 'k', 'qo', 'u', 'v', 'qi');
    // The GEMMs: register tiles of 4 output channels x 8 tiles, the sum over the input channels innermost-outer.
    registerTiles(sch, s.acc, { final, loop: 'ko' }, { local: s.local, channels, outer: ['n', 'a', 'b'], reductions: ['rc'] });
    // The transforms at root, 4 tiles (or weights) per vector, the tile positions unrolled.
    const v = sch.stage(s.V);
    v.computeRoot();
    v.vectorize('q', 4, { outer: 'qo', inner: 'qi' });
    v.reorder('n', 'c', 'qo', 'a', 'b', 'qi');
    v.unroll('a');
    v.unroll('b');
    if (request.threads > 1 && layer.C >= 2) v.parallel('c');
    const u = sch.stage(s.U);
    u.computeRoot();
    if (layer.C >= 4) u.vectorize('c', 4, { outer: 'co', inner: 'ci' });
    u.reorder('k', ...(layer.C >= 4 ? ['co', 'a', 'b', 'ci'] : ['c', 'a', 'b']));
    u.unroll('a');
    u.unroll('b');
    if (request.threads > 1 && layer.M >= 2) u.parallel('k');
    const p = sch.stage(s.planes);
    p.computeRoot();
    p.unroll('py');
    p.unroll('px');
    if (request.threads > 1 && layer.C >= 2) p.parallel('c');
  },
};

/** Output channels per register tile of the GEMMs. */
const TILE_CHANNELS = 4;

/** WebGPU: every stage at root, one invocation per point, the GEMMs' sums serial in each. */
function scheduleGpu(sch: Schedule, layer: ConvLayer, request: ScheduleRequest): void {
  const s = names(layer);
  const final = placeOutput(sch, request);
  for (const name of [s.planes, s.U, s.V, s.Yt]) pointGpu(sch, sch.state(name).stage);
  scheduleRootReduction(sch, sch.state(s.acc).stage, request);
  pointGpu(sch, final);
}
