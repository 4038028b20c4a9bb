/**
 * Conv and ConvTranspose (ONNX Operators.md, Conv opsets 1 and 11, ConvTranspose 1 and 11), any
 * number of spatial axes, with groups (depthwise included), strides, dilations, pads and auto_pad.
 *
 * A convolution is defined as
 *   acc(n, m, o...) = sum over c < C/group and r... of X'(n, g * C/group + c, o * s - pad_begin + r * d) * W(m, c, r...)
 *   out(n, m, o...) = acc(n, m, o...) + B(m)           (g = m / (M/group); X' = X with zeros outside)
 * and scheduled by an algorithm of CONV_ALGORITHMS (ops/conv_algorithms.ts) that applies to the
 * layer: the first, or the implementation the node is compiled with (the fastest by its records).
 */
import { compute, reduceAxis, sum, type Func, type ReduceAxis, type Stage } from '../dsl/func.js';
import { constantExterior } from '../dsl/boundary.js';
import { Term, lift, select } from '../dsl/term.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { FLOAT_TYPES, checkDTypes } from './host_tensors.js';
import { inputFunc } from './indexing.js';
import { type WindowGeometry, windowGeometry, readsOutside, spatialAxisNames, spatialInts, AUTO_PADS } from './conv_params.js';
import { chooseConvAlgorithm, convAlgorithms, CONV_ALGORITHMS, type ConvAlgorithm } from './conv_algorithms.js';
import { scheduleReduction } from './schedule_rules.js';

/** A convolution layer: shapes and geometry, all static. */
export interface ConvLayer {
  readonly N: number;
  /** Input channels. */
  readonly C: number;
  /** Output channels. */
  readonly M: number;
  readonly group: number;
  readonly geometry: WindowGeometry;
  readonly bias: boolean;
  /** The stage names: `out` (the op's output), `acc` (the reduction), `padded` (when it reads outside). */
  readonly names: { readonly out: string; readonly acc: string; readonly padded?: string };
}

const CONV_ATTRIBUTES = ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides'];

/**
 * The layer of a Conv node.
 * @throws OpError for missing inputs, bad shapes or dtypes, channel counts that do not divide by group
 */
export function convLayer(ctx: OpContext): ConvLayer {
  const a = new Attributes(ctx, CONV_ATTRIBUTES);
  const [x, w, b] = ctx.inputs;
  if (!x || !w) fail(ctx, 'Conv needs inputs 0 (X) and 1 (W)');
  if (ctx.inputs.length > 3) fail(ctx, `Conv takes at most 3 inputs, got ${ctx.inputs.length}`);
  checkDTypes(ctx, FLOAT_TYPES);
  if (x.shape.length < 3) fail(ctx, `X has rank ${x.shape.length}; Conv needs [N, C, spatial...] (rank 3 or more)`);
  if (w.shape.length !== x.shape.length) fail(ctx, `W has rank ${w.shape.length}, X has rank ${x.shape.length}; they must be equal`);
  const group = a.int('group', 1);
  const [N, C] = x.shape as [number, number], M = w.shape[0]!;
  if (!Number.isInteger(group) || group < 1) fail(ctx, `attribute group = ${group} must be a positive integer`);
  if (C % group !== 0 || M % group !== 0) fail(ctx, `group ${group} must divide the input channels ${C} and the output channels ${M}`);
  if (w.shape[1] !== C / group) fail(ctx, `W has ${w.shape[1]} input channels per group; X has ${C} channels in ${group} group(s), so ${C / group}`);
  if (b && (b.shape.length !== 1 || b.shape[0] !== M)) fail(ctx, `B has shape [${b.shape.join(', ')}]; it must be [${M}]`);
  const geometry = windowGeometry(ctx, a, x.shape.slice(2), w.shape.slice(2));
  const out = ctx.prefix;
  return { N, C, M, group, geometry, bias: !!b, names: { out, acc: `${out}_acc`, padded: readsOutside(geometry) ? `${out}_pad` : undefined } };
}

