/**
 * Resize (ONNX opsets 10, 11, 13, 18, 19) and Upsample (7, 9): nearest and n-linear interpolation
 * with every coordinate_transformation_mode and nearest_mode of the spec.
 *
 * Per resized axis, an output coordinate x maps to x_original (in f32, in the order onnxruntime
 * evaluates it) by the transformation mode:
 *   half_pixel (x + 0.5) / s - 0.5        half_pixel_symmetric  offset + (x + 0.5) / s - 0.5
 *   pytorch_half_pixel  L_out > 1 ? (x + 0.5) / s - 0.5 : 0       asymmetric  x / s
 *   tf_half_pixel_for_nn (x + 0.5) / s    align_corners  L_out == 1 ? 0 : x * (L_in - 1) / (L_out - 1)
 *   tf_crop_and_resize  L_out > 1 ? start * (L_in - 1) + x * (end - start) * (L_in - 1) / (L_out - 1)
 *                                 : 0.5 * (start + end) * (L_in - 1), extrapolation_value outside [0, L_in - 1]
 * Nearest rounds x_original (round_prefer_floor = ceil(x - 0.5), round_prefer_ceil = floor(x + 0.5),
 * floor, ceil) and clamps; linear blends the two neighbours of x_original clamped to [0, L_in - 1].
 * Resize-10 and Upsample are asymmetric, nearest truncating when upsampling and rounding up when
 * downsampling (onnxruntime's reading of those versions). The output extent is floor(L_in * s) (in
 * f32), or `sizes` (with keep_aspect_ratio_policy, opset 18+). Cubic mode is refused, and so is
 * antialias when a linear resize shrinks an axis.
 */
import { compute } from '../dsl/func.js';
import { Term, lift, select, floor, ceil } from '../dsl/term.js';
import { kernelDType, type TensorInfo } from '../graph/ir.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { ALL_TYPES, checkDTypes, constInput, normalizeAxis } from './host_tensors.js';
import { axisNames, inputFunc } from './indexing.js';
import { schedulePointwiseOp } from './schedule_rules.js';

type Transform = 'half_pixel' | 'half_pixel_symmetric' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_half_pixel_for_nn' | 'tf_crop_and_resize';
type Nearest = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'legacy';

interface ResizePlan {
  readonly x: TensorInfo;
  readonly mode: 'nearest' | 'linear';
  readonly transform: Transform;
  readonly nearest: Nearest;
  readonly out: number[];
  /** Per axis: the scale s of the transformation, and roi start and end (tf_crop_and_resize). */
  readonly scales: number[];
  readonly roiStart: number[];
  readonly roiEnd: number[];
  readonly extrapolation: number;
}

const f32 = Math.fround;

