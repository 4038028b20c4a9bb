/**
 * Constants and conversions: Constant, ConstantOfShape, Range, Cast and CastLike.
 *
 * Constant always folds; its value reaches kernels as an initializer, so it has no kernel of its own
 * (define refuses, saying so). ConstantOfShape and Range fold while small and are kernels otherwise.
 * Cast converts with Tessera's cast semantics (ir/dtype.ts convert: floats to integers truncate);
 * a cast to float16 rounds the value to the nearest binary16 (ties to even) in the kernel, since a
 * kernel holds float16 as f32.
 *
 * Source: ONNX Operators.md and Changelog.md (Constant 1, 9, 11, 12, 13, 19, 21; ConstantOfShape 9,
 * 20, 21; Range 11; Cast 6, 9, 13, 19, 21; CastLike 15, 19, 21), TensorProto.DataType in onnx.proto.
 */
import { compute } from '../dsl/func.js';
import { Term, lift, select, abs, round } from '../dsl/term.js';
import { kernelDType, type ConstTensor, type ModelDType, type TensorInfo } from '../graph/ir.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { ALL_TYPES, checkDTypes, constInput, constValues, isFloatType, makeConst, numel, roundToHalf } from './host_tensors.js';
import { axisNames, boolToU8, inputFunc, kernelShape } from './indexing.js';
import { FOLD_LIMIT } from './elementwise.js';
import { schedulePointwiseOp } from './schedule_rules.js';

/** ONNX TensorProto.DataType codes of the element types the library supports. */
const DATA_TYPES: Readonly<Record<number, ModelDType>> = {
  1: 'f32', 2: 'u8', 3: 'i8', 4: 'u16', 5: 'i16', 6: 'i32', 7: 'i64', 9: 'bool', 10: 'f16', 11: 'f64', 12: 'u32', 13: 'u64',
};
const UNSUPPORTED_TYPES: Readonly<Record<number, string>> = {
  0: 'UNDEFINED', 8: 'STRING', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16', 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4',
};

/** The model dtype of a TensorProto.DataType code. @throws OpError for a type the library does not support */
export function dataType(ctx: OpContext, code: number, what: string): ModelDType {
  const t = DATA_TYPES[code];
  if (!t) fail(ctx, `${what} = ${code} (${UNSUPPORTED_TYPES[code] ?? 'unknown'}) is not a supported element type; supported: ${Object.entries(DATA_TYPES).map(([k, v]) => `${k} (${v})`).join(', ')}`);
  return t;
}

// ---------------------------------------------------------------------------------------------------
// Constant

function constantValue(ctx: OpContext): ConstTensor {
  const names = ['value'];
  if (ctx.opset >= 11) names.push('sparse_value');
  if (ctx.opset >= 12) names.push('value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings');
  const a = new Attributes(ctx, names);
  if (ctx.inputs.length) fail(ctx, 'Constant takes no inputs');
  const given = names.filter((n) => a.has(n));
  if (given.length !== 1) fail(ctx, `exactly one of ${names.join(', ')} must be given, got ${given.length ? given.join(', ') : 'none'}`);
  const which = given[0]!;
  switch (which) {
    case 'value': return a.optionalTensor('value')!;
    case 'value_float': return makeConst('f32', [], [a.float('value_float')]);
    case 'value_floats': { const v = a.optionalFloats('value_floats')!; return makeConst('f32', [v.length], v); }
    case 'value_int': return makeConst('i64', [], [a.int('value_int')]);
    case 'value_ints': { const v = a.ints('value_ints'); return makeConst('i64', [v.length], v); }
    default: fail(ctx, `attribute ${which} is not supported (${which === 'sparse_value' ? 'sparse tensors' : 'strings'} have no kernel type)`);
  }
}

export const Constant: OpEntry = {
  op: 'Constant', opsets: [7, 21],
  inferShapes(ctx) { const v = constantValue(ctx); return [{ dtype: v.dtype, shape: [...v.shape] }]; },
  fold: (ctx) => [constantValue(ctx)],
  define(ctx) {
    constantValue(ctx);
    fail(ctx, 'a Constant has no kernel: it always folds, and kernels read its value as an initializer');
  },
  schedule() { /* no stages: define refuses */ },
};

