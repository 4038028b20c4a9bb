/**
 * Operators on shapes and views: Shape, Reshape, Flatten, Squeeze, Unsqueeze, Expand, Identity and
 * Dropout (inference). Shape always folds (static shapes); the others fold when their data is
 * constant, so the Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains of exported detectors
 * disappear at compile time. Reshape, Flatten, Squeeze, Unsqueeze, Identity and Dropout alias their
 * input (the model compiler runs no kernel); their definitions are the copies, for when a kernel is
 * needed anyway.
 *
 * Source: ONNX Operators.md and Changelog.md (Shape 1, 13, 15, 19, 21; Reshape 5, 13, 14, 19, 21;
 * Flatten 1, 9, 11, 13, 21; Squeeze and Unsqueeze 1, 11, 13, 21; Expand 8, 13; Identity 1-21;
 * Dropout 7, 10, 12, 13).
 */
import { compute, type Func, type Stage } from '../dsl/func.js';
import { Term, lift, select } from '../dsl/term.js';
import type { ConstTensor, TensorInfo } from '../graph/ir.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { ALL_TYPES, FLOAT_TYPES, broadcastShapes, checkDTypes, constInput, makeConst, normalizeAxis, numel, strides } from './host_tensors.js';
import { axisNames, broadcastAt, inputFunc, kernelShape } from './indexing.js';
import { FOLD_LIMIT } from './elementwise.js';
import { hostReader, hostTensor } from './host_eval.js';
import { schedulePointwiseOp } from './schedule_rules.js';

/** Input 0, the only data input of these operators. */
function data(ctx: OpContext): TensorInfo {
  const x = ctx.inputs[0];
  if (!x) fail(ctx, `${ctx.node.op} needs input 0 (data)`);
  return x;
}

/**
 * out(o) = X at the same row-major position: the copy under another shape. A scalar is held as [1]
 * (ops/indexing.ts kernelShape), so both sides are indexed in their kernel shapes.
 */
export function reshapeCopy(name: string, X: Func, inShape: readonly number[], outShape: readonly number[]): Stage {
  const ins = kernelShape(inShape), outs = kernelShape(outShape);
  const os = strides(outs), is = strides(ins);
  return compute(name, outs, (...o) => {
    let flat: Term = lift(0);
    o.forEach((x, d) => { flat = flat.add(x.mul(os[d]!)); });
    return X.at(...ins.map((n, d) => (n === 1 ? lift(0) : flat.div(is[d]!).mod(n))));
  }, { axes: axisNames(outs.length) });
}

/** The same data under `shape`, folded when the data is constant. */
function foldView(ctx: OpContext, shape: readonly number[]): ConstTensor[] | undefined {
  const c = ctx.consts[0];
  if (!c) return undefined;
  return [{ dtype: c.dtype, shape: [...shape], data: c.data }];
}

/** An operator whose output 0 is its input 0 under the shape `shapeOf` gives. */
function viewEntry(op: string, opsets: readonly [number, number], shapeOf: (ctx: OpContext) => number[]): OpEntry {
  return {
    op, opsets, aliasesInput: true,
    inferShapes: (ctx) => [{ dtype: data(ctx).dtype, shape: shapeOf(ctx) }],
    fold: (ctx) => foldView(ctx, shapeOf(ctx)),
    define: (ctx, inputs) => [reshapeCopy(ctx.prefix, inputFunc(ctx, inputs, 0, 'data'), data(ctx).shape, shapeOf(ctx))],
    schedule: (sch, request) => schedulePointwiseOp(sch, request),
  };
}

// ---------------------------------------------------------------------------------------------------

/**
 * Reshape's output shape: 0 copies the input's extent (unless allowzero, opset 14+), one -1 is
 * inferred from the element count.
 */
function reshapeShape(ctx: OpContext): number[] {
  const a = new Attributes(ctx, ctx.opset >= 14 ? ['allowzero'] : []);
  const x = data(ctx);
  if (ctx.inputs.length !== 2) fail(ctx, 'Reshape takes 2 inputs (data, shape)');
  const spec = constInput(ctx, 1, 'shape');
  if (!spec) fail(ctx, 'input 1 (shape) is required');
  const allowZero = a.flag('allowzero', 0);
  if (allowZero && spec.includes(0) && spec.includes(-1)) fail(ctx, 'with allowzero, the shape cannot hold both 0 and -1');
  const out = spec.map((v, i) => {
    if (v === 0 && !allowZero) {
      if (i >= x.shape.length) fail(ctx, `shape [${spec.join(', ')}] copies dimension ${i} (0), but the input has rank ${x.shape.length}`);
      return x.shape[i]!;
    }
    if (v < -1 || !Number.isInteger(v)) fail(ctx, `shape [${spec.join(', ')}] holds ${v}; extents are non-negative, or -1 (inferred) or 0 (copied)`);
    return v;
  });
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1)) fail(ctx, `shape [${spec.join(', ')}] has more than one -1`);
  const known = out.reduce((p, v) => (v === -1 ? p : p * v), 1);
  if (unknown >= 0) {
    if (known === 0 || numel(x.shape) % known !== 0) fail(ctx, `cannot reshape [${x.shape.join(', ')}] (${numel(x.shape)} elements) to [${spec.join(', ')}]`);
    out[unknown] = numel(x.shape) / known;
  }
  if (numel(out) !== numel(x.shape)) fail(ctx, `cannot reshape [${x.shape.join(', ')}] (${numel(x.shape)} elements) to [${out.join(', ')}] (${numel(out)})`);
  return out;
}