/** The axes of a conv's output stage: n, k (output channel), then the spatial axes. */
export const convAxes = (rank: number): string[] => ['n', 'k', ...spatialAxisNames(rank)];

/** Defines acc and out of a convolution layer over X, W and (optional) B. */
export function defineConv(layer: ConvLayer, X: Func, W: Func, B: Func | undefined): Stage[] {
  const g = layer.geometry, rank = g.input.length;
  const xp = layer.names.padded ? constantExterior(X, 0, layer.names.padded) : X;
  const perGroupIn = layer.C / layer.group, perGroupOut = layer.M / layer.group;
  const spatial = spatialAxisNames(rank);
  const rc = perGroupIn > 1 ? reduceAxis(perGroupIn, 'rc') : undefined;
  const rs = g.kernel.map((k, i) => (k > 1 ? reduceAxis(k, `r${spatial[i]}`) : undefined));
  const axes: ReduceAxis[] = [rc, ...rs].filter((r): r is ReduceAxis => r !== undefined);
  // A 1x1 depthwise layer has no reduction; it is still a reduction stage (over one element), so
  // every algorithm schedules the same form.
  const unit = axes.length === 0 ? reduceAxis(1, 'rc') : undefined;
  if (unit) axes.push(unit);
  const shape = [layer.N, layer.M, ...g.output];
  const acc = compute(layer.names.acc, shape, (n, m, ...o) => {
    const c: Term = rc ?? lift(0);
    const channel = layer.group === 1 ? c : m.div(perGroupOut).mul(perGroupIn).add(c);
    const taps = o.map((oi, i) => {
      const r = rs[i];
      const base = oi.mul(g.strides[i]!).sub(g.padsBegin[i]!);
      return r ? base.add(r.mul(g.dilations[i]!)) : base;
    });
    const wIdx = rs.map((r) => r ?? lift(0));
    return sum(xp.at(n, channel, ...taps).mul(W.at(m, c, ...wIdx)), axes);
  }, { axes: convAxes(rank) });
  const out = compute(layer.names.out, shape, (n, m, ...o) => (B ? acc.at(n, m, ...o).add(B.at(m)) : acc.at(n, m, ...o)), { axes: convAxes(rank) });
  return [out];
}

/** The algorithm ctx.implementation names, or the layer's first. @throws OpError when it does not compute the layer */
function algorithmOf(ctx: OpContext, l: ConvLayer): ConvAlgorithm {
  try {
    return chooseConvAlgorithm(l, ctx.implementation);
  } catch (e) {
    if (e instanceof RangeError) fail(ctx, e.message);
    throw e;
  }
}

export const Conv: OpEntry = {
  op: 'Conv', opsets: [7, 21],
  inferShapes(ctx) {
    const l = convLayer(ctx);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [l.N, l.M, ...l.geometry.output] }];
  },
  implementations(ctx) {
    const names = convAlgorithms(convLayer(ctx)).map((a) => a.name);
    return names.length > 1 ? names : [];
  },
  approximates: (name) => CONV_ALGORITHMS.find((a) => a.name === name)?.approximate === true,
  define(ctx, inputs) {
    const l = convLayer(ctx);
    const define = algorithmOf(ctx, l).define ?? defineConv;
    return define(l, inputFunc(ctx, inputs, 0, 'X'), inputFunc(ctx, inputs, 1, 'W'), l.bias ? inputFunc(ctx, inputs, 2, 'B') : undefined);
  },
  schedule(sch, request, ctx) {
    const l = convLayer(ctx);
    algorithmOf(ctx, l).schedule(sch, l, request);
  },
};

// ---------------------------------------------------------------------------------------------------
// ConvTranspose

