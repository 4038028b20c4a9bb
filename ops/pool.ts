/**
 * Pooling: MaxPool (ONNX opsets 1, 8, 10, 11, 12), AveragePool (1, 7, 10, 11, 19), GlobalMaxPool and
 * GlobalAveragePool (1), any number of spatial axes.
 *
 *   acc(n, c, o...) = max (or sum) over the window r... of X'(n, c, o * s - pad_begin + r * d)
 *   MaxPool: out = acc, X' = X with the type's lowest value outside (padding never wins);
 *   AveragePool: out = acc / count(o...), X' = X with zeros outside, count = the window's taps inside
 *   the input (count_include_pad = 0) or inside the padded input (1), per axis in closed form.
 *
 * With ceil_mode the output rounds up, and a window that would start in the end padding is dropped
 * (ops/conv_params.ts). MaxPool's second output (Indices) is not supported and refused; without it,
 * storage_order has no effect. Schedules: schedulePlanarPool for 2-D windows on maps at least 4 wide
 * on wasm-simd, else ops/schedule_rules.ts scheduleReduction.
 */
import { compute, reduceAxis, sum, maximum, type Func, type ReduceAxis } from '../dsl/func.js';
import { constantExterior } from '../dsl/boundary.js';
import { Term, lift } from '../dsl/term.js';
import { kernelDType, type ModelDType } from '../graph/ir.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { FLOAT_TYPES, checkDTypes } from './host_tensors.js';
import { inputFunc } from './indexing.js';
import { type WindowGeometry, windowGeometry, readsOutside, spatialAxisNames } from './conv_params.js';
import { kernelOutput, parallelOuter, scheduleReduction, PARALLEL_MIN_ELEMENTS } from './schedule_rules.js';
import type { Schedule } from '../schedule/schedule.js';
import type { ScheduleRequest } from './op.js';

type PoolKind = 'max' | 'average';

interface Pool {
  readonly kind: PoolKind;
  readonly N: number; readonly C: number;
  readonly geometry: WindowGeometry;
  readonly countIncludePad: boolean;
  readonly dtype: ModelDType;
}

const poolAxes = (rank: number) => ['n', 'c', ...spatialAxisNames(rank)];

function checkInput(ctx: OpContext, types: readonly ModelDType[]): { N: number; C: number; spatial: number[]; dtype: ModelDType } {
  const x = ctx.inputs[0];
  if (!x || ctx.inputs.length !== 1) fail(ctx, `${ctx.node.op} takes 1 input (X)`);
  checkDTypes(ctx, types);
  if (x.shape.length < 3) fail(ctx, `X has rank ${x.shape.length}; ${ctx.node.op} needs [N, C, spatial...] (rank 3 or more)`);
  return { N: x.shape[0]!, C: x.shape[1]!, spatial: x.shape.slice(2), dtype: x.dtype };
}

function maxPool(ctx: OpContext): Pool {
  const names = ['auto_pad', 'kernel_shape', 'pads', 'strides'];
  if (ctx.opset >= 8) names.push('storage_order');
  if (ctx.opset >= 10) names.push('ceil_mode', 'dilations');
  const a = new Attributes(ctx, names);
  const types: ModelDType[] = ctx.opset >= 12 ? [...FLOAT_TYPES, 'i8', 'u8'] : [...FLOAT_TYPES];
  const x = checkInput(ctx, types);
  if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') fail(ctx, 'output 1 (Indices) is not supported; only Y can be computed');
  a.flag('storage_order', 0);
  const geometry = windowGeometry(ctx, a, x.spatial, undefined, { ceilMode: a.flag('ceil_mode', 0), dilations: ctx.opset >= 10 });
  return { kind: 'max', N: x.N, C: x.C, geometry, countIncludePad: false, dtype: x.dtype };
}

function averagePool(ctx: OpContext): Pool {
  const names = ['auto_pad', 'kernel_shape', 'pads', 'strides'];
  if (ctx.opset >= 7) names.push('count_include_pad');
  if (ctx.opset >= 10) names.push('ceil_mode');
  if (ctx.opset >= 19) names.push('dilations');
  const a = new Attributes(ctx, names);
  const x = checkInput(ctx, FLOAT_TYPES);
  const geometry = windowGeometry(ctx, a, x.spatial, undefined, { ceilMode: a.flag('ceil_mode', 0), dilations: ctx.opset >= 19 });
  return { kind: 'average', N: x.N, C: x.C, geometry, countIncludePad: a.flag('count_include_pad', 0), dtype: x.dtype };
}

