/**
 * Multi-level tiling of a reduction for wasm-simd (TVM MetaSchedule's MultiLevelTiling with the CPU
 * structure "SSRSRS", src/meta_schedule/schedule_rule/multi_level_tiling.cc; Ansor's multi-level
 * tiling sketch rule). Every pure axis is tiled into four levels S0 S1 S2 S3 and every reduction axis
 * into two, R0 R1, by sampled perfect tiles; the loop nest is S0 S1 [S2 R0 ...]:
 *
 *   O:     S0 loops, S1 loops, S2 loops, S3 loops (unrolled), lanes (vectorized)
 *   local: R0 loops, S2 loops, R1 loops (unrolled), S3 loops (unrolled), lanes (vectorized)
 *
 * O is where the results are written: the reduction itself when it is an output (its sum is then
 * computed into a cache_write copy, the register tile), or its only consumer when that reads it at
 * its own point (a bias add, an activation: MetaSchedule's "fuse the consumer" write reuse), or at
 * its own point with its last two axes flattened (a 1x1 convolution's sum over the pixels of a
 * plane laid end to end, [N, M, H*W], read by the [N, M, H, W] output at W*y + x): O's last two
 * axes are then fused first, so that its loops and the reduction's align. The
 * local stage is computed at the last S1 loop (SSRSRS: R0 outside S2, the k-panel reused by several
 * register tiles) or at the last S2 loop (the whole reduction per register tile), a sampled choice.
 * With S3 unrolled and the lanes vectorized, every access of the local tile has a constant index and
 * lowering keeps the accumulators in registers (lower/promote_registers.ts).
 *
 * The innermost pure axis is split by the SIMD lanes first, so the vector part is a multiple of 4
 * f32 lanes. Where its vector count has no factor from 2 to MAX_S3_VECTORS (169 pixels: 43 vectors),
 * a perfect tile could only put one vector in a register tile: the vectors per tile are then a
 * sampled block of 1..MAX_S3_VECTORS, the last block shifted inwards, and the blocks tiled in three
 * levels. Operands whose last index runs along that axis and whose other indices run along a
 * reduction axis (the k x n panel of B in a matrix product, input rows in a convolution) are read
 * through a cache_read copy, whose location random_compute_location samples (inline: no copy; at an
 * S0 loop: a packed panel). Threads > 1: the S0 loops are fused into one parallel loop.
 *
 * Variants (one sketch each, `variants`): variant 0 as above; variant v > 0 runs the lanes along the
 * v-th of `otherLaneAxes` instead (a convolution's output channels). Operands along that axis are
 * read through a packed copy (transform_layout: the dimension split by the lanes, the lanes
 * innermost: OIHW weights -> O/4 I H W 4), operands broadcast across it through a copy with their
 * reduction-only dimensions innermost (NCHW -> NHWC), the reduction loops walk those dimensions
 * innermost too (ky kx c; the packed operands are stored in that order: O/4 H W I 4), the
 * accumulators are stored with the lanes axis innermost, and the output is written with strided
 * stores.
 *
 * Checks: live v128 values (accumulators + distinct operand vectors + distinct broadcast scalars of
 * one unrolled body; an index that is not affine counts the unrolled axes it uses) within the
 * engine's vector registers; the unrolled body within 256 copies; enough S0
 * iterations for the threads.
 */
import { bytes } from '../../ir/dtype.js';
import { viewSchedule, type AccessView, type ScheduleView, type StageView } from '../../schedule/view.js';
import type { SampledRef } from '../../schedule/instruction.js';
import { type CheckExpr, add, mul } from '../checks.js';
import { type ScheduleRule, freshAxis, freshStage, lanesOf, readsAtOwnPoint, dependsOn } from './rule.js';
import { level, parallelOuter, splitLanes, splitLevels, tileLoop } from './tiling.js';

/** Largest register-tile factor of a pure axis (S3), in elements or, on the vector axis, in vectors. */
const MAX_S3 = 8, MAX_S3_VECTORS = 4;
/**
 * The vectors per register tile to sample along a lanes axis of `count` vectors when no perfect tile
 * gives more than one (no factor in 2..MAX_S3_VECTORS): 1..MAX_S3_VECTORS, at most `count`; else undefined.
 */