// ---------------------------------------------------------------------------------------------------
// ConstantOfShape

function constantOfShape(ctx: OpContext): { shape: number[]; dtype: ModelDType; value: number } {
  const a = new Attributes(ctx, ['value']);
  const s = ctx.inputs[0];
  if (!s || ctx.inputs.length !== 1) fail(ctx, 'ConstantOfShape takes 1 input (shape)');
  if (s.dtype !== 'i64') fail(ctx, `input 0 (shape) has dtype ${s.dtype}; it must be int64`);
  const shape = constInput(ctx, 0, 'shape')!;
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(ctx, `shape [${shape.join(', ')}] must hold non-negative integers`);
  const v = a.optionalTensor('value');
  if (v && numel(v.shape) !== 1) fail(ctx, `attribute value must hold one element, got shape [${v.shape.join(', ')}]`);
  return { shape, dtype: v?.dtype ?? 'f32', value: v ? constValues(v)[0]! : 0 };
}

export const ConstantOfShape: OpEntry = {
  op: 'ConstantOfShape', opsets: [9, 21],
  inferShapes(ctx) { const c = constantOfShape(ctx); return [{ dtype: c.dtype, shape: c.shape }]; },
  fold(ctx) {
    const c = constantOfShape(ctx);
    return numel(c.shape) > FOLD_LIMIT ? undefined : [makeConst(c.dtype, c.shape, new Array<number>(numel(c.shape)).fill(c.value))];
  },
  define(ctx) {
    const c = constantOfShape(ctx);
    if (numel(c.shape) === 0) fail(ctx, `shape [${c.shape.join(', ')}] is empty: an empty tensor has no kernel (it folds)`);
    const shape = kernelShape(c.shape);
    return [compute(ctx.prefix, shape, () => lift(c.value, kernelDType(c.dtype)), { axes: axisNames(shape.length) })];
  },
  schedule: (sch, request) => schedulePointwiseOp(sch, request),
};

// ---------------------------------------------------------------------------------------------------
// Range

function rangeParams(ctx: OpContext): { start: number; delta: number; n: number; dtype: ModelDType } {
  new Attributes(ctx, []);
  if (ctx.inputs.length !== 3 || ctx.inputs.some((x) => !x)) fail(ctx, 'Range takes 3 inputs (start, limit, delta)');
  checkDTypes(ctx, ['f32', 'f64', 'i16', 'i32', 'i64']);
  const dtype = ctx.inputs[0]!.dtype;
  if (ctx.inputs.some((x) => x!.dtype !== dtype || numel(x!.shape) !== 1)) fail(ctx, 'start, limit and delta must be scalars of one type');
  const [start, limit, delta] = [0, 1, 2].map((i) => constInput(ctx, i, ['start', 'limit', 'delta'][i]!)![0]!) as [number, number, number];
  if (delta === 0) fail(ctx, 'delta is 0');
  return { start, delta, n: Math.max(Math.ceil((limit - start) / delta), 0), dtype };
}

export const Range: OpEntry = {
  op: 'Range', opsets: [11, 21],
  inferShapes(ctx) { const r = rangeParams(ctx); return [{ dtype: r.dtype, shape: [r.n] }]; },
  fold(ctx) {
    const r = rangeParams(ctx);
    return r.n > FOLD_LIMIT ? undefined : [makeConst(r.dtype, [r.n], Array.from({ length: r.n }, (_, i) => r.start + i * r.delta))];
  },
  define(ctx) {
    const r = rangeParams(ctx);
    if (r.n === 0) fail(ctx, 'the range is empty: an empty tensor has no kernel (it folds)');
    const kt = kernelDType(r.dtype);
    return [compute(ctx.prefix, [r.n], (i) => lift(r.start, kt).add(i.cast(kt).mul(r.delta)), { axes: ['d0'] })];
  },
  schedule: (sch, request) => schedulePointwiseOp(sch, request),
};

