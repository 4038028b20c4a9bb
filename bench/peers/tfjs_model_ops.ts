/**
 * The ONNX operators the TensorFlow.js model peer converts (bench/peers/tfjs_model.ts), one entry per
 * op: each turns a node into a step of tfjs-core calls, choosing the layout its output is stored in
 * (bench/peers/tfjs_layout.ts). Convolutions and pooling run NHWC, the layout XNNPACK computes in;
 * Conv and Gemm absorb a following Relu / Clip(0, 6) / Clip(0, inf) / Sigmoid / LeakyRelu into
 * tf.fused.conv2d, tf.fused.depthwiseConv2d or tf.fused.matMul, as tfjs-converter's fused kernels do.
 * Semantics follow the ONNX operator specification (Operators.md) at the model's opset; what tfjs
 * cannot express is a TfjsConvertError naming the node.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConstTensor, GraphNode, TensorInfo } from '../../graph/ir.js';
import { Attributes } from '../../ops/attributes.js';
import { windowGeometry, type WindowGeometry } from '../../ops/conv_params.js';
import type { OpContext } from '../../ops/op.js';
import { NHWC, identityLayout, permuteData, storedAxis, type Layout } from './tfjs_layout.js';

/** A node the peer cannot convert, or converts only in part: names the node, its op and opset. */
export class TfjsConvertError extends Error {
  override name = 'TfjsConvertError';
  constructor(readonly node: string, readonly op: string, readonly opset: number, readonly reason: string) {
    super(`tfjs peer: node ${node} (${op}, opset ${opset}): ${reason}`);
  }
}

/** The tensors computed so far in one inference, by ONNX name, each in its stored layout. */
export type Env = ReadonlyMap<string, tf.Tensor>;
/** An operand at run time: a computed tensor converted to the reader's layout, or a resident constant. */
export type Operand = (env: Env) => tf.Tensor;

/** What a converter sees of the node it converts, at build time. */
export interface BuildContext {
  readonly node: GraphNode;
  readonly opset: number;
  /** The node's attributes (already checked against its operator's definition by shape inference). */
  readonly attrs: Attributes;
  /** The node as Tessera's operator entries see it (for the shared window geometry). */
  readonly opContext: OpContext;
  /** The ONNX type (dtype, static shape) of tensor `name`. */
  type(name: string): TensorInfo;
  /** Whether input `i` is given ('' marks an omitted optional input). */
  has(i: number): boolean;
  /** Input `i`'s value when it is known at build time (an initializer or a folded tensor). */
  constant(i: number): ConstTensor | undefined;
  /** The value of tensor `name` when it is known at build time. */
  constantNamed(name: string): ConstTensor | undefined;
  /** The stored layout of input `i`, computed at run time. @throws TfjsConvertError for a constant input */
  layoutOf(i: number): Layout;
  /**
   * Input `i` stored in `layout` (rank layout.length; an input of lower rank is first broadcast by
   * prepending size-1 axes): a computed tensor converted at run time, or a constant permuted now and
   * kept resident. @throws TfjsConvertError for an omitted input, or one of higher rank
   */
  input(i: number, layout: Layout): Operand;
  /** A tensor built now and kept until the model is disposed (weights in the layout tfjs reads). */
  resident(data: Float32Array, shape: readonly number[]): tf.Tensor;
  /** The only node that reads output 0, when output 0 is no graph output and the other outputs are unused. */
  soleReader(): GraphNode | undefined;
  /** Marks `reader` as computed by this node's step: the step yields the reader's output instead. */
  absorb(reader: GraphNode): void;
  /** A TfjsConvertError naming this node. */
  error(reason: string): TfjsConvertError;
}

/** A converted node: run yields one tensor per entry of `outputs`, in that entry's stored layout. */
export interface Step {
  readonly outputs: readonly { readonly name: string; readonly layout: Layout }[];
  readonly run: (env: Env) => tf.Tensor[];
}

export type Converter = (ctx: BuildContext) => Step;

/** A constant's values as f32 (the peer computes in f32; integer constants are read as numbers). */
export function f32Data(c: ConstTensor): Float32Array {
  return c.data instanceof Float32Array ? c.data : Float32Array.from(c.data as ArrayLike<number | bigint>, Number);
}

