/**
 * Normalizations: BatchNormalization, InstanceNormalization, LayerNormalization and LRN.
 *
 * BatchNormalization in inference (ONNX Operators.md: opsets 7, 9, 14, 15):
 *   Y = (X - mean) / sqrt(var + epsilon) * scale + B = X * s + t,
 *   s = scale / sqrt(var + epsilon), t = B - mean * s   (per channel; per element of X[1:] when
 *   spatial = 0, opsets 7-8).
 * s and t are stages over the channels computed once at root, Y an elementwise stage. Training mode
 * (training_mode = 1, or the running-statistics outputs) is refused.
 */
import { compute, reduceAxis, sum, type Func, type ReduceAxis, type Stage } from '../dsl/func.js';
import { constantExterior } from '../dsl/boundary.js';
import { Term, lift, sqrt, pow } from '../dsl/term.js';
import type { TensorInfo } from '../graph/ir.js';
import type { Schedule } from '../schedule/schedule.js';
import type { OpContext, OpEntry, ScheduleRequest } from './op.js';
import { Attributes, fail } from './attributes.js';
import { FLOAT_TYPES, broadcastShapes, checkDTypes, normalizeAxis } from './host_tensors.js';
import { axisNames, broadcastAt, inputFunc } from './indexing.js';
import { schedulePointwise, schedulePointwiseOp, scheduleReduction, scheduleRootReduction } from './schedule_rules.js';

interface BatchNorm { readonly x: TensorInfo; readonly epsilon: number; readonly params: readonly number[] }

function batchNorm(ctx: OpContext): BatchNorm {
  const names = ['epsilon', 'momentum'];
  if (ctx.opset < 9) names.push('spatial');
  if (ctx.opset >= 14) names.push('training_mode');
  const a = new Attributes(ctx, names);
  if (ctx.opset >= 14 && a.flag('training_mode', 0)) fail(ctx, 'training_mode = 1 is not supported (inference only)');
  if (ctx.node.outputs.slice(1).some((o) => o !== '')) fail(ctx, 'the running mean and variance outputs are training outputs; only Y is supported');
  const [x, ...ps] = ctx.inputs;
  if (!x || ctx.inputs.length !== 5 || ps.some((p) => !p)) fail(ctx, 'BatchNormalization takes 5 inputs (X, scale, B, input_mean, input_var)');
  checkDTypes(ctx, FLOAT_TYPES);
  if (x.shape.length < 2) fail(ctx, `X has rank ${x.shape.length}; it needs [N, C, ...]`);
  const spatial = ctx.opset < 9 ? a.flag('spatial', 1) : true;
  const params = spatial ? [x.shape[1]!] : x.shape.slice(1);
  ps.forEach((p, i) => {
    if (p!.shape.join(',') !== params.join(',')) fail(ctx, `input ${i + 1} has shape [${p!.shape.join(', ')}]; it must be [${params.join(', ')}]`);
  });
  return { x, epsilon: a.float('epsilon', 1e-5), params };
}

export const BatchNormalization: OpEntry = {
  // Not marked elementwise: its per-channel stages need their own schedule, which a fused epilogue
  // would not get (the graph passes fold it into the preceding Conv instead).
  op: 'BatchNormalization', opsets: [7, 21],
  inferShapes: (ctx) => { const b = batchNorm(ctx); return [{ dtype: b.x.dtype, shape: [...b.x.shape] }]; },
  define(ctx, inputs) {
    const b = batchNorm(ctx);
    const [X, scale, bias, mean, variance] = ['X', 'scale', 'B', 'input_mean', 'input_var'].map((w, i) => inputFunc(ctx, inputs, i, w)) as [Func, Func, Func, Func, Func];
    const pa = axisNames(b.params.length);
    const s = compute(`${ctx.prefix}_scale`, b.params, (...c) => scale.at(...c).div(sqrt(variance.at(...c).add(b.epsilon))), { axes: pa });
    const t = compute(`${ctx.prefix}_shift`, b.params, (...c) => bias.at(...c).sub(mean.at(...c).mul(s.at(...c))), { axes: pa });
    const y = compute(ctx.prefix, b.x.shape, (...i) => {
      const c = i.slice(1, 1 + b.params.length);
      return X.at(...i).mul(s.at(...c)).add(t.at(...c));
    }, { axes: axisNames(b.x.shape.length) });
    return [y];
  },
  schedule(sch, request, ctx) {
    schedulePointwiseOp(sch, request);
    for (const name of [`${ctx.prefix}_scale`, `${ctx.prefix}_shift`]) schedulePointwise(sch, sch.state(name).stage, { ...request, threads: 1 });
  },
};

// ---------------------------------------------------------------------------------------------------
// Normalizations over axes: InstanceNormalization, LayerNormalization, LRN

/**
 * Stages of the mean and the reciprocal standard deviation of X over the axes `over` (keepdims
 * form): sum / n, then 1 / sqrt(sum((x - mean)^2) / n + epsilon) — two passes, as the spec writes it.
 */