function blockedVectors(count: number): number[] | undefined {
  for (let f = 2; f <= MAX_S3_VECTORS; f++) if (count % f === 0) return undefined;
  const out: number[] = [];
  for (let v = 1; v <= Math.min(MAX_S3_VECTORS, count); v++) out.push(v);
  return out.length > 1 ? out : undefined;
}
/** Largest unrolled reduction factor (R1). */
const MAX_R1 = 16;
/** Largest number of body copies the unrolled loops of one register tile make. */
export const MAX_UNROLLED = 256;

/**
 * Where the rule writes the results of reduction `s`: `s` itself when it is an output (its sum then
 * goes through a cache_write copy), or the output at the end of a chain of only consumers, each
 * reading the one before at its own point (`fused`; `through` names the stages between, a bias add
 * before an activation). Undefined when the rule does not apply to `s`: another shape of consumers,
 * or extents not known for these sizes.
 */
export function writeStage(v: ScheduleView, s: StageView): WriteStage | undefined {
  if (!s.isReduction || s.reductionAxes.some((a) => a.extent === undefined)) return undefined;
  let w: WriteStage | undefined;
  if (s.isOutput) w = { write: s.name, fused: false, through: [] };
  // A chain of pointwise stages (a bias add, then an activation) down to an output: auto-inline
  // computes the middle ones inline first (consumers are scheduled before producers), and the rule
  // applies once they are (writesDirectly). The first may read the reduction flattened.
  const through: string[] = [];
  let width: number | undefined;
  for (let cur = s; !w && cur.consumers.length === 1;) {
    const c = v.stage(cur.consumers[0]!)!;
    if (c.isReduction) break;
    if (cur === s && !readsAtOwnPoint(c, cur.name)) {
      width = flattenedWidth(c, s);
      if (width === undefined) break;
    } else if (c.axes.length !== s.axes.length + (width !== undefined ? 1 : 0) || !readsAtOwnPoint(c, cur.name)) break;
    if (c.isOutput) w = { write: c.name, fused: true, through };
    else through.push(c.name);
    cur = c;
  }
  const o = w && v.stage(w.write)!;
  if (!o || !o.axes.every((a) => a.extent !== undefined)) return undefined;
  if (width === undefined) return w;
  // Flattened: W*y + x with W the width of the map written, so that fusing y and x gives the same index.
  const [y, x] = o.axes.slice(-2) as [StageView['axes'][number], StageView['axes'][number]];
  return x.extent === width ? { ...w!, flattened: { y: y.name, x: x.name } } : undefined;
}

/** Where the rule writes a reduction's results (writeStage). */
export interface WriteStage {
  readonly write: string;
  readonly fused: boolean;
  readonly through: readonly string[];
  /** The write stage's last two axes, which read the reduction's last at W*y + x (fused before tiling). */
  readonly flattened?: { readonly y: string; readonly x: string };
}

/**
 * When `reader` reads reduction `s` at its own point but for its last two axes (y, x), flattened into
 * the reduction's last at W*y + x: that W (writeStage checks it against the width of the map).
 */
function flattenedWidth(reader: StageView, s: StageView): number | undefined {
  const n = s.axes.length;
  if (reader.reductionAxes.length > 0 || reader.axes.length !== n + 1) return undefined;
  const [y, x] = reader.axes.slice(-2) as [StageView['axes'][number], StageView['axes'][number]];
  const accesses = reader.accesses.filter((a) => a.tensor === s.name);
  const widths = new Set<number>();
  const own = (a: AccessView) => a.indices.length === n && a.indices.every((ix, d) => {
    if (ix === undefined || ix.offset !== 0) return false;
    const c = Object.entries(ix.coefficients).filter(([, k]) => k !== 0);
    if (d === n - 1) {
      widths.add(ix.coefficients[y.name] ?? 0);
      return c.length === 2 && (ix.coefficients[y.name] ?? 0) > 0 && ix.coefficients[x.name] === 1;
    }
    return c.length === 0 ? reader.axes[d]!.extent === 1 : c.length === 1 && ix.coefficients[reader.axes[d]!.name] === 1;
  });
  return accesses.length > 0 && accesses.every(own) && widths.size === 1 ? [...widths][0] : undefined;
}