function flattenShape(ctx: OpContext): number[] {
  const a = new Attributes(ctx, ['axis']);
  const x = data(ctx);
  const r = x.shape.length;
  let axis = a.int('axis', 1);
  if (axis < -r || axis > r) fail(ctx, `axis ${axis} is out of range for rank ${r} (it must be in [${-r}, ${r}])`);
  if (axis < 0) axis += r;
  return [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))];
}

/** Axes from the attribute (before `inputFrom`) or from input 1 (from `inputFrom`), if any. */
function axesOf(ctx: OpContext, inputFrom: number): number[] | undefined {
  if (ctx.opset < inputFrom) return new Attributes(ctx, ['axes']).optionalInts('axes')?.slice();
  new Attributes(ctx, []);
  return constInput(ctx, 1, 'axes');
}

function squeezeShape(ctx: OpContext): number[] {
  const x = data(ctx);
  const axes = axesOf(ctx, 13);
  const r = x.shape.length;
  if (!axes) return x.shape.filter((d) => d !== 1);
  const drop = new Set(axes.map((v) => normalizeAxis(ctx, v, r, 'axes entry')));
  if (drop.size !== axes.length) fail(ctx, `axes [${axes.join(', ')}] name an axis twice`);
  for (const d of drop) if (x.shape[d] !== 1) fail(ctx, `axis ${d} has extent ${x.shape[d]}; only axes of extent 1 can be squeezed`);
  return x.shape.filter((_, d) => !drop.has(d));
}

function unsqueezeShape(ctx: OpContext): number[] {
  const x = data(ctx);
  const axes = axesOf(ctx, 13);
  if (!axes) fail(ctx, ctx.opset < 13 ? 'attribute axes is required' : 'input 1 (axes) is required');
  const r = x.shape.length + axes.length;
  const add = new Set(axes.map((v) => normalizeAxis(ctx, v, r, 'axes entry')));
  if (add.size !== axes.length) fail(ctx, `axes [${axes.join(', ')}] name an axis twice`);
  const out: number[] = [];
  let k = 0;
  for (let d = 0; d < r; d++) out.push(add.has(d) ? 1 : x.shape[k++]!);
  return out;
}

function identityShape(ctx: OpContext): number[] {
  new Attributes(ctx, []);
  if (ctx.inputs.length !== 1) fail(ctx, 'Identity takes 1 input');
  return [...data(ctx).shape];
}

export const Reshape = viewEntry('Reshape', [7, 21], reshapeShape);
export const Flatten = viewEntry('Flatten', [7, 21], flattenShape);
export const Squeeze = viewEntry('Squeeze', [7, 21], squeezeShape);
export const Unsqueeze = viewEntry('Unsqueeze', [7, 21], unsqueezeShape);
export const Identity = viewEntry('Identity', [7, 21], identityShape);

// ---------------------------------------------------------------------------------------------------

/**
 * Dropout in inference: output = data, mask (optional) = all true. Training mode with a non-zero
 * ratio (randomness) is refused, as is a training_mode input that is not constant.
 */
function dropoutCheck(ctx: OpContext): TensorInfo {
  new Attributes(ctx, ctx.opset >= 12 ? ['seed'] : ['ratio']);
  const x = data(ctx);
  checkDTypes(ctx, FLOAT_TYPES, [0]);
  if (ctx.opset < 12 && ctx.inputs.length !== 1) fail(ctx, `Dropout before opset 12 takes 1 input, got ${ctx.inputs.length}`);
  if (ctx.inputs.length > 3) fail(ctx, `Dropout takes at most 3 inputs, got ${ctx.inputs.length}`);
  if (ctx.inputs[2]) {
    const training = constInput(ctx, 2, 'training_mode')!;
    const ratio = ctx.inputs[1] ? constInput(ctx, 1, 'ratio')![0]! : 0.5;
    if (training[0] && ratio !== 0) fail(ctx, `training_mode is true with ratio ${ratio}: random dropout is not supported (inference only)`);
  }
  return x;
}