function moments(prefix: string, X: Func, shape: readonly number[], over: readonly boolean[], epsilon: number): { mean: Stage; invStd: Stage } {
  const keep = shape.map((n, d) => (over[d] ? 1 : n)), names = axisNames(shape.length);
  const count = shape.reduce((p, n, d) => (over[d] ? p * n : p), 1);
  const axes = () => shape.map((n, d) => (over[d] ? reduceAxis(n, `r${d}`) : undefined));
  const at = (rs: (ReduceAxis | undefined)[], o: Term[]) => shape.map((_, d) => rs[d] ?? o[d]!);
  const only = (rs: (ReduceAxis | undefined)[]) => rs.filter((r): r is ReduceAxis => !!r);
  const r1 = axes();
  const total = compute(`${prefix}_sum`, keep, (...o) => sum(X.at(...at(r1, o)), only(r1)), { axes: names });
  const mean = compute(`${prefix}_mean`, keep, (...o) => total.at(...o).div(count), { axes: names });
  const r2 = axes();
  const squares = compute(`${prefix}_sq`, keep, (...o) => {
    const v = X.at(...at(r2, o)).sub(mean.at(...o));
    return sum(v.mul(v), only(r2));
  }, { axes: names });
  const invStd = compute(`${prefix}_invstd`, keep, (...o) => lift(1, squares.dtype).div(sqrt(squares.at(...o).div(count).add(epsilon))), { axes: names });
  return { mean, invStd };
}

/** Schedules the moment stages at root: each reduction vectorized where it can be, the rest pointwise. */
function scheduleMoments(sch: Schedule, request: ScheduleRequest, prefix: string): void {
  const st = (s: string) => sch.state(`${prefix}_${s}`).stage;
  scheduleRootReduction(sch, st('sum'), request);
  if (!sch.isOutput(`${prefix}_mean`)) schedulePointwise(sch, st('mean'), request);
  scheduleRootReduction(sch, st('sq'), request);
  if (!sch.isOutput(`${prefix}_invstd`)) schedulePointwise(sch, st('invstd'), request);
}

/** InstanceNormalization (opsets 1, 6): y = scale[c] * (x - mean[n, c]) / sqrt(var[n, c] + epsilon) + B[c], the moments over the spatial axes. */
function instanceNorm(ctx: OpContext): { x: TensorInfo; epsilon: number } {
  const a = new Attributes(ctx, ['epsilon']);
  const [x, scale, b] = ctx.inputs;
  if (!x || !scale || !b || ctx.inputs.length !== 3) fail(ctx, 'InstanceNormalization takes 3 inputs (input, scale, B)');
  checkDTypes(ctx, FLOAT_TYPES);
  if (x.shape.length < 3) fail(ctx, `input has rank ${x.shape.length}; it needs [N, C, D1, ...]`);
  for (const [i, p] of [[1, scale], [2, b]] as const) if (p.shape.join(',') !== String(x.shape[1])) fail(ctx, `input ${i} has shape [${p.shape.join(', ')}]; it must be [${x.shape[1]}]`);
  return { x, epsilon: a.float('epsilon', 1e-5) };
}

export const InstanceNormalization: OpEntry = {
  op: 'InstanceNormalization', opsets: [6, 21],
  inferShapes: (ctx) => { const p = instanceNorm(ctx); return [{ dtype: p.x.dtype, shape: [...p.x.shape] }]; },
  define(ctx, inputs) {
    const p = instanceNorm(ctx);
    const [X, scale, B] = ['input', 'scale', 'B'].map((w, i) => inputFunc(ctx, inputs, i, w)) as [Func, Func, Func];
    const { mean, invStd } = moments(ctx.prefix, X, p.x.shape, p.x.shape.map((_, d) => d >= 2), p.epsilon);
    const keepAt = (o: Term[]) => o.map((v, d) => (d >= 2 ? lift(0) : v));
    return [compute(ctx.prefix, p.x.shape, (...o) => X.at(...o).sub(mean.at(...keepAt(o))).mul(invStd.at(...keepAt(o))).mul(scale.at(o[1]!)).add(B.at(o[1]!)), { axes: axisNames(p.x.shape.length) })];
  },
  schedule(sch, request, ctx) {
    scheduleMoments(sch, request, ctx.prefix);
    schedulePointwiseOp(sch, request);
  },
};

/**
 * LayerNormalization (opset 17): over the axes axis..rank-1, Y = (X - mean) * invStd * Scale + B
 * (Scale and B broadcast to X[axis:]), with the optional outputs Mean and InvStdDev (keepdims form).
 * Computed in the input's precision (stash_type 1, f32, is the only one).
 */