/** Whether the write stage reads the reduction's values directly: the pointwise stages between them are inline. */
export function writesDirectly(v: ScheduleView, w: WriteStage): boolean {
  return w.through.every((t) => v.stage(t)!.computeAt.kind === 'inline');
}

/** Whether `stage` is where the rule will write the results of one of its producers (so other rules leave it alone). */
export function isFusedWriteStage(v: ScheduleView, stage: StageView): boolean {
  return v.stages.some((s) => s.name !== stage.name && s.isReduction && writeStage(v, s)?.write === stage.name);
}

/**
 * Distinct vectors (or scalars) an access reads in one copy of the unrolled body: per affine index
 * dimension, 1 + sum of |coefficient| * (unrolled extent - 1) over the unrolled axes, times the
 * vectors of the lanes axis in the dimension that runs along it; the dimensions that are not affine
 * together (a flattened pixel's p / W and p mod W), at most the product of the unrolled extents of
 * the axes they use, times the vectors when they use the lanes axis.
 */
function distinctReads(a: AccessView, unrolled: ReadonlyMap<string, SampledRef>, lanesAxis: string, vectors: CheckExpr): CheckExpr {
  const opaque = new Set(a.indices.flatMap((ix, d) => (ix ? [] : a.uses[d]!)));
  const opaqueReads = a.indices.some((ix) => !ix)
    ? [mul(...[...opaque].flatMap((x) => (unrolled.has(x) ? [unrolled.get(x)!] : [])), ...(opaque.has(lanesAxis) ? [vectors] : []))]
    : [];
  const dims = a.indices.flatMap((ix) => {
    if (!ix) return [];
    const spread = Object.entries(ix.coefficients).filter(([axis]) => unrolled.has(axis)).map(([axis, c]) => mul(Math.abs(c), add(unrolled.get(axis)!, -1)));
    const one = add(1, ...spread);
    return [(ix.coefficients[lanesAxis] ?? 0) !== 0 ? mul(vectors, one) : one];
  });
  return mul(...dims, ...opaqueReads);
}

/** The dimension of access `a` whose index is exactly `axis` (coefficient 1, nothing else), or -1. */
function exactDim(a: AccessView, axis: string): number {
  return a.indices.findIndex((ix) => ix !== undefined && !ix.offset && Object.keys(ix.coefficients).length === 1 && ix.coefficients[axis] === 1);
}

/** Dimensions of access `a` indexed by reduction axes of `s` alone (a convolution's input channels, a matrix product's k). */
function reductionDims(s: StageView, a: AccessView): number[] {
  const reductions = new Set(s.reductionAxes.map((r) => r.name));
  return a.indices.flatMap((ix, d) => (ix !== undefined && Object.keys(ix.coefficients).length > 0 && Object.keys(ix.coefficients).every((x) => reductions.has(x)) ? [d] : []));
}

/**
 * Pure axes other than the innermost that the lanes can run along instead (XNNPACK's choice: output
 * channels along the lanes): a multiple of the lanes (extents from `o`, the stage written), and
 * every operand that depends on it indexed by it alone in one dimension that is not the innermost,
 * so that a packed copy (that dimension split by the lanes, the lanes innermost) reads it as dense
 * vectors.
 */
function otherLaneAxes(s: StageView, o: readonly AxisExtent[], lanes: number): number[] {
  const last = s.axes.length - 1;
  return s.axes.flatMap((a, d) => {
    const extent = o[d]!.extent;
    if (d === last || extent === undefined || extent < lanes || extent % lanes !== 0 || lanes < 2) return [];
    const readers = s.accesses.filter((x) => x.tensor !== s.name && dependsOn(x, a.name));
    const packable = readers.length > 0 && readers.every((x) => { const k = exactDim(x, a.name); return k >= 0 && k < x.indices.length - 1; });
    return packable ? [d] : [];
  });
}