// ---------------------------------------------------------------------------------------------------
// Cast, CastLike

/**
 * `x` (f32) rounded to the nearest binary16 value, ties to even, as an f32; +-Infinity from 65520 on.
 * The binade's power of two p = 2^floor(log2 |x|) comes from Veltkamp's splitting at 23 bits
 * (|x| rounded to one significant bit is p or 2p), the half's quantum is p * 2^-10 (2^-24 below
 * 2^-14, the subnormals), and round() rounds half to even. Exact for every finite f32.
 * Source: T. J. Dekker, A floating-point technique for extending the available precision (1971), §5.
 */
export function roundToHalfTerm(x: Term): Term {
  const ax = abs(x);
  const t = ax.mul(8388609);
  const top = t.sub(t.sub(ax));
  const p = select(top.gt(ax), top.mul(0.5), top);
  const q = p.mul(2 ** -10).max(2 ** -24);
  const rounded = round(x.div(q)).mul(q);
  return select(ax.ge(65520), select(x.lt(0), lift(-Infinity, 'f32'), lift(Infinity, 'f32')), select(ax.eq(0), x, rounded));
}

/** A kernel value of model type `from` converted to model type `to`, in `to`'s kernel dtype. */
export function castTerm(x: Term, from: ModelDType, to: ModelDType): Term {
  if (to === 'bool') return boolToU8(x.ne(0));
  const kt = kernelDType(to);
  const v = x.dtype === kt ? x : x.cast(kt);
  return to === 'f16' && from !== 'f16' && from !== 'bool' ? roundToHalfTerm(v) : v;
}

/** Host form of castTerm. */
function hostCast(v: number, to: ModelDType): number {
  if (to === 'bool') return v !== 0 ? 1 : 0;
  if (isFloatType(to)) return to === 'f16' ? roundToHalf(v) : to === 'f32' ? Math.fround(v) : v;
  return Math.trunc(Number.isFinite(v) ? v : 0);
}

function castEntry(op: string, opsets: readonly [number, number], target: (ctx: OpContext) => ModelDType): OpEntry {
  const source = (ctx: OpContext): TensorInfo => {
    const x = ctx.inputs[0];
    if (!x) fail(ctx, `${op} needs input 0 (input)`);
    checkDTypes(ctx, ALL_TYPES, [0]);
    return x;
  };
  return {
    op, opsets, elementwise: true,
    inferShapes: (ctx) => [{ dtype: target(ctx), shape: [...source(ctx).shape] }],
    fold(ctx) {
      const x = source(ctx), to = target(ctx), c = ctx.consts[0];
      if (!c || numel(x.shape) > FOLD_LIMIT) return undefined;
      return [makeConst(to, x.shape, constValues(c).map((v) => hostCast(v, to)))];
    },
    define(ctx, inputs) {
      const x = source(ctx), to = target(ctx);
      const f = inputFunc(ctx, inputs, 0, 'input'), shape = kernelShape(x.shape);
      return [compute(ctx.prefix, shape, (...i) => castTerm(f.at(...i), x.dtype, to), { axes: axisNames(shape.length) })];
    },
    schedule: (sch, request) => schedulePointwiseOp(sch, request),
  };
}

export const Cast = castEntry('Cast', [7, 21], (ctx) => {
  const a = new Attributes(ctx, ctx.opset >= 19 ? ['to', 'saturate'] : ['to']);
  // saturate applies to float8 targets only, which are refused below.
  a.flag('saturate', 1);
  if (ctx.inputs.length !== 1) fail(ctx, 'Cast takes 1 input');
  return dataType(ctx, a.int('to'), 'attribute to');
});

export const CastLike = castEntry('CastLike', [15, 21], (ctx) => {
  const a = new Attributes(ctx, ctx.opset >= 19 ? ['saturate'] : []);
  a.flag('saturate', 1);
  const like = ctx.inputs[1];
  if (!like || ctx.inputs.length !== 2) fail(ctx, 'CastLike takes 2 inputs (input, target_type)');
  return like.dtype;
});
