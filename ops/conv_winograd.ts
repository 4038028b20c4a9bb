/**
 * Winograd F(m x m, 3x3), m = 2 or 4, for 3x3, stride-1, undilated, ungrouped 2-D convolutions
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016, §4.1-4.2): each
 * m x m tile of the output is Y = A^T [(G g G^T) ⊙ (B^T d B)] A, with d the tile's alpha x alpha
 * input window (alpha = m + 2) and g the 3x3 filter, so a tile takes alpha^2 multiply-adds per input
 * channel where the direct sum takes 9 m^2 (F(2x2): 16 for 36, F(4x4): 36 for 144), and the sums
 * over the input channels are alpha^2 independent GEMMs, one per position of the window:
 *
 *   planes(n, c, py, px, i) = X(n, c, m (i / Wq) + py - pad_top, m (i mod Wq) + px - pad_left), 0 outside
 *   U(a, b, k, c)     = sum over r, s of G[a][r] W(k, c, r, s) G[b][s]          (the weight transform)
 *   V(n, a, b, c, q)  = sum over i, j of BT[a][i] d_q(i, j) BT[b][j]            (the input transform)
 *   acc(n, a, b, k, q) = sum over c of U(a, b, k, c) V(n, a, b, c, q)          (the batched GEMMs)
 *   Yt(n, k, u, v, q) = sum over a, b of AT[u][a] acc(n, a, b, k, q) AT[v][b]  (the output transform)
 *   out(n, k, y, x)   = Yt(n, k, y mod m, x mod m, (y / m) Wq + x / m) + B(k)
 *
 * The input is stored as m^2 planes, one per residue of row and column mod m (py, px), with rows of
 * Wq = tiles per row + 1 columns: the tile q = ty Wq + tx reads d_q(i, j) = planes(n, c, i mod m,
 * j mod m, q + (i / m) Wq + j / m), so the input transform of consecutive tiles reads consecutive
 * values (dense vectors along q), as 'rows' lays padded rows end to end; the column tx = Wq - 1 of
 * every tile row is computed in excess and never read. The tile count is rounded up to 8 for the
 * same reason. The transforms round (F(2x2) by 1/2 only, F(4x4) by sixths and twenty-fourths, with
 * entries up to 8), so the outputs differ from the direct sum's by more than the order of the
 * additions; the tuner checks every candidate against the direct definition's outputs
 * (ConvAlgorithm.approximate), and a layer takes Winograd only through such records. In a model
 * the weight transform U runs once, at load (lower/constant_stages.ts).
 */
import { compute, reduceAxis, sum, type Stage } from '../dsl/func.js';
import { type Term, lift, select } from '../dsl/term.js';
import type { Schedule } from '../schedule/schedule.js';
import type { ConvLayer } from './conv.js';
import type { ScheduleRequest } from './op.js';
import { type ConvAlgorithm, parallelWorthIt, placeOutput, registerTiles, TILE_CHANNELS } from './conv_common.js';
import { parallelOuter, pointGpu, scheduleRootReduction } from './schedule_rules.js';

/** The transform matrices of F(m x m, 3 x 3): B^T (alpha x alpha), G (alpha x 3), A^T (m x alpha), alpha = m + 2. */
interface WinogradTransform {
  readonly m: number;
  readonly BT: readonly (readonly number[])[];
  readonly G: readonly (readonly number[])[];
  readonly AT: readonly (readonly number[])[];
}

/** F(2x2, 3x3), points 0, ±1 (Lavin & Gray §4.1). */
const F2: WinogradTransform = {
  m: 2,
  BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
  G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
  AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
};