/** A transposed convolution: the gradient of Conv with respect to its input. */
interface ConvTransposeLayer {
  readonly N: number; readonly C: number; readonly M: number; readonly group: number;
  readonly input: readonly number[]; readonly kernel: readonly number[];
  readonly strides: readonly number[]; readonly dilations: readonly number[];
  readonly padsBegin: readonly number[]; readonly output: readonly number[];
  readonly bias: boolean;
}

/**
 * The layer of a ConvTranspose node (ONNX Operators.md, ConvTranspose):
 *   output[i] = s * (in - 1) + output_padding + ((k - 1) * d + 1) - pad_begin - pad_end
 * or, given output_shape (or auto_pad SAME_*: output_shape = in * s), pads from
 *   total = s * (in - 1) + output_padding + ((k - 1) * d + 1) - output_shape,
 *   SAME_UPPER: begin = floor(total / 2); otherwise (SAME_LOWER, NOTSET): begin = total - floor(total / 2)
 * (onnxruntime's and the ONNX reference's reading of the spec).
 */
function convTransposeLayer(ctx: OpContext): ConvTransposeLayer {
  const a = new Attributes(ctx, [...CONV_ATTRIBUTES, 'output_padding', 'output_shape']);
  const [x, w, b] = ctx.inputs;
  if (!x || !w) fail(ctx, 'ConvTranspose needs inputs 0 (X) and 1 (W)');
  if (ctx.inputs.length > 3) fail(ctx, `ConvTranspose takes at most 3 inputs, got ${ctx.inputs.length}`);
  checkDTypes(ctx, FLOAT_TYPES);
  if (x.shape.length < 3 || w.shape.length !== x.shape.length) fail(ctx, `X [${x.shape.join(', ')}] and W [${w.shape.join(', ')}] must have one equal rank of 3 or more`);
  const group = a.int('group', 1);
  const [N, C] = x.shape as [number, number];
  if (!Number.isInteger(group) || group < 1 || C % group !== 0) fail(ctx, `group ${group} must be a positive divisor of the input channels ${C}`);
  if (w.shape[0] !== C) fail(ctx, `W has ${w.shape[0]} input channels; X has ${C}`);
  const M = w.shape[1]! * group;
  if (b && (b.shape.length !== 1 || b.shape[0] !== M)) fail(ctx, `B has shape [${b.shape.join(', ')}]; it must be [${M}]`);
  const input = x.shape.slice(2), rank = input.length;
  const kernel = a.optionalInts('kernel_shape') ?? w.shape.slice(2);
  if (kernel.join(',') !== w.shape.slice(2).join(',')) fail(ctx, `kernel_shape [${kernel.join(', ')}] disagrees with W's spatial shape [${w.shape.slice(2).join(', ')}]`);
  const strides = spatialInts(ctx, a, 'strides', rank, 1), dilations = spatialInts(ctx, a, 'dilations', rank, 1);
  const outputPadding = a.optionalInts('output_padding') ?? new Array<number>(rank).fill(0);
  if (outputPadding.length !== rank) fail(ctx, `attribute output_padding has ${outputPadding.length} values for ${rank} spatial axes`);
  outputPadding.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p >= Math.max(strides[i]!, dilations[i]!)) fail(ctx, `output_padding [${outputPadding.join(', ')}] must be non-negative and below the stride or the dilation`);
  });
  const autoPad = a.choice('auto_pad', AUTO_PADS, 'NOTSET');
  const full = input.map((n, i) => strides[i]! * (n - 1) + outputPadding[i]! + (kernel[i]! - 1) * dilations[i]! + 1);
  let outShape = a.optionalInts('output_shape');
  if (outShape && outShape.length === rank + 2) outShape = outShape.slice(2);
  if (outShape && outShape.length !== rank) fail(ctx, `attribute output_shape has ${outShape.length} values for ${rank} spatial axes`);
  if (!outShape && (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER')) outShape = input.map((n, i) => n * strides[i]!);
  let padsBegin: number[], output: number[];
  if (outShape) {
    const pads = a.optionalInts('pads');
    if (pads?.some((p) => p !== 0)) fail(ctx, `pads [${pads.join(', ')}] and an output shape cannot both be given (the pads follow from the output shape)`);
    output = [...outShape];
    padsBegin = output.map((o, i) => {
      const total = full[i]! - o;
      return autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
    });
  } else {
    const pads = a.optionalInts('pads') ?? new Array<number>(2 * rank).fill(0);
    if (pads.length !== 2 * rank || pads.some((p) => !Number.isInteger(p) || p < 0)) fail(ctx, `attribute pads = [${pads.join(', ')}] must hold 2 x ${rank} non-negative integers`);
    padsBegin = pads.slice(0, rank);
    output = full.map((f, i) => f - pads[i]! - pads[rank + i]!);
  }
  output.forEach((o, i) => { if (o < 1) fail(ctx, `spatial axis ${i}: the output extent would be ${o}`); });
  return { N, C, M, group, input, kernel, strides, dilations, padsBegin, output, bias: !!b };
}

/**
 * out(n, m, o...) = B(m) + sum over c < C/group, r... with o + pad_begin - r * d = i * s, 0 <= i < in,
 * of X(n, g * C/group + c, i...) * W(g * C/group + c, m mod (M/group), r...).
 * Taps whose input position is not a multiple of the stride, or lies outside, contribute 0.
 */
function defineConvTranspose(ctx: OpContext, l: ConvTransposeLayer, X: Func, W: Func, B: Func | undefined): Stage[] {
  const rank = l.input.length, spatial = spatialAxisNames(rank);
  const perGroupIn = l.C / l.group, perGroupOut = l.M / l.group;
  const rc = reduceAxis(perGroupIn, 'rc');
  const rs = l.kernel.map((k, i) => reduceAxis(k, `r${spatial[i]}`));
  const shape = [l.N, l.M, ...l.output];
  const acc = compute(`${ctx.prefix}_acc`, shape, (n, m, ...o) => {
    const channel = l.group === 1 ? rc : m.div(perGroupOut).mul(perGroupIn).add(rc);
    let valid: Term | undefined;
    const idx = o.map((oi, i) => {
      const p = oi.add(l.padsBegin[i]!).sub(rs[i]!.mul(l.dilations[i]!));
      const s = l.strides[i]!;
      const q = s === 1 ? p : p.div(s);
      let ok = p.ge(0).and(q.lt(l.input[i]!));
      if (s > 1) ok = ok.and(p.mod(s).eq(0));
      valid = valid ? valid.and(ok) : ok;
      return q.clamp(0, l.input[i]! - 1);
    });
    const wm = l.group === 1 ? m : m.mod(perGroupOut);
    const v = X.at(n, channel, ...idx).mul(W.at(channel, wm, ...rs));
    return sum(select(valid!, v, lift(0, v.dtype)), [rc, ...rs]);
  }, { axes: convAxes(rank) });
  const out = compute(ctx.prefix, shape, (n, m, ...o) => (B ? acc.at(n, m, ...o).add(B.at(m)) : acc.at(n, m, ...o)), { axes: convAxes(rank) });
  return [out];
}

export const ConvTranspose: OpEntry = {
  op: 'ConvTranspose', opsets: [7, 21],
  inferShapes(ctx) {
    const l = convTransposeLayer(ctx);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: [l.N, l.M, ...l.output] }];
  },
  define(ctx, inputs) {
    const l = convTransposeLayer(ctx);
    return defineConvTranspose(ctx, l, inputFunc(ctx, inputs, 0, 'X'), inputFunc(ctx, inputs, 1, 'W'), l.bias ? inputFunc(ctx, inputs, 2, 'B') : undefined);
  },
  schedule(sch, request, ctx) {
    convTransposeLayer(ctx);
    scheduleReduction(sch, request, `${ctx.prefix}_acc`);
  },
};