export const Dropout: OpEntry = {
  op: 'Dropout', opsets: [7, 21], aliasesInput: true,
  inferShapes(ctx) {
    const x = dropoutCheck(ctx);
    const outs: TensorInfo[] = [{ dtype: x.dtype, shape: [...x.shape] }];
    if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') outs.push({ dtype: ctx.opset >= 10 ? 'bool' : x.dtype, shape: [...x.shape] });
    return outs;
  },
  fold(ctx) {
    const [y, mask] = Dropout.inferShapes(ctx);
    const c = ctx.consts[0];
    if (!c) return undefined;
    const out: ConstTensor[] = [{ dtype: c.dtype, shape: [...y!.shape], data: c.data }];
    if (mask) out.push(makeConst(mask.dtype, mask.shape, new Array<number>(numel(mask.shape)).fill(1)));
    return out;
  },
  define(ctx, inputs) {
    const [y, mask] = Dropout.inferShapes(ctx);
    const stages = [reshapeCopy(ctx.prefix, inputFunc(ctx, inputs, 0, 'data'), y!.shape, y!.shape)];
    if (mask) stages.push(compute(`${ctx.prefix}_mask`, kernelShape(mask.shape), () => lift(1, mask.dtype === 'bool' ? 'u8' : stages[0]!.dtype), { axes: axisNames(kernelShape(mask.shape).length) }));
    return stages;
  },
  schedule: (sch, request) => schedulePointwiseOp(sch, request),
};

// ---------------------------------------------------------------------------------------------------

/** Shape: the input's shape as int64, sliced by start/end (opset 15+: negative counts from the end, clamped). */
function shapeSlice(ctx: OpContext): number[] {
  const a = new Attributes(ctx, ctx.opset >= 15 ? ['start', 'end'] : []);
  const x = data(ctx);
  if (ctx.inputs.length !== 1) fail(ctx, 'Shape takes 1 input');
  const r = x.shape.length;
  const clampAxis = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
  const start = clampAxis(a.int('start', 0)), end = clampAxis(a.int('end', r));
  return x.shape.slice(start, Math.max(start, end));
}

/** Values as a stage: out(i) = values[i], a select chain over the index. */
export function constantStage(name: string, dtype: Stage['dtype'], values: readonly number[]): Stage {
  return compute(name, [Math.max(1, values.length)], (i) => {
    let v: Term = lift(values.at(-1) ?? 0, dtype);
    for (let k = values.length - 2; k >= 0; k--) v = select(i.eq(k), lift(values[k]!, dtype), v);
    return v;
  }, { axes: ['d0'] });
}

export const Shape: OpEntry = {
  op: 'Shape', opsets: [7, 21],
  inferShapes: (ctx) => [{ dtype: 'i64', shape: [shapeSlice(ctx).length] }],
  fold: (ctx) => { const s = shapeSlice(ctx); return [makeConst('i64', [s.length], s)]; },
  define(ctx) {
    const s = shapeSlice(ctx);
    if (s.length === 0) fail(ctx, 'the shape slice is empty; an empty tensor has no kernel (it folds)');
    return [constantStage(ctx.prefix, 'i32', s)];
  },
  schedule: (sch, request) => schedulePointwiseOp(sch, request),
};

// ---------------------------------------------------------------------------------------------------

/** Expand: data broadcast (numpy, multidirectional) with the constant shape input. */
function expandShape(ctx: OpContext): number[] {
  new Attributes(ctx, []);
  const x = data(ctx);
  checkDTypes(ctx, ALL_TYPES, [0]);
  if (ctx.inputs.length !== 2) fail(ctx, 'Expand takes 2 inputs (input, shape)');
  const shape = constInput(ctx, 1, 'shape')!;
  return broadcastShapes(ctx, [x.shape, shape]);
}

export const Expand: OpEntry = {
  op: 'Expand', opsets: [8, 21],
  inferShapes: (ctx) => [{ dtype: data(ctx).dtype, shape: expandShape(ctx) }],
  fold(ctx) {
    const out = expandShape(ctx), c = ctx.consts[0];
    if (!c || numel(out) > FOLD_LIMIT) return undefined;
    const read = hostReader(c), lead = out.length - c.shape.length;
    return [hostTensor(c.dtype, out, (o) => read(c.shape.map((n, d) => (n === 1 ? 0 : o[lead + d]!))))];
  },
  define(ctx, inputs) {
    const out = expandShape(ctx), x = data(ctx);
    const f = inputFunc(ctx, inputs, 0, 'input');
    return [compute(ctx.prefix, kernelShape(out), (...o) => broadcastAt(f, x.shape, o), { axes: axisNames(kernelShape(out).length) })];
  },
  schedule: (sch, request) => schedulePointwiseOp(sch, request),
};