/** F(4x4, 3x3), points 0, ±1, ±2 (Lavin & Gray §4.2). */
const F4: WinogradTransform = {
  m: 4,
  BT: [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
  G: [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
  AT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
};

/** sum over j of row[j] * v(j): adds and subtractions for ±1, one multiply by the magnitude the terms share. */
function combine(row: readonly number[], v: (j: number) => Term): Term {
  const terms = row.flatMap((c, j) => (c === 0 ? [] : [{ c, j }]));
  const shared = terms.every((t) => Math.abs(t.c) === Math.abs(terms[0]!.c)) ? Math.abs(terms[0]!.c) : 1;
  const scaled = (c: number, x: Term) => (Math.abs(c / shared) === 1 ? x : x.mul(Math.abs(c / shared)));
  const first = terms[0]!;
  let sum = first.c < 0 ? scaled(first.c, v(first.j)).mul(-1) : scaled(first.c, v(first.j));
  for (const t of terms.slice(1)) sum = t.c < 0 ? sum.sub(scaled(t.c, v(t.j))) : sum.add(scaled(t.c, v(t.j)));
  return shared === 1 ? sum : sum.mul(shared);
}

/** Row `a` of `matrix` applied to v(0..): a constant once `a`'s loop is unrolled. */
const applyRows = (a: Term, matrix: readonly (readonly number[])[], v: (j: number) => Term): Term => {
  const rows = matrix.map((row) => combine(row, v));
  return rows.slice(0, -1).reduceRight<Term>((rest, row, i) => select(a.eq(i), row, rest), rows.at(-1)!);
};

/**
 * The tile grid of a layer: columns per plane row (tiles per row + 1: a window reaches one tile
 * column over), tiles computed, plane length.
 */
function tileGrid(layer: ConvLayer, m: number): { Wq: number; Q: number; length: number } {
  const [OH, OW] = layer.geometry.output as [number, number];
  const TH = Math.ceil(OH / m), Wq = Math.ceil(OW / m) + 1;
  const Q = Math.ceil((TH * Wq) / 8) * 8;
  return { Wq, Q, length: Q + Wq + 1 };
}

const names = (layer: ConvLayer) => {
  const o = layer.names.out;
  return { planes: `${o}_planes`, U: `${o}_wu`, V: `${o}_wv`, acc: layer.names.acc, Yt: `${o}_wy`, local: `${layer.names.acc}_local` };
};

/** The conv algorithm of F(m x m, 3x3) for `t`'s matrices (see the file's comment). */
function winogradAlgorithm(name: string, t: WinogradTransform): ConvAlgorithm {
  const { m } = t, alpha = m + 2;
  return {
    name,
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
      const { Wq, Q, length } = tileGrid(layer, m);
      const s = names(layer);
      const planes = compute(s.planes, [layer.N, layer.C, m, m, length], (n, c, py, px, i) => {
        const y = i.div(Wq).mul(m).add(py).sub(pt), x = i.mod(Wq).mul(m).add(px).sub(pl);
        const inside = y.ge(0).and(y.lt(H)).and(x.ge(0)).and(x.lt(Wi));
        return select(inside, X.at(n, c, y.clamp(0, H - 1), x.clamp(0, Wi - 1)), lift(0, X.dtype));
      }, { axes: ['n', 'c', 'py', 'px', 'i'] });
      const U = compute(s.U, [alpha, alpha, layer.M, layer.C], (a, b, k, c) => applyRows(a, t.G, (r) => applyRows(b, t.G, (x) => W.at(k, c, r, x))), { axes: ['a', 'b', 'k', 'c'] });
      const V = compute(s.V, [layer.N, alpha, alpha, layer.C, Q], (n, a, b, c, q) =>
        applyRows(a, t.BT, (i) => applyRows(b, t.BT, (j) => planes.at(n, c, i % m, j % m, q.add(Math.floor(i / m) * Wq + Math.floor(j / m))))), { axes: ['n', 'a', 'b', 'c', 'q'] });
      const rc = reduceAxis(layer.C, 'rc');
      const acc = compute(s.acc, [layer.N, alpha, alpha, layer.M, Q], (n, a, b, k, q) => sum(U.at(a, b, k, rc).mul(V.at(n, a, b, rc, q)), rc), { axes: ['n', 'a', 'b', 'k', 'q'] });
      const Yt = compute(s.Yt, [layer.N, layer.M, m, m, Q], (n, k, u, v, q) => applyRows(u, t.AT, (a) => applyRows(v, t.AT, (b) => acc.at(n, a, b, k, q))), { axes: ['n', 'k', 'u', 'v', 'q'] });
      const out = compute(layer.names.out, [layer.N, layer.M, ...g.output], (n, k, y, x) => {
        const v = Yt.at(n, k, y.mod(m), x.mod(m), y.div(m).mul(Wq).add(x.div(m)));
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
}

/** F(2x2, 3x3): the better on 13- and 14-wide maps, where 4x4 tiles compute 16 rows. */
export const winograd = winogradAlgorithm('winograd', F2);
/** F(4x4, 3x3): 4x fewer multiply-adds than the direct sum, larger transforms and rounding. */
export const winograd4x4 = winogradAlgorithm('winograd-4x4', F4);


/** WebGPU: every stage at root, one invocation per point, the GEMMs' sums serial in each. */
function scheduleGpu(sch: Schedule, layer: ConvLayer, request: ScheduleRequest): void {
  const s = names(layer);
  const final = placeOutput(sch, request);
  for (const name of [s.planes, s.U, s.V, s.Yt]) pointGpu(sch, sch.state(name).stage);
  scheduleRootReduction(sch, sch.state(s.acc).stage, request);
  pointGpu(sch, final);
}