/**
 * The reduction axes in the order the packed sketch walks them: those that index a reduction-only
 * dimension of an operand broadcast across the lanes (the input channels of an NCHW input, whose
 * copy puts them innermost) go innermost, in that operand's dimension order, so that consecutive
 * reduction steps read adjacent elements (XNNPACK's [ky][kx][c] order over an NHWC input).
 */
function denseReductionOrder(s: StageView, lanesAxis: string): string[] {
  const dense: string[] = [];
  for (const a of s.accesses) {
    if (a.tensor === s.name || dependsOn(a, lanesAxis)) continue;
    for (const d of reductionDims(s, a)) for (const x of Object.keys(a.indices[d]!.coefficients)) if (!dense.includes(x)) dense.push(x);
  }
  const all = s.reductionAxes.map((r) => r.name);
  return [...all.filter((r) => !dense.includes(r)), ...all.filter((r) => dense.includes(r)).sort((x, y) => dense.indexOf(x) - dense.indexOf(y))];
}

interface AxisExtent { readonly name: string; readonly extent: number | undefined }

/** The write stage's axes as the rule tiles them, aligned with the reduction's: a flattened pair as one axis, `fusedName`. */
function writeAxes(v: ScheduleView, w: WriteStage, fusedName: string): AxisExtent[] {
  const axes = v.stage(w.write)!.axes.map((a) => ({ name: a.name, extent: a.extent }));
  if (!w.flattened) return axes;
  const [y, x] = axes.splice(-2, 2) as [AxisExtent, AxisExtent];
  return [...axes, { name: fusedName, extent: y.extent! * x.extent! }];
}