function resizePlan(ctx: OpContext): ResizePlan {
  const legacy = ctx.node.op === 'Upsample' || ctx.opset < 11;
  const names = legacy ? ['mode', ...(ctx.node.op === 'Upsample' && ctx.opset < 9 ? ['scales'] : [])]
    : ['coordinate_transformation_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'mode', 'nearest_mode',
      ...(ctx.opset >= 18 ? ['antialias', 'axes', 'keep_aspect_ratio_policy'] : [])];
  const a = new Attributes(ctx, names);
  const x = ctx.inputs[0];
  if (!x) fail(ctx, `${ctx.node.op} needs input 0 (X)`);
  checkDTypes(ctx, ALL_TYPES.filter((t) => t !== 'bool'), [0]);
  const r = x.shape.length;
  const mode = a.string('mode', 'nearest');
  if (mode === 'cubic') fail(ctx, 'mode cubic is not supported; nearest and linear are');
  if (mode !== 'nearest' && mode !== 'linear') fail(ctx, `attribute mode = ${JSON.stringify(mode)} is not supported; it must be one of nearest, linear`);
  const transform: Transform = legacy ? 'asymmetric' : a.choice('coordinate_transformation_mode',
    ['half_pixel', ...(ctx.opset >= 19 ? ['half_pixel_symmetric' as const] : []), 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'], 'half_pixel');
  const nearest: Nearest = legacy ? 'legacy' : a.choice('nearest_mode', ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'], 'round_prefer_floor');
  const axes = ctx.opset >= 18 && !legacy ? (a.optionalInts('axes') ?? x.shape.map((_, d) => d)).map((v) => normalizeAxis(ctx, v, r, 'axes entry')) : x.shape.map((_, d) => d);
  if (new Set(axes).size !== axes.length) fail(ctx, `axes [${axes.join(', ')}] name an axis twice`);
  const per = (values: readonly number[], what: string, fill: number): number[] => {
    if (values.length !== axes.length) fail(ctx, `${what} has ${values.length} values for ${axes.length} axes`);
    const full = x.shape.map(() => fill);
    axes.forEach((d, i) => { full[d] = values[i]!; });
    return full;
  };
  let scalesIn: number[] | undefined, sizesIn: number[] | undefined, roi: number[] | undefined;
  if (ctx.node.op === 'Upsample' && ctx.opset < 9) {
    scalesIn = [...a.optionalFloats('scales') ?? fail(ctx, 'attribute scales is required')];
    if (ctx.inputs.length !== 1) fail(ctx, 'Upsample before opset 9 takes 1 input');
  } else if (legacy) {
    if (ctx.inputs.length !== 2) fail(ctx, `${ctx.node.op} at opset ${ctx.opset} takes 2 inputs (X, scales)`);
    scalesIn = constInput(ctx, 1, 'scales');
  } else {
    if (ctx.inputs.length > 4) fail(ctx, `Resize takes at most 4 inputs, got ${ctx.inputs.length}`);
    roi = constInput(ctx, 1, 'roi');
    scalesIn = constInput(ctx, 2, 'scales');
    sizesIn = constInput(ctx, 3, 'sizes');
    if (scalesIn?.length === 0) scalesIn = undefined;
    if (sizesIn?.length === 0) sizesIn = undefined;
    if (!!scalesIn === !!sizesIn) fail(ctx, 'exactly one of scales and sizes must be given');
  }
  let scales: number[], out: number[];
  if (sizesIn) {
    const sizes = per(sizesIn, 'sizes', 0);
    const policy = ctx.opset >= 18 ? a.choice('keep_aspect_ratio_policy', ['stretch', 'not_larger', 'not_smaller'], 'stretch') : 'stretch';
    x.shape.forEach((n, d) => { if (!axes.includes(d)) sizes[d] = n; });
    if (policy === 'stretch') {
      out = sizes;
      scales = out.map((o, d) => f32(f32(o) / f32(x.shape[d]!)));
    } else {
      const ratios = axes.map((d) => f32(sizes[d]! / x.shape[d]!));
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      scales = x.shape.map((_, d) => (axes.includes(d) ? s : 1));
      out = x.shape.map((n, d) => (axes.includes(d) ? Math.round(f32(s * n)) : n));
    }
  } else {
    scales = per(scalesIn!, 'scales', 1).map(f32);
    if (scales.some((s) => !(s > 0))) fail(ctx, `scales [${scalesIn!.join(', ')}] must be positive`);
    out = x.shape.map((n, d) => Math.floor(f32(scales[d]! * n)));
  }
  out.forEach((o, d) => { if (o < 1) fail(ctx, `axis ${d}: the output extent would be ${o}`); });
  if (!legacy && ctx.opset >= 18 && a.flag('antialias', 0) && mode === 'linear' && scales.some((s) => s < 1)) {
    fail(ctx, 'antialias = 1 with a linear resize that shrinks an axis is not supported');
  }
  const roiStart = x.shape.map(() => 0), roiEnd = x.shape.map(() => 1);
  if (transform === 'tf_crop_and_resize') {
    if (!roi) fail(ctx, 'coordinate_transformation_mode tf_crop_and_resize needs input 1 (roi)');
    if (roi.length !== 2 * axes.length) fail(ctx, `roi has ${roi.length} values; it needs 2 x ${axes.length} (starts, then ends)`);
    axes.forEach((d, i) => { roiStart[d] = roi![i]!; roiEnd[d] = roi![axes.length + i]!; });
  }
  return { x, mode: mode === 'nearest' ? 'nearest' : 'linear', transform, nearest, out, scales, roiStart, roiEnd, extrapolation: legacy ? 0 : a.float('extrapolation_value', 0) };
}

/** x_original of output coordinate `o` (an i32 term) along axis d, as f32. */
function originalCoordinate(p: ResizePlan, d: number, o: Term): Term {
  const x = o.cast('f32'), s = p.scales[d]!, lin = p.x.shape[d]!, lout = p.out[d]!;
  switch (p.transform) {
    case 'half_pixel': return x.add(0.5).div(s).sub(0.5);
    case 'half_pixel_symmetric': {
      const adjustment = f32(lout / f32(s * lin)), offset = f32(f32(lin / 2) * f32(1 - adjustment));
      return x.add(0.5).div(s).sub(0.5).add(offset);
    }
    case 'pytorch_half_pixel': return lout > 1 ? x.add(0.5).div(s).sub(0.5) : lift(0, 'f32');
    case 'asymmetric': return x.div(s);
    case 'tf_half_pixel_for_nn': return x.add(0.5).div(s);
    case 'align_corners': return lout === 1 ? lift(0, 'f32') : x.mul(lin - 1).div(lout - 1);
    case 'tf_crop_and_resize': {
      const start = p.roiStart[d]!, end = p.roiEnd[d]!;
      if (lout === 1) return lift(f32(f32(0.5 * (start + end)) * (lin - 1)), 'f32');
      return x.mul(f32(f32(end - start) * (lin - 1))).div(lout - 1).add(f32(start * (lin - 1)));
    }
  }
}

/** The nearest input index to x_original (f32) along axis d, clamped to the axis. */
function nearestIndex(p: ResizePlan, d: number, xo: Term): Term {
  let r: Term;
  switch (p.nearest) {
    case 'round_prefer_floor': r = ceil(xo.sub(0.5)); break;
    case 'round_prefer_ceil': r = floor(xo.add(0.5)); break;
    case 'floor': r = floor(xo); break;
    case 'ceil': r = ceil(xo); break;
    case 'legacy': r = p.scales[d]! < 1 ? ceil(xo) : floor(xo); break;
  }
  return r.cast('i32').clamp(0, p.x.shape[d]! - 1);
}

/** Whether axis d is resized at all (an axis kept at scale 1 reads its own coordinate). */
const resized = (p: ResizePlan, d: number) => p.out[d] !== p.x.shape[d] || p.scales[d] !== 1 || p.transform === 'tf_crop_and_resize';

function defineResize(ctx: OpContext, p: ResizePlan, X: ReturnType<typeof inputFunc>) {
  const kt = kernelDType(p.x.dtype), isFloat = kt === 'f32' || kt === 'f64';
  const r = p.out.length;
  return compute(ctx.prefix, p.out, (...o) => {
    const xo = o.map((c, d) => (resized(p, d) ? originalCoordinate(p, d, c) : undefined));
    let outside: Term | undefined;
    if (p.transform === 'tf_crop_and_resize') {
      xo.forEach((v, d) => {
        if (!v) return;
        const c = v.lt(0).or(v.gt(p.x.shape[d]! - 1));
        outside = outside ? outside.or(c) : c;
      });
    }
    let value: Term;
    if (p.mode === 'nearest') {
      value = X.at(...o.map((c, d) => (xo[d] ? nearestIndex(p, d, xo[d]!) : c)));
    } else {
      // n-linear: the corners of the cell around x_original, weighted by the fractions per axis.
      const axes = xo.flatMap((v, d) => (v ? [d] : []));
      const cell = axes.map((d) => {
        const n = p.x.shape[d]!;
        const c = xo[d]!.max(0).min(n - 1);
        const lo = floor(c);
        const i0 = lo.cast('i32').clamp(0, n - 1);
        return { d, i0, i1: i0.add(1).min(n - 1), w: c.sub(lo) };
      });
      let acc: Term | undefined;
      for (let corner = 0; corner < 1 << cell.length; corner++) {
        const idx = o.map((c) => c);
        let weight: Term | undefined;
        cell.forEach((k, bit) => {
          const high = (corner >> bit) & 1;
          idx[k.d] = high ? k.i1 : k.i0;
          const w = high ? k.w : lift(1, 'f32').sub(k.w);
          weight = weight ? weight.mul(w) : w;
        });
        const v = X.at(...idx);
        const term = (isFloat ? v : v.cast('f32')).mul(kt === 'f64' ? weight!.cast('f64') : weight!);
        acc = acc ? acc.add(term) : term;
      }
      value = isFloat ? acc! : acc!.cast(kt);
    }
    return outside ? select(outside, lift(p.extrapolation, kt), value) : value;
  }, { axes: axisNames(r) });
}

function resizeEntry(op: 'Resize' | 'Upsample', opsets: readonly [number, number]): OpEntry {
  return {
    op, opsets,
    inferShapes: (ctx) => { const p = resizePlan(ctx); return [{ dtype: p.x.dtype, shape: p.out }]; },
    define: (ctx, inputs) => [defineResize(ctx, resizePlan(ctx), inputFunc(ctx, inputs, 0, 'X'))],
    schedule: (sch, request) => schedulePointwiseOp(sch, request),
  };
}

export const Resize = resizeEntry('Resize', [10, 21]);
export const Upsample = resizeEntry('Upsample', [7, 9]);