const F32_MAX = 3.4028234663852886e38;

/** An operand that is always the same resident tensor. */
const always = (t: tf.Tensor): Operand => () => t;

const numbers = (c: ConstTensor): number[] => Array.from(c.data as ArrayLike<number | bigint>, Number);

/** One output in one layout. */
const single = (name: string, layout: Layout, run: (env: Env) => tf.Tensor): Step => ({ outputs: [{ name, layout }], run: (env) => [run(env)] });

/** The layout an elementwise node computes in: the first computed input of full rank keeps its own. */
function elementwiseLayout(ctx: BuildContext, rank: number): Layout {
  const computed = ctx.node.inputs.map((_, i) => i).filter((i) => ctx.has(i) && !ctx.constant(i));
  const full = computed.find((i) => ctx.layoutOf(i).length === rank);
  if (full !== undefined) return ctx.layoutOf(full);
  return identityLayout(rank);
}

function unary(f: (x: tf.Tensor) => tf.Tensor): Converter {
  return (ctx) => {
    const layout = ctx.layoutOf(0);
    const x = ctx.input(0, layout);
    return single(ctx.node.outputs[0]!, layout, (env) => f(x(env)));
  };
}

/** Add, Sub, Mul, Div: numpy broadcasting, as tfjs's binary ops do, in the inputs' shared layout. */
function binary(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Converter {
  return (ctx) => {
    const out = ctx.node.outputs[0]!;
    const layout = elementwiseLayout(ctx, ctx.type(out).shape.length);
    const a = ctx.input(0, layout), b = ctx.input(1, layout);
    return single(out, layout, (env) => f(a(env), b(env)));
  };
}

/** Clip's bounds: attributes before opset 11 (default: the f32 range), optional inputs from 11 on. */
function clipBounds(node: GraphNode, opset: number, constantNamed: (name: string) => ConstTensor | undefined): { min: number | string; max: number | string } {
  const attr = (name: string, fallback: number) => { const a = node.attrs[name]; return a?.type === 'float' ? a.value : fallback; };
  if (opset < 11) return { min: attr('min', -F32_MAX), max: attr('max', F32_MAX) };
  const bound = (i: number, fallback: number): number | string => {
    const name = node.inputs[i];
    if (!name) return fallback;
    const c = constantNamed(name);
    return c ? Number(c.data[0]) : name;
  };
  return { min: bound(1, -Infinity), max: bound(2, Infinity) };
}

type FusedActivation = { activation: 'relu' | 'relu6' | 'sigmoid' | 'leakyrelu'; leakyreluAlpha?: number };

/** The activations tfjs's fused kernels apply, by the ONNX op that computes them; undefined: not fusable. */
const FUSABLE: Record<string, (reader: GraphNode, opset: number, ctx: BuildContext) => FusedActivation | undefined> = {
  Relu: () => ({ activation: 'relu' }),
  Sigmoid: () => ({ activation: 'sigmoid' }),
  LeakyRelu: (r) => ({ activation: 'leakyrelu', leakyreluAlpha: r.attrs.alpha?.type === 'float' ? r.attrs.alpha.value : 0.01 }),
  Clip: (r, opset, ctx) => {
    const { min, max } = clipBounds(r, opset, ctx.constantNamed);
    if (min !== 0) return undefined;
    if (max === 6) return { activation: 'relu6' };
    return typeof max === 'number' && max >= F32_MAX ? { activation: 'relu' } : undefined;
  },
};

/** The activation this node can absorb (absorbing it), or none. */
function absorbActivation(ctx: BuildContext): { fused?: FusedActivation; output: string } {
  const reader = ctx.soleReader();
  const fused = reader && reader.domain === '' ? FUSABLE[reader.op]?.(reader, ctx.opset, ctx) : undefined;
  if (!reader || !fused || ctx.type(reader.outputs[0]!).dtype !== 'f32') return { output: ctx.node.outputs[0]! };
  ctx.absorb(reader);
  return { fused, output: reader.outputs[0]! };
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];
/** tfjs's explicit padding of an NHWC tensor from a 2-D window geometry. */
const explicitPads = (g: WindowGeometry, padsEnd = g.padsEnd): Pad4 => [[0, 0], [g.padsBegin[0]!, padsEnd[0]!], [g.padsBegin[1]!, padsEnd[1]!], [0, 0]];

function require2d(ctx: BuildContext, what: string): void {
  const rank = ctx.type(ctx.node.inputs[0]!).shape.length;
  if (rank !== 4) throw ctx.error(`only 2-D ${what} is converted (NCHW input of rank 4); this input has rank ${rank}`);
}

/**
 * Conv (ONNX Conv-1/11): weights OIHW [M, C/group, kh, kw] as a constant, optional bias [M]; group 1
 * as tf.fused.conv2d with HWIO weights, group C (depthwise, channel multiplier M/C) as
 * tf.fused.depthwiseConv2d with [kh, kw, C, M/C] weights, other groups as one conv per group on a
 * channel split, concatenated. tfjs refuses strides and dilations both above 1: that case runs at
 * stride 1 and keeps every stride-th output (the same outputs, more work).
 */
const conv: Converter = (ctx) => {
  require2d(ctx, 'convolution');
  const { node } = ctx;
  const x = ctx.type(node.inputs[0]!);
  const w = ctx.constant(1);
  if (!w) throw ctx.error('the weights are computed at run time; the peer converts constant weights only');
  if (ctx.has(2) && !ctx.constant(2)) throw ctx.error('the bias is computed at run time; the peer converts a constant bias only');
  const [M, Cg, kh, kw] = w.shape as [number, number, number, number];
  const C = x.shape[1]!, group = ctx.attrs.int('group', 1);
  const g = windowGeometry(ctx.opContext, ctx.attrs, x.shape.slice(2), [kh, kw]);
  const pad = explicitPads(g);
  const strides = g.strides as [number, number], dilations = g.dilations as [number, number];
  const subsample = strides.some((s) => s > 1) && dilations.some((d) => d > 1);
  const convStrides: [number, number] = subsample ? [1, 1] : strides;
  const { fused, output } = absorbActivation(ctx);
  const wData = f32Data(w), bData = ctx.has(2) ? f32Data(ctx.constant(2)!) : undefined;
  const activation = fused?.activation ?? 'linear', leakyreluAlpha = fused?.leakyreluAlpha;

  let compute: (x: tf.Tensor4D) => tf.Tensor4D;
  if (group === 1 || (group === C && Cg === 1)) {
    const depthwise = group !== 1;
    const filter = depthwise
      ? ctx.resident(permuteData(wData, [C, M / C, kh, kw], [2, 3, 0, 1]), [kh, kw, C, M / C]) as tf.Tensor4D
      : ctx.resident(permuteData(wData, w.shape, [2, 3, 1, 0]), [kh, kw, Cg, M]) as tf.Tensor4D;
    const bias = bData ? ctx.resident(bData, [M]) : undefined;
    compute = depthwise
      // tfjs declares only 'same' | 'valid' | number here, but its kernel reads explicit pads as conv2d does.
      ? (t) => tf.fused.depthwiseConv2d({ x: t, filter, strides: convStrides, pad: pad as unknown as number, dilations, bias, activation, leakyreluAlpha })
      : (t) => tf.fused.conv2d({ x: t, filter, strides: convStrides, pad, dilations, bias, activation, leakyreluAlpha });
  } else {
    const Mg = M / group, per = Cg * kh * kw;
    const parts = Array.from({ length: group }, (_, j) => ({
      filter: ctx.resident(permuteData(wData.subarray(j * Mg * per, (j + 1) * Mg * per), [Mg, Cg, kh, kw], [2, 3, 1, 0]), [kh, kw, Cg, Mg]) as tf.Tensor4D,
      bias: bData ? ctx.resident(bData.subarray(j * Mg, (j + 1) * Mg), [Mg]) : undefined,
    }));
    compute = (t) => {
      const xs = tf.split(t, group, 3) as tf.Tensor4D[];
      return tf.concat4d(parts.map((p, j) => tf.fused.conv2d({ x: xs[j]!, filter: p.filter, strides: convStrides, pad, dilations, bias: p.bias, activation, leakyreluAlpha })), 3);
    };
  }
  const input = ctx.input(0, NHWC);
  return single(output, NHWC, (env) => {
    const y = compute(input(env) as tf.Tensor4D);
    return subsample ? tf.stridedSlice(y, [0, 0, 0, 0], y.shape, [1, strides[0], strides[1], 1]) : y;
  });
};

/**
 * MaxPool (ONNX MaxPool-1/8/10/11/12): 2-D windows, explicit or auto_pad pads; ceil_mode as extra end
 * padding up to the last window (which never starts in the end padding). tf.maxPool has no
 * dilations and no Indices output: either is a TfjsConvertError.
 */
const maxPool: Converter = (ctx) => {
  require2d(ctx, 'pooling');
  const { node } = ctx;
  if (node.outputs[1]) throw ctx.error('the Indices output is not converted (tf.maxPool has none)');
  const x = ctx.type(node.inputs[0]!);
  const g = windowGeometry(ctx.opContext, ctx.attrs, x.shape.slice(2), undefined, { ceilMode: ctx.opset >= 10 && ctx.attrs.flag('ceil_mode', 0), dilations: ctx.opset >= 10 });
  if (g.dilations.some((d) => d !== 1)) throw ctx.error(`dilations [${g.dilations.join(', ')}] are not converted (tf.maxPool has no dilations)`);
  const padsEnd = g.output.map((out, i) => Math.max(g.padsEnd[i]!, (out - 1) * g.strides[i]! + g.kernel[i]! - g.input[i]! - g.padsBegin[i]!));
  const pad = explicitPads(g, padsEnd);
  const input = ctx.input(0, NHWC);
  return single(node.outputs[0]!, NHWC, (env) => tf.maxPool(input(env) as tf.Tensor4D, g.kernel as [number, number], g.strides as [number, number], pad));
};

/** GlobalAveragePool: the mean over every spatial axis (ONNX axes 2...), in the input's layout. */
const globalAveragePool: Converter = (ctx) => {
  const layout = ctx.layoutOf(0);
  const axes = layout.map((_, i) => i).filter((i) => layout[i]! >= 2);
  const input = ctx.input(0, layout);
  return single(ctx.node.outputs[0]!, layout, (env) => tf.mean(input(env), axes, true));
};

/**
 * Softmax (ONNX Softmax-1/11/13): from opset 13 over `axis` (default -1); before, over the input
 * coerced to 2-D at `axis` (default 1), i.e. jointly over axes axis..rank-1. Size-1 axes do not
 * change the result, so the axes that matter are moved last (no data moves when they are last
 * already, as for NHWC channels) and tf.softmax normalises the flattened trailing block.
 */
const softmax: Converter = (ctx) => {
  const { node } = ctx;
  const shape = ctx.type(node.inputs[0]!).shape, rank = shape.length;
  const given = ctx.attrs.int('axis', ctx.opset >= 13 ? -1 : 1);
  if (given < -rank || given >= rank) throw ctx.error(`axis ${given} is out of range for rank ${rank}`);
  const axis = given < 0 ? given + rank : given;
  const over = ctx.opset >= 13 ? [axis] : shape.map((_, i) => i).filter((i) => i >= axis);
  const big = over.filter((a) => shape[a]! > 1);
  const normalised = big.length ? big : [over[over.length - 1]!];
  const from = ctx.layoutOf(0);
  const kept = from.filter((a) => !normalised.includes(a));
  const layout = [...kept, ...normalised];
  const input = ctx.input(0, layout);
  const stored = layout.map((a) => shape[a]!);
  const block = normalised.reduce((n, a) => n * shape[a]!, 1);
  const flat = [...kept.map((a) => shape[a]!), block];
  return single(node.outputs[0]!, layout, (env) => {
    const t = input(env);
    return normalised.length === 1 ? tf.softmax(t) : tf.reshape(tf.softmax(tf.reshape(t, flat)), stored);
  });
};

/** Concat: along `axis` in the first computed input's layout (constants are permuted to it). */
const concat: Converter = (ctx) => {
  const { node } = ctx;
  const rank = ctx.type(node.outputs[0]!).shape.length;
  const given = ctx.attrs.int('axis');
  if (given < -rank || given >= rank) throw ctx.error(`axis ${given} is out of range for rank ${rank}`);
  const layout = elementwiseLayout(ctx, rank);
  const parts = node.inputs.map((_, i) => i).filter((i) => ctx.has(i) && ctx.type(node.inputs[i]!).shape.every((d) => d > 0)).map((i) => ctx.input(i, layout));
  const axis = storedAxis(layout, given < 0 ? given + rank : given);
  return single(node.outputs[0]!, layout, (env) => tf.concat(parts.map((p) => p(env)), axis));
};

/** Reshape, Flatten: to the output's inferred static shape, from the input in ONNX (identity) order. */
const reshapeToOutputType: Converter = (ctx) => {
  const rank = ctx.type(ctx.node.inputs[0]!).shape.length;
  const input = ctx.input(0, identityLayout(rank));
  const out = ctx.node.outputs[0]!, shape = [...ctx.type(out).shape];
  return single(out, identityLayout(shape.length), (env) => tf.reshape(input(env), shape));
};

/** Transpose: no data moves; the output is the input stored as it is, in the layout that says so. */
const transpose: Converter = (ctx) => {
  const from = ctx.layoutOf(0);
  const perm = ctx.attrs.optionalInts('perm') ?? from.map((_, i) => from.length - 1 - i);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const input = ctx.input(0, from);
  return single(ctx.node.outputs[0]!, from.map((a) => inverse[a]!), (env) => input(env));
};

/**
 * Slice (ONNX Slice-1/10/11/13): starts, ends, axes, steps as attributes (before 10) or constant
 * inputs, negative values counted from the end and clamped as the spec says; tf.slice for unit
 * steps, tf.stridedSlice otherwise, along the stored axes in the input's layout.
 */
const slice: Converter = (ctx) => {
  const { node } = ctx;
  const shape = ctx.type(node.inputs[0]!).shape, rank = shape.length;
  const listed = (attr: string, i: number): number[] | undefined => {
    if (ctx.opset < 10) { const v = ctx.attrs.optionalInts(attr); return v ? [...v] : undefined; }
    if (!ctx.has(i)) return undefined;
    const c = ctx.constant(i);
    if (!c) throw ctx.error(`input ${i} (${attr}) is computed at run time; the peer converts constant slice bounds only`);
    return numbers(c);
  };
  const starts = listed('starts', 1), ends = listed('ends', 2);
  if (!starts || !ends) throw ctx.error('starts and ends are required');
  const axes = listed('axes', 3) ?? starts.map((_, i) => i);
  const steps = listed('steps', 4) ?? starts.map(() => 1);
  const layout = ctx.layoutOf(0);
  const begin = layout.map(() => 0), end = layout.map((a) => shape[a]!), stride = layout.map(() => 1);
  let endMask = 0;
  axes.forEach((given, k) => {
    const a = given < 0 ? given + rank : given, d = shape[a]!, step = steps[k]!;
    if (step === 0) throw ctx.error('a step of 0 is not allowed');
    let s = starts[k]!, e = ends[k]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    const j = storedAxis(layout, a);
    if (step > 0) { s = Math.min(Math.max(s, 0), d); e = Math.min(Math.max(e, 0), d); }
    else { s = Math.min(Math.max(s, 0), d - 1); e = Math.min(Math.max(e, -1), d - 1); if (e === -1) endMask |= 1 << j; }
    begin[j] = s; end[j] = e; stride[j] = step;
  });
  const input = ctx.input(0, layout);
  const unit = stride.every((s) => s === 1);
  const size = begin.map((b, j) => Math.max(0, end[j]! - b));
  return single(node.outputs[0]!, layout, (env) => (unit ? tf.slice(input(env), begin, size) : tf.stridedSlice(input(env), begin, end, stride, 0, endMask)));
};

/**
 * Gemm (ONNX Gemm-1/6/7/9/11/13): Y = alpha * A' B' + beta * C, A' and B' transposed as transA and
 * transB say. A constant B is transposed and scaled by alpha now; a C that broadcasts along rows
 * (shape [N], [1, N] or a scalar) is the fused bias, so a following activation fuses too; any other C
 * is added after. tf.fused.matMul is called without its transpose flags: tfjs-backend-wasm 4.22
 * computes wrong results with either flag set (checked against plain loops), so a transposed
 * operand computed at run time is transposed first.
 */
const gemm: Converter = (ctx) => {
  const { node } = ctx;
  const alpha = ctx.attrs.float('alpha', 1), beta = ctx.attrs.float('beta', 1);
  const transA = ctx.attrs.int('transA', 0) === 1, transB = ctx.attrs.int('transB', 0) === 1;
  const N = ctx.type(node.outputs[0]!).shape[1]!;
  const aIn = ctx.input(0, identityLayout(2));
  const a: Operand = transA ? (env) => tf.transpose(aIn(env)) : aIn;
  const bConst = ctx.constant(1);
  let b: Operand;
  if (bConst) {
    const [r, c] = bConst.shape as [number, number];
    const data = transB ? permuteData(f32Data(bConst), [r, c], [1, 0]) : f32Data(bConst);
    b = always(ctx.resident(data.map((v) => v * alpha), transB ? [c, r] : [r, c]));
  } else {
    const bIn = ctx.input(1, identityLayout(2));
    b = transB ? (env) => tf.transpose(bIn(env)) : bIn;
  }
  const scaleAfter = !bConst && alpha !== 1 ? alpha : undefined;
  const cConst = ctx.has(2) ? ctx.constant(2) : undefined;
  const rowBias = cConst !== undefined && cConst.shape.every((d, i) => d === 1 || (i === cConst.shape.length - 1 && d === N)) && scaleAfter === undefined;
  let bias: tf.Tensor | undefined;
  let addAfter: Operand | undefined;
  if (rowBias) {
    const c = f32Data(cConst!);
    bias = ctx.resident(c.length === N ? c.map((v) => v * beta) : new Float32Array(N).fill(c[0]! * beta), [N]);
  } else if (ctx.has(2)) {
    const c = ctx.input(2, identityLayout(2));
    addAfter = beta === 1 ? c : (env) => tf.mul(c(env), beta);
  }
  const { fused, output } = addAfter || scaleAfter !== undefined ? { fused: undefined, output: node.outputs[0]! } : absorbActivation(ctx);
  return single(output, identityLayout(2), (env) => {
    let y = tf.fused.matMul({ a: a(env), b: b(env), bias, activation: fused?.activation ?? 'linear', leakyreluAlpha: fused?.leakyreluAlpha });
    if (scaleAfter !== undefined) y = tf.mul(y, scaleAfter);
    return addAfter ? tf.add(y, addAfter(env)) : y;
  });
};

/**
 * MatMul (ONNX MatMul-1/9/13, numpy matmul): 1-D operands get a size-1 axis added and removed, batch
 * axes broadcast (explicitly, as tf.matMul broadcasts only whole batches of 1).
 */
const matMul: Converter = (ctx) => {
  const { node } = ctx;
  const sa = ctx.type(node.inputs[0]!).shape, sb = ctx.type(node.inputs[1]!).shape;
  const a = ctx.input(0, identityLayout(sa.length)), b = ctx.input(1, identityLayout(sb.length));
  const a2 = sa.length === 1 ? [1, sa[0]!] : [...sa], b2 = sb.length === 1 ? [sb[0]!, 1] : [...sb];
  const rank = Math.max(a2.length, b2.length);
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const pa = pad(a2), pb = pad(b2);
  const batch = pa.slice(0, -2).map((d, i) => Math.max(d, pb[i]!));
  const fullA = [...batch, ...pa.slice(-2)], fullB = [...batch, ...pb.slice(-2)];
  const out = node.outputs[0]!, outShape = [...ctx.type(out).shape];
  const same = (x: number[], y: number[]) => x.length === y.length && x.every((d, i) => d === y[i]);
  return single(out, identityLayout(outShape.length), (env) => {
    let x = tf.reshape(a(env), pa), y = tf.reshape(b(env), pb);
    if (!same(pa, fullA)) x = tf.broadcastTo(x, fullA);
    if (!same(pb, fullB)) y = tf.broadcastTo(y, fullB);
    return tf.reshape(tf.matMul(x, y), outShape);
  });
};

/**
 * BatchNormalization in inference mode (ONNX BatchNormalization-1/6/7/9/14/15), when not folded into
 * a Conv: y = x * s + (B - mean * s), s = scale / sqrt(var + epsilon), per channel (ONNX axis 1),
 * with s and the shift computed now. Training mode, spatial 0 and the running-statistics outputs are
 * TfjsConvertErrors.
 */
const batchNormalization: Converter = (ctx) => {
  const { node } = ctx;
  if (ctx.attrs.int('training_mode', 0) !== 0) throw ctx.error('training_mode 1 is not converted');
  if (ctx.opset < 9 && ctx.attrs.int('spatial', 1) !== 1) throw ctx.error('spatial 0 (statistics per activation) is not converted');
  if (node.outputs.slice(1).some((o) => o)) throw ctx.error('the running mean/variance outputs are not converted');
  const params = [1, 2, 3, 4].map((i) => ctx.constant(i));
  if (params.some((p) => !p)) throw ctx.error('scale, B, mean and var must be constants');
  const [scale, shift, mean, variance] = params.map((p) => f32Data(p!)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const C = scale.length;
  const s = scale.map((v, c) => v / Math.sqrt(variance[c]! + eps)), t = shift.map((v, c) => v - mean[c]! * s[c]!);
  const layout = ctx.layoutOf(0);
  const channelShape = layout.map((a) => (a === 1 ? C : 1));
  const sT = ctx.resident(s, channelShape), tT = ctx.resident(t, channelShape);
  const input = ctx.input(0, layout);
  return single(node.outputs[0]!, layout, (env) => tf.add(tf.mul(input(env), sT), tT));
};

/** Clip: tf.clipByValue for constant bounds, tf.maximum then tf.minimum for bounds computed at run time. */
const clip: Converter = (ctx) => {
  const { node } = ctx;
  const { min, max } = clipBounds(node, ctx.opset, ctx.constantNamed);
  const layout = ctx.layoutOf(0);
  const input = ctx.input(0, layout);
  const bound = (v: number | string, i: number): Operand | number => (typeof v === 'number' ? v : ctx.input(i, layout));
  const lo = bound(min, 1), hi = bound(max, 2);
  return single(node.outputs[0]!, layout, (env) => {
    const x = input(env);
    // tf.clipByValue refuses min > max, where ONNX gives max everywhere: min(max(x, min), max) does too.
    if (typeof lo === 'number' && typeof hi === 'number' && lo <= hi) return tf.clipByValue(x, Math.max(lo, -F32_MAX), Math.min(hi, F32_MAX));
    const low = typeof lo === 'number' ? tf.maximum(x, lo) : tf.maximum(x, lo(env));
    return typeof hi === 'number' ? tf.minimum(low, hi) : tf.minimum(low, hi(env));
  });
};

/** The converters by ONNX op type (domain ai.onnx). */
export const TFJS_CONVERTERS: ReadonlyMap<string, Converter> = new Map<string, Converter>([
  ['Conv', conv],
  ['MaxPool', maxPool],
  ['GlobalAveragePool', globalAveragePool],
  ['Softmax', softmax],
  ['Concat', concat],
  ['Reshape', reshapeToOutputType],
  ['Flatten', reshapeToOutputType],
  ['Transpose', transpose],
  ['Slice', slice],
  ['Gemm', gemm],
  ['MatMul', matMul],
  ['BatchNormalization', batchNormalization],
  ['Clip', clip],
  ['Relu', unary((x) => tf.relu(x))],
  ['Sigmoid', unary((x) => tf.sigmoid(x))],
  ['Exp', unary((x) => tf.exp(x))],
  ['Add', binary((a, b) => tf.add(a, b))],
  ['Sub', binary((a, b) => tf.sub(a, b))],
  ['Mul', binary((a, b) => tf.mul(a, b))],
  ['Div', binary((a, b) => tf.div(a, b))],
]);