/**
 * The lowest finite value of a tensor type: MaxPool's padding, and so the output of a window that lies
 * wholly in the padding (onnxruntime's numeric_limits<T>::lowest(); -Infinity there would differ).
 */
function lowest(t: ModelDType): number {
  if (t === 'i8') return -128;
  if (t === 'u8') return 0;
  if (t === 'f16') return -65504;
  if (t === 'f64') return -Number.MAX_VALUE;
  return -3.4028234663852886e38;
}

/** Taps r < k with lo <= base + r * d < hi: max(0, min(k - 1, floor((hi - 1 - base) / d)) - max(0, ceil((lo - base) / d)) + 1). */
function tapsInside(base: Term, k: number, d: number, lo: number, hi: number): Term {
  const first = lift(lo).sub(base).add(d - 1).div(d).max(0);
  const last = lift(hi - 1).sub(base).div(d).min(k - 1);
  return last.sub(first).add(1).max(0);
}

function definePool(ctx: OpContext, p: Pool, X: Func): ReturnType<OpEntry['define']> {
  const g = p.geometry, rank = g.input.length, spatial = spatialAxisNames(rank);
  const outside = readsOutside(g);
  const kt = kernelDType(p.dtype);
  const xp = outside ? constantExterior(X, p.kind === 'max' ? lift(lowest(p.dtype), kt) : lift(0, kt), `${ctx.prefix}_pad`) : X;
  const rs = g.kernel.map((k, i) => (k > 1 ? reduceAxis(k, `r${spatial[i]}`) : undefined));
  const axes: ReduceAxis[] = rs.filter((r): r is ReduceAxis => r !== undefined);
  if (axes.length === 0) axes.push(reduceAxis(1, `r${spatial.at(-1)}`));
  const shape = [p.N, p.C, ...g.output];
  const taps = (o: readonly Term[]) => o.map((oi, i) => {
    const base = oi.mul(g.strides[i]!).sub(g.padsBegin[i]!);
    return rs[i] ? base.add(rs[i]!.mul(g.dilations[i]!)) : base;
  });
  const acc = compute(`${ctx.prefix}_acc`, shape, (n, c, ...o) => {
    const v = xp.at(n, c, ...taps(o));
    return p.kind === 'max' ? maximum(v, axes) : sum(v, axes);
  }, { axes: poolAxes(rank) });
  const full = g.kernel.reduce((a, b) => a * b, 1);
  const out = compute(ctx.prefix, shape, (n, c, ...o) => {
    const v = acc.at(n, c, ...o);
    if (p.kind === 'max') return v;
    if (!outside) return v.div(full);
    let count: Term | undefined;
    o.forEach((oi, i) => {
      const lo = p.countIncludePad ? -g.padsBegin[i]! : 0;
      const hi = p.countIncludePad ? g.input[i]! + g.padsEnd[i]! : g.input[i]!;
      const n_i = tapsInside(oi.mul(g.strides[i]!).sub(g.padsBegin[i]!), g.kernel[i]!, g.dilations[i]!, lo, hi);
      count = count ? count.mul(n_i) : n_i;
    });
    return v.div(count!.cast(v.dtype));
  }, { axes: poolAxes(rank) });
  return [out];
}

/**
 * A 2-D pool on wasm-simd: tiles of 2 rows x 8 (or 4) outputs along a row, the last tile of each
 * row (and the last row pair of an odd map) shifted inwards, so no row ends in scalar windows (55
 * wide is 7 vectors, the last recomputing 1 output); per tile, the window's taps in loops, each a
 * vector load per row (a stride-2 window's taps are stride-2 loads, two contiguous loads and a
 * shuffle: codegen/wasm/function_emitter.ts), unrolled where the window is padded; threads on
 * channels, then row pairs. SqueezeNet 1.1's MaxPools (3x3 stride 2; 64 x 55 x 55, 128 x 27 x 27,
 * 256 x 13 x 13 out), one thread: 0.64, 0.37 and 0.18 ms with one row per tile and the window
 * unrolled, 0.60, 0.34, 0.17 with its loops, 0.46, 0.27, 0.14 with two rows (two independent chains
 * of maxes per tap; 4 rows or 4 lanes no better). The generic scheduleReduction (a guarded scalar
 * tail of 7 outputs per row) took 1.05 ms on the first.
 */