function layerNorm(ctx: OpContext): { x: TensorInfo; axis: number; epsilon: number } {
  const a = new Attributes(ctx, ['axis', 'epsilon', 'stash_type']);
  const [x, scale, b] = ctx.inputs;
  if (!x || !scale || ctx.inputs.length > 3) fail(ctx, 'LayerNormalization takes 2 or 3 inputs (X, Scale, B)');
  checkDTypes(ctx, FLOAT_TYPES);
  if (a.int('stash_type', 1) !== 1) fail(ctx, `stash_type ${a.int('stash_type', 1)} is not supported; only 1 (float32) is`);
  const axis = normalizeAxis(ctx, a.int('axis', -1), x.shape.length);
  const tail = x.shape.slice(axis);
  for (const [i, p] of [[1, scale], [2, b]] as const) {
    if (!p) continue;
    const bc = broadcastShapes(ctx, [p.shape, tail]);
    if (bc.join(',') !== tail.join(',')) fail(ctx, `input ${i} of shape [${p.shape.join(', ')}] does not broadcast to the normalized shape [${tail.join(', ')}]`);
  }
  return { x, axis, epsilon: a.float('epsilon', 1e-5) };
}

export const LayerNormalization: OpEntry = {
  op: 'LayerNormalization', opsets: [17, 21],
  inferShapes(ctx) {
    const p = layerNorm(ctx);
    const stats = { dtype: p.x.dtype, shape: p.x.shape.map((n, d) => (d >= p.axis ? 1 : n)) };
    return [{ dtype: p.x.dtype, shape: [...p.x.shape] }, ...ctx.node.outputs.slice(1).map(() => stats)];
  },
  define(ctx, inputs) {
    const p = layerNorm(ctx);
    const X = inputFunc(ctx, inputs, 0, 'X'), scale = inputFunc(ctx, inputs, 1, 'Scale');
    const B = ctx.inputs[2] ? inputFunc(ctx, inputs, 2, 'B') : undefined;
    const { mean, invStd } = moments(ctx.prefix, X, p.x.shape, p.x.shape.map((_, d) => d >= p.axis), p.epsilon);
    const keepAt = (o: Term[]) => o.map((v, d) => (d >= p.axis ? lift(0) : v));
    const tail = (o: Term[]) => o.slice(p.axis);
    const y = compute(ctx.prefix, p.x.shape, (...o) => {
      const v = X.at(...o).sub(mean.at(...keepAt(o))).mul(invStd.at(...keepAt(o))).mul(broadcastAt(scale, ctx.inputs[1]!.shape, tail(o)));
      return B ? v.add(broadcastAt(B, ctx.inputs[2]!.shape, tail(o))) : v;
    }, { axes: axisNames(p.x.shape.length) });
    return [y, mean, invStd].slice(0, ctx.node.outputs.length);
  },
  schedule(sch, request, ctx) {
    scheduleMoments(sch, request, ctx.prefix);
    schedulePointwiseOp(sch, request);
  },
};

/**
 * LRN (opsets 1, 13): y = x / (bias + alpha / size * square_sum)^beta, square_sum over the channels
 * c - floor((size - 1) / 2) .. c + ceil((size - 1) / 2) (those outside contribute 0).
 */
function lrn(ctx: OpContext): { x: TensorInfo; alpha: number; beta: number; bias: number; size: number } {
  const a = new Attributes(ctx, ['alpha', 'beta', 'bias', 'size']);
  const x = ctx.inputs[0];
  if (!x || ctx.inputs.length !== 1) fail(ctx, 'LRN takes 1 input');
  checkDTypes(ctx, FLOAT_TYPES);
  if (x.shape.length < 3) fail(ctx, `input has rank ${x.shape.length}; it needs [N, C, D1, ...]`);
  const size = a.int('size');
  if (!Number.isInteger(size) || size < 1) fail(ctx, `size ${size} must be a positive integer`);
  return { x, alpha: a.float('alpha', 1e-4), beta: a.float('beta', 0.75), bias: a.float('bias', 1), size };
}

export const LRN: OpEntry = {
  op: 'LRN', opsets: [1, 21],
  inferShapes: (ctx) => { const p = lrn(ctx); return [{ dtype: p.x.dtype, shape: [...p.x.shape] }]; },
  define(ctx, inputs) {
    const p = lrn(ctx);
    const X = inputFunc(ctx, inputs, 0, 'input');
    const xp = constantExterior(X, 0, `${ctx.prefix}_pad`);
    const r = reduceAxis(p.size, 'rc'), lo = Math.floor((p.size - 1) / 2);
    const names = axisNames(p.x.shape.length);
    const acc = compute(`${ctx.prefix}_acc`, p.x.shape, (n, c, ...s) => {
      const v = xp.at(n, c.sub(lo).add(r), ...s);
      return sum(v.mul(v), r);
    }, { axes: names });
    return [compute(ctx.prefix, p.x.shape, (...o) => X.at(...o).div(pow(acc.at(...o).mul(p.alpha / p.size).add(p.bias), lift(p.beta, acc.dtype))), { axes: names })];
  },
  schedule: (sch, request, ctx) => scheduleReduction(sch, request, `${ctx.prefix}_acc`),
};