export const multiLevelTiling: ScheduleRule = {
  name: 'multi-level-tiling',
  variants(sch, stage, ctx) {
    if (ctx.target.kind !== 'wasm-simd' || ctx.handled.has(stage)) return [];
    const v = viewSchedule(sch, ctx.sizes);
    const s = v.stage(stage)!;
    const w = writeStage(v, s);
    if (!w || !writesDirectly(v, w)) return [];
    const innermostAxis = s.axes[s.axes.length - 1]!.name;
    return [`lanes along ${innermostAxis}`, ...otherLaneAxes(s, writeAxes(v, w, 'p'), lanesOf(s.dtype, ctx.target)).map((d) => `lanes along ${s.axes[d]!.name}, operands packed`)];
  },
  apply(sch, stage, ctx, variant = 0) {
    if (ctx.target.kind !== 'wasm-simd' || ctx.handled.has(stage)) return false;
    const v = viewSchedule(sch, ctx.sizes);
    const s = v.stage(stage)!;
    const w = writeStage(v, s);
    if (!w || !writesDirectly(v, w)) return false;
    const o = writeAxes(v, w, w.flattened ? freshAxis(sch, w.write, `${w.flattened.y}${w.flattened.x}`) : '');
    if (w.flattened) sch.stage(w.write).fuse(w.flattened.y, w.flattened.x, { fused: o.at(-1)!.name });
    const lanes = lanesOf(s.dtype, ctx.target);
    const innermost = o.length - 1;
    // The axis along the lanes: the innermost (variant 0), or one of otherLaneAxes (variant 1..).
    const packed = variant > 0;
    const lanesDim = packed ? otherLaneAxes(s, o, lanes)[variant - 1]! : innermost;
    if (lanesDim === undefined) throw new RangeError(`multi-level-tiling: ${stage} has no variant ${variant}`);
    const vectorized = o[lanesDim]!.extent! >= lanes && lanes > 1;
    const chunksPerVector = Math.max(1, (lanes * bytes(s.dtype)) / ctx.target.vectorBytes);

    const local = w.fused ? stage : sch.stage(stage).cacheWrite({ name: freshStage(sch, `${stage}_local`) });
    const lanesAxis = s.axes[lanesDim]!.name;
    const reductionOrder = packed ? denseReductionOrder(s, lanesAxis) : s.reductionAxes.map((r) => r.name);
    if (packed) {
      // Operands along the lanes: packed, their lanes dimension split by the lanes, innermost. Operands
      // broadcast across the lanes: their reduction-only dimensions innermost (NCHW -> NHWC), so that
      // the reduction walks them densely. The accumulators: the lanes axis innermost.
      for (const a of s.accesses) {
        if (a.tensor === stage || s.accesses.find((x) => x.tensor === a.tensor) !== a) continue;
        const k = exactDim(a, lanesAxis);
        const rdims = k >= 0 ? [] : reductionDims(s, a);
        if (k < 0 && (rdims.length === 0 || rdims[rdims.length - 1] === a.indices.length - 1)) continue;
        const panel = sch.cacheRead(a.tensor, [local], { name: freshStage(sch, `${a.tensor}_panel`) });
        const dims = viewSchedule(sch, ctx.sizes).stage(panel)!.storageDims;
        if (k >= 0) {
          const outer = `${dims[k]!}o`, inner = `${dims[k]!}i`;
          const rank = (d: number) => Math.min(...Object.keys(a.indices[d]!.coefficients).map((x) => reductionOrder.indexOf(x)));
          const rdimsInOrder = reductionDims(s, a).sort((d1, d2) => rank(d1) - rank(d2));
          const rest = dims.flatMap((name, d) => (rdimsInOrder.includes(d) ? [] : [d === k ? outer : name]));
          sch.stage(panel).transformLayout({ split: { dim: dims[k]!, factor: lanes, outer, inner }, order: [...rest, ...rdimsInOrder.map((d) => dims[d]!), inner] });
        } else sch.stage(panel).transformLayout({ order: [...dims.filter((_, d) => !rdims.includes(d)), ...rdims.map((d) => dims[d]!)] });
      }
      const ldims = viewSchedule(sch, ctx.sizes).stage(local)!.storageDims;
      sch.stage(local).transformLayout({ order: [...ldims.filter((_, d) => d !== lanesDim), ldims[lanesDim]!] });
    } else {
      // Operands read along the lanes and along a reduction axis in another dimension: a panel.
      const panels: string[] = [];
      for (const a of s.accesses) {
        if (!vectorized || a.tensor === stage || panels.includes(a.tensor)) continue;
        const lastIx = a.indices[a.indices.length - 1];
        const alongLanes = lastIx !== undefined && lastIx.coefficients[lanesAxis] === 1;
        const alongReduction = a.indices.slice(0, -1).some((ix) => ix !== undefined && s.reductionAxes.some((r) => (ix.coefficients[r.name] ?? 0) !== 0));
        if (alongLanes && alongReduction) panels.push(a.tensor);
      }
      for (const t of panels) sch.cacheRead(t, [local], { name: freshStage(sch, `${t}_panel`) });
    }

    // O: four levels per pure axis; the lanes axis split by the lanes first.
    const O = sch.stage(w.write);
    const tiles: string[] = [];
    const levels: string[][] = [[], [], [], []];
    let lanesLoop: string | undefined;
    // The vectors of the lanes axis: the innermost level of its perfect tile, or, where no factor of
    // its vector count up to MAX_S3_VECTORS exists but 1 (a 13x13 map: 43 vectors), a sampled block of
    // vectors whose last block shifts inwards (blockedVectors).
    let vectorsRef: SampledRef | undefined;
    o.forEach((a, d) => {
      const split = splitLanes(sch, w.write, a.name, lanes, d === lanesDim && vectorized);
      const axis = split.rest;
      if (split.lanes) lanesLoop = split.lanes;
      const name = `${w.write}.${a.name}.tile`;
      tiles.push(name);
      if (d !== lanesDim || !vectorized) {
        tileLoop(sch, w.write, axis, 4, MAX_S3, name).forEach((l, k) => levels[k]!.push(l));
        return;
      }
      const blocks = blockedVectors(Math.ceil(a.extent! / lanes));
      if (!blocks) {
        tileLoop(sch, w.write, axis, 4, MAX_S3_VECTORS, name).forEach((l, k) => levels[k]!.push(l));
        vectorsRef = level(name, 3);
        return;
      }
      const blockName = `${w.write}.${a.name}.vectors`;
      O.sampleCategorical(blockName, blocks);
      vectorsRef = { sampled: blockName };
      const [outer, inner] = O.split(axis, vectorsRef, { outer: freshAxis(sch, w.write, `${axis}_b`), inner: freshAxis(sch, w.write, `${axis}_t3`), tail: 'shift_inwards' });
      tileLoop(sch, w.write, outer!, 3, MAX_S3, name).forEach((l, k) => levels[k]!.push(l));
      levels[3]!.push(inner!);
    });
    O.reorder(...levels.flat(), ...(lanesLoop ? [lanesLoop] : []));
    for (const l of levels[3]!) O.unroll(l);
    if (lanesLoop) O.vectorize(lanesLoop);
    const siteS1 = `${w.write}.${levels[1]![innermost]!}`, siteS2 = `${w.write}.${levels[2]![innermost]!}`;
    parallelOuter(sch, w.write, levels[0]!, tiles, ctx);

    // The local stage: R0, S2, R1, S3, lanes.
    const L = sch.stage(local);
    L.sampleComputeAt({ candidates: [siteS1, siteS2] });
    const s2: string[] = [], s3: string[] = [], r0: string[] = [], r1: string[] = [];
    let localLanes: string | undefined;
    s.axes.forEach((a, d) => {
      const split = splitLanes(sch, local, a.name, lanes, d === lanesDim && vectorized);
      if (split.lanes) localLanes = split.lanes;
      if (d === lanesDim && vectorsRef && !vectorsRef.from) {
        // Blocked: the tile's vectors, then what is left of the site's region (level 2 at S1, 1 at S2).
        const [l2, l3] = sch.stage(local).split(split.rest, vectorsRef, { outer: freshAxis(sch, local, `${split.rest}_t2`), inner: freshAxis(sch, local, `${split.rest}_t3`) });
        s2.push(l2!);
        s3.push(l3!);
        return;
      }
      const [l2, l3] = splitLevels(sch, local, split.rest, 4, tiles[d]!, 2);
      s2.push(l2!);
      s3.push(l3!);
    });
    const reductionTiles = new Map<string, string>();
    for (const r of reductionOrder) {
      const name = `${local}.${r}.tile`;
      reductionTiles.set(r, name);
      const [l0, l1] = tileLoop(sch, local, r, 2, MAX_R1, name);
      r0.push(l0!);
      r1.push(l1!);
    }
    L.reorder(...r0, ...s2, ...r1, ...s3, ...(localLanes ? [localLanes] : []));
    for (const l of [...r1, ...s3]) L.unroll(l);
    if (localLanes) L.vectorize(localLanes);

    // Checks over the decisions.
    const unrolled = new Map<string, SampledRef>();
    s.axes.forEach((a, d) => { if (d !== lanesDim || !vectorized) unrolled.set(a.name, level(tiles[d]!, 3)); });
    for (const [r, t] of reductionTiles) unrolled.set(r, level(t, 1));
    const copies = mul(...unrolled.values(), ...(vectorized ? [vectorsRef!] : []));
    ctx.check({ kind: 'at-most', what: `unrolled copies of the body of ${local}`, value: copies, limit: MAX_UNROLLED });
    if (vectorized) {
      const vectors = vectorsRef!;
      const accumulators = mul(...s.axes.flatMap((_, d) => (d === lanesDim ? [] : [level(tiles[d]!, 3)])), vectors, chunksPerVector);
      const operands = s.accesses.filter((a) => a.tensor !== stage && dependsOn(a, lanesAxis)).map((a) => mul(distinctReads(a, unrolled, lanesAxis, vectors), chunksPerVector));
      // V8's TurboFan schedules the loads of a loop body ahead of its arithmetic, so every distinct
      // scalar broadcast of the unrolled body is live at once too (a 2 x 4 vector tile with the
      // window's rows unrolled spilled 53 vectors per iteration and ran at 60% of the same tile without).
      const broadcasts = s.accesses.filter((a) => a.tensor !== stage && !dependsOn(a, lanesAxis)).map((a) => distinctReads(a, unrolled, lanesAxis, 1));
      ctx.check({ kind: 'at-most', what: `live v128 values in the register tile of ${local}`, value: add(accumulators, ...operands, ...broadcasts), limit: ctx.target.vectorRegisters - 1 });
    }
    ctx.handled.add(local);
    ctx.handled.add(w.write);
    return true;
  },
};