function schedulePlanarPool(sch: Schedule, request: ScheduleRequest, p: Pool, acc: string): void {
  const final = kernelOutput(sch, request);
  const main = request.outputs[0]!;
  if (final !== main) sch.stage(main).computeInline();
  const [n, c, y, x] = final.axes.map((v) => v.name) as [string, string, string, string];
  const [OH, OW] = p.geometry.output as [number, number];
  const lanes = OW >= 8 ? 8 : 4;
  const rows = Math.min(TILE_ROWS, OH);
  const h = sch.stage(final);
  h.split(x, lanes, { outer: 'xo', inner: 'xi', tail: 'shift_inwards' });
  let rowLoop = y;
  if (rows > 1) {
    h.split(y, rows, { outer: 'yo', inner: 'yi', tail: 'shift_inwards' });
    h.reorder(n, c, 'yo', 'xo', 'yi', 'xi');
    h.unroll('yi');
    rowLoop = 'yo';
  }
  h.vectorize('xi');
  if (p.N * p.C * OH * OW >= PARALLEL_MIN_ELEMENTS) parallelOuter(h, [{ name: n, extent: p.N }, { name: c, extent: p.C }, { name: rowLoop, extent: Math.ceil(OH / rows) }], request.threads);
  const a = sch.stage(acc);
  a.computeAt(final, 'xo');
  const r = a.loops.filter((l) => !['n', 'c', 'y', 'x'].includes(l));
  a.reorder(...r, 'n', 'c', 'y', 'x');
  a.vectorize('x');
  if (rows > 1) a.unroll('y');
  // A padded window's taps read the input through its boundary condition; unrolled, each tap's
  // test folds against the tile's place (ResNet-18's 3x3 stride-2 pad-1 MaxPool: 1.68 ms in loops,
  // 1.48 unrolled).
  const padded = [...p.geometry.padsBegin, ...p.geometry.padsEnd].some((q) => q > 0);
  if (padded && p.geometry.kernel.reduce((k, w) => k * w, 1) <= UNROLLED_TAPS) for (const l of r) a.unroll(l);
}

/** A padded window of at most this many taps is unrolled by schedulePlanarPool. */
const UNROLLED_TAPS = 25;

/** Output rows per tile of schedulePlanarPool. */
const TILE_ROWS = 2;

function poolEntry(op: string, opsets: readonly [number, number], parse: (ctx: OpContext) => Pool): OpEntry {
  return {
    op, opsets,
    inferShapes(ctx) {
      const p = parse(ctx);
      return [{ dtype: p.dtype, shape: [p.N, p.C, ...p.geometry.output] }];
    },
    define: (ctx, inputs) => definePool(ctx, parse(ctx), inputFunc(ctx, inputs, 0, 'X')),
    schedule(sch, request, ctx) {
      const p = parse(ctx);
      const g = p.geometry;
      const planar = request.target === 'wasm-simd' && g.input.length === 2 && g.output[1]! >= 4;
      if (planar) schedulePlanarPool(sch, request, p, `${ctx.prefix}_acc`);
      else scheduleReduction(sch, request, `${ctx.prefix}_acc`);
    },
  };
}

/** Global pools: the window is the whole spatial extent, the output [N, C, 1, ...]. */
function globalPool(kind: PoolKind) {
  return (ctx: OpContext): Pool => {
    new Attributes(ctx, []);
    const x = checkInput(ctx, FLOAT_TYPES);
    const ones = x.spatial.map(() => 1), zeros = x.spatial.map(() => 0);
    return { kind, N: x.N, C: x.C, countIncludePad: false, dtype: x.dtype, geometry: { input: x.spatial, kernel: x.spatial, strides: ones, dilations: ones, padsBegin: zeros, padsEnd: zeros, output: ones } };
  };
}

export const MaxPool = poolEntry('MaxPool', [7, 21], maxPool);
export const AveragePool = poolEntry('AveragePool', [7, 21], averagePool);
// The global pools have one version (opset 1).
export const GlobalMaxPool = poolEntry('GlobalMaxPool', [1, 21], globalPool('max'));
export const GlobalAveragePool = poolEntry('GlobalAveragePool', [1, 21], globalPool('average'));
