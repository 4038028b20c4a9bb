/**
 * Elementwise operators: unary functions and activations, binary arithmetic and comparisons with
 * numpy broadcasting (ONNX Broadcasting.md, multidirectional), the variadic Max/Min/Sum/Mean, Where,
 * PRelu (unidirectional broadcast of the slope) and Clip. Each is one rule in a table: the value at
 * one element as a DSL term, and the same on the host for constant folding.
 *
 * Sources: ONNX Operators.md and Changelog.md, each operator's versions from opset 7 to 21.
 */
import { Term, lift, select, exp, log, sqrt, abs, tanh, pow, floor, ceil, round, sigmoid, erf } from '../dsl/term.js';
import { evalCall } from '../ir/ops.js';
import type { MathFn } from '../ir/expr.js';
import { compute } from '../dsl/func.js';
import { kernelDType, type ConstTensor, type ModelDType, type TensorInfo } from '../graph/ir.js';
import type { OpContext, OpEntry } from './op.js';
import { Attributes, fail } from './attributes.js';
import { ALL_TYPES, FLOAT_TYPES, NUMERIC_TYPES, broadcastShapes, checkDTypes, constValues, isFloatType, makeConst, numel } from './host_tensors.js';
import { axisNames, boolToU8, broadcastAt, kernelShape } from './indexing.js';
import { schedulePointwiseOp } from './schedule_rules.js';

/** Folding evaluates at most this many elements on the host; larger results stay kernels. */
export const FOLD_LIMIT = 4096;

/** Host value of a kernel value of `dtype`, rounded or wrapped as the model type stores it. */
function hostRound(dtype: ModelDType, v: number): number {
  switch (dtype) {
    case 'f32': case 'f16': return Math.fround(v);
    case 'f64': return v;
    case 'bool': return v ? 1 : 0;
    case 'i32': return v | 0;
    case 'u32': return v >>> 0;
    case 'i16': return (v << 16) >> 16;
    case 'u16': return v & 0xffff;
    case 'i8': return (v << 24) >> 24;
    case 'u8': return v & 0xff;
    default: return Math.trunc(v); // i64/u64: shape arithmetic, exact within 2^53
  }
}

const SIGNED_INTS: readonly ModelDType[] = ['i64', 'i32', 'i16', 'i8'];

// ---------------------------------------------------------------------------------------------------
// Unary operators

interface UnaryRule {
  readonly op: string;
  readonly opsets: readonly [number, number];
  readonly types: (opset: number) => readonly ModelDType[];
  readonly attributes?: readonly string[];
  /** The result at one element; `x` has the input's kernel dtype. */
  readonly kernel: (x: Term, a: Attributes) => Term;
  /** The same on the host, for folding. */
  readonly host: (x: number, a: Attributes, dtype: ModelDType) => number;
}

const floats = () => FLOAT_TYPES;
const signedNumbers = () => [...FLOAT_TYPES, ...SIGNED_INTS];
/** A math function on the host with the kernel's bits: Tessera's own f32 approximation for f32 (ir/ops.ts evalCall). */
const hostMath = (fn: MathFn) => (x: number, _a: Attributes, t: ModelDType): number => evalCall(fn, t === 'f64' ? 'f64' : 'f32', [x]);
/** erf is f32 only in the DSL: an f64 input is computed in f32. */
const erf64 = (x: Term): Term => (x.dtype === 'f32' ? erf(x) : erf(x.cast('f32')).cast(x.dtype));

const UNARY: readonly UnaryRule[] = [
  { op: 'Relu', opsets: [6, 21], types: (o) => (o >= 14 ? signedNumbers() : FLOAT_TYPES), kernel: (x) => x.max(0), host: (x) => Math.max(x, 0) },
  {
    op: 'LeakyRelu', opsets: [6, 21], types: floats, attributes: ['alpha'],
    kernel: (x, a) => select(x.ge(0), x, x.mul(a.float('alpha', 0.01))), host: (x, a) => (x >= 0 ? x : x * a.float('alpha', 0.01)),
  },
  { op: 'Sigmoid', opsets: [6, 21], types: floats, kernel: sigmoid, host: hostMath('sigmoid') },
  {
    op: 'HardSigmoid', opsets: [6, 21], types: floats, attributes: ['alpha', 'beta'],
    kernel: (x, a) => x.mul(a.float('alpha', 0.2)).add(a.float('beta', 0.5)).clamp(0, 1),
    host: (x, a) => Math.min(1, Math.max(0, x * a.float('alpha', 0.2) + a.float('beta', 0.5))),
  },
  {
    op: 'HardSwish', opsets: [14, 21], types: floats,
    kernel: (x) => x.mul(x.mul(1 / 6).add(0.5).clamp(0, 1)), host: (x) => x * Math.min(1, Math.max(0, x / 6 + 0.5)),
  },
  { op: 'Tanh', opsets: [6, 21], types: floats, kernel: tanh, host: hostMath('tanh') },
  {
    op: 'Elu', opsets: [6, 21], types: floats, attributes: ['alpha'],
    kernel: (x, a) => select(x.lt(0), exp(x).sub(1).mul(a.float('alpha', 1)), x), host: (x, a) => (x < 0 ? a.float('alpha', 1) * (Math.exp(x) - 1) : x),
  },
  {
    op: 'Selu', opsets: [6, 21], types: floats, attributes: ['alpha', 'gamma'],
    kernel: (x, a) => select(x.le(0), exp(x).mul(a.float('alpha', 1.67326319217681884765625)).sub(a.float('alpha', 1.67326319217681884765625)), x).mul(a.float('gamma', 1.05070102214813232421875)),
    host: (x, a) => a.float('gamma', 1.05070102214813232421875) * (x <= 0 ? a.float('alpha', 1.67326319217681884765625) * (Math.exp(x) - 1) : x),
  },
  { op: 'Softplus', opsets: [1, 21], types: floats, kernel: (x) => log(exp(x).add(1)), host: (x) => Math.log(Math.exp(x) + 1) },
  { op: 'Erf', opsets: [9, 21], types: floats, kernel: erf64, host: (x, _a, t) => evalCall('erf', 'f32', [t === 'f64' ? Math.fround(x) : x]) },
  { op: 'Exp', opsets: [6, 21], types: floats, kernel: exp, host: hostMath('exp') },
  { op: 'Log', opsets: [6, 21], types: floats, kernel: log, host: hostMath('log') },
  { op: 'Sqrt', opsets: [6, 21], types: floats, kernel: sqrt, host: Math.sqrt },
  { op: 'Reciprocal', opsets: [6, 21], types: floats, kernel: (x) => lift(1, x.dtype).div(x), host: (x) => 1 / x },
  { op: 'Neg', opsets: [6, 21], types: signedNumbers, kernel: (x) => x.neg(), host: (x) => -x },
  { op: 'Abs', opsets: [6, 21], types: () => NUMERIC_TYPES, kernel: abs, host: Math.abs },
  { op: 'Floor', opsets: [6, 21], types: floats, kernel: floor, host: Math.floor },
  { op: 'Ceil', opsets: [6, 21], types: floats, kernel: ceil, host: Math.ceil },
  { op: 'Round', opsets: [11, 21], types: floats, kernel: round, host: roundHalfEven },
  {
    op: 'Sign', opsets: [9, 21], types: () => NUMERIC_TYPES,
    kernel: (x) => select(x.gt(0), lift(1, x.dtype), select(x.lt(0), lift(-1, x.dtype), lift(0, x.dtype))), host: (x) => Math.sign(x),
  },
  { op: 'Not', opsets: [1, 21], types: () => ['bool'], kernel: (x) => boolToU8(x.eq(0)), host: (x) => (x ? 0 : 1) },
];

function roundHalfEven(x: number): number {
  const f = Math.floor(x), r = x - f;
  return r > 0.5 || (r === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

function unaryEntry(rule: UnaryRule): OpEntry {
  const attrs = (ctx: OpContext) => new Attributes(ctx, rule.attributes ?? []);
  const check = (ctx: OpContext): TensorInfo => {
    attrs(ctx);
    const x = ctx.inputs[0];
    if (!x || ctx.inputs.length !== 1) fail(ctx, `${rule.op} takes exactly one input, got ${ctx.inputs.filter(Boolean).length}`);
    checkDTypes(ctx, rule.types(ctx.opset));
    return x;
  };
  return {
    op: rule.op, opsets: rule.opsets, elementwise: true,
    inferShapes: (ctx) => [{ dtype: check(ctx).dtype, shape: [...check(ctx).shape] }],
    fold(ctx) {
      const x = check(ctx), c = ctx.consts[0];
      if (!c || numel(x.shape) > FOLD_LIMIT) return undefined;
      const a = attrs(ctx);
      return [makeConst(x.dtype, x.shape, constValues(c).map((v) => hostRound(x.dtype, rule.host(v, a, x.dtype))))];
    },
    define(ctx, inputs) {
      const x = check(ctx), a = attrs(ctx);
      const f = inputs[0]!;
      const out = compute(ctx.prefix, kernelShape(x.shape), (...i) => rule.kernel(broadcastAt(f, x.shape, i), a), { axes: axisNames(kernelShape(x.shape).length) });
      return [out];
    },
    schedule: (sch, request) => schedulePointwiseOp(sch, request),
  };
}

// ---------------------------------------------------------------------------------------------------
// Binary and variadic operators with multidirectional broadcasting

interface BroadcastRule {
  readonly op: string;
  readonly opsets: readonly [number, number];
  readonly types: (opset: number) => readonly ModelDType[];
  /** Inputs: exactly 2, or at least 1 (variadic). */
  readonly arity: 2 | 'variadic';
  /** Output is bool (comparisons). */
  readonly bool?: boolean;
  /** Combines two values (left to right for variadic operators) in the inputs' kernel dtype. */
  readonly kernel: (a: Term, b: Term) => Term;
  readonly host: (a: number, b: number, dtype: ModelDType) => number;
  /** Applied to the combined value of a variadic operator (Mean divides by the count). */
  readonly finish?: (v: Term, n: number) => Term;
  readonly hostFinish?: (v: number, n: number) => number;
}

/** Integer division truncating toward zero (C's, which onnxruntime uses), from the DSL's floor division. */
function truncDiv(a: Term, b: Term): Term {
  const q = a.div(b);
  const inexact = q.mul(b).ne(a);
  const negative = a.lt(0).and(b.gt(0)).or(a.gt(0).and(b.lt(0)));
  return select(inexact.and(negative), q.add(1), q);
}
const isInt = (t: Term) => t.dtype !== 'f32' && t.dtype !== 'f64';

const COMPARABLE = (o: number): readonly ModelDType[] => (o >= 11 ? ALL_TYPES : NUMERIC_TYPES);

const BROADCAST: readonly BroadcastRule[] = [
  { op: 'Add', opsets: [7, 21], types: () => NUMERIC_TYPES, arity: 2, kernel: (a, b) => a.add(b), host: (a, b) => a + b },
  { op: 'Sub', opsets: [7, 21], types: () => NUMERIC_TYPES, arity: 2, kernel: (a, b) => a.sub(b), host: (a, b) => a - b },
  { op: 'Mul', opsets: [7, 21], types: () => NUMERIC_TYPES, arity: 2, kernel: (a, b) => a.mul(b), host: (a, b) => a * b },
  {
    op: 'Div', opsets: [7, 21], types: () => NUMERIC_TYPES, arity: 2,
    kernel: (a, b) => (isInt(a) ? truncDiv(a, b) : a.div(b)),
    host: (a, b, t) => (isFloatType(t) ? a / b : b === 0 ? 0 : Math.trunc(a / b)),
  },
  {
    op: 'Pow', opsets: [7, 21], types: () => NUMERIC_TYPES, arity: 2,
    kernel: (a, b) => (isInt(a) ? pow(a.cast('f32'), b.cast('f32')).cast(a.dtype) : pow(a, b)),
    host: (a, b) => a ** b,
  },
  { op: 'Equal', opsets: [7, 21], types: COMPARABLE, arity: 2, bool: true, kernel: (a, b) => a.eq(b), host: (a, b) => +(a === b) },
  { op: 'Less', opsets: [7, 21], types: () => NUMERIC_TYPES, arity: 2, bool: true, kernel: (a, b) => a.lt(b), host: (a, b) => +(a < b) },
  { op: 'LessOrEqual', opsets: [12, 21], types: () => NUMERIC_TYPES, arity: 2, bool: true, kernel: (a, b) => a.le(b), host: (a, b) => +(a <= b) },
  { op: 'Greater', opsets: [7, 21], types: () => NUMERIC_TYPES, arity: 2, bool: true, kernel: (a, b) => a.gt(b), host: (a, b) => +(a > b) },
  { op: 'GreaterOrEqual', opsets: [12, 21], types: () => NUMERIC_TYPES, arity: 2, bool: true, kernel: (a, b) => a.ge(b), host: (a, b) => +(a >= b) },
  { op: 'And', opsets: [7, 21], types: () => ['bool'], arity: 2, bool: true, kernel: (a, b) => a.ne(0).and(b.ne(0)), host: (a, b) => +(a !== 0 && b !== 0) },
  { op: 'Or', opsets: [7, 21], types: () => ['bool'], arity: 2, bool: true, kernel: (a, b) => a.ne(0).or(b.ne(0)), host: (a, b) => +(a !== 0 || b !== 0) },
  { op: 'Xor', opsets: [7, 21], types: () => ['bool'], arity: 2, bool: true, kernel: (a, b) => a.ne(0).xor(b.ne(0)), host: (a, b) => +((a !== 0) !== (b !== 0)) },
  { op: 'Max', opsets: [8, 21], types: (o) => (o >= 12 ? NUMERIC_TYPES : FLOAT_TYPES), arity: 'variadic', kernel: (a, b) => a.max(b), host: (a, b) => Math.max(a, b) },
  { op: 'Min', opsets: [8, 21], types: (o) => (o >= 12 ? NUMERIC_TYPES : FLOAT_TYPES), arity: 'variadic', kernel: (a, b) => a.min(b), host: (a, b) => Math.min(a, b) },
  { op: 'Sum', opsets: [8, 21], types: () => FLOAT_TYPES, arity: 'variadic', kernel: (a, b) => a.add(b), host: (a, b) => a + b },
  {
    op: 'Mean', opsets: [8, 21], types: () => FLOAT_TYPES, arity: 'variadic', kernel: (a, b) => a.add(b), host: (a, b) => a + b,
    finish: (v, n) => v.div(n), hostFinish: (v, n) => v / n,
  },
];

/** The present inputs of a broadcast operator, checked for count and dtype. */
function broadcastInputs(ctx: OpContext, rule: BroadcastRule): TensorInfo[] {
  new Attributes(ctx, []);
  const xs = ctx.inputs;
  if (xs.some((x) => !x)) fail(ctx, `${rule.op} has no optional inputs; an input name is empty`);
  if (rule.arity === 2 ? xs.length !== 2 : xs.length < 1) fail(ctx, `${rule.op} takes ${rule.arity === 2 ? 'exactly 2 inputs' : 'at least 1 input'}, got ${xs.length}`);
  checkDTypes(ctx, rule.types(ctx.opset));
  // Pow (opset 12+) allows an exponent of another type; every other operator takes one type.
  const first = xs[0]!.dtype;
  if (rule.op !== 'Pow' && xs.some((x) => x!.dtype !== first)) fail(ctx, `inputs have different dtypes (${xs.map((x) => x!.dtype).join(', ')}); ${rule.op} takes one type`);
  if (rule.op === 'Pow' && ctx.opset < 12 && xs[1]!.dtype !== first) fail(ctx, `Pow before opset 12 takes one type for both inputs, got ${first} and ${xs[1]!.dtype}`);
  return xs as TensorInfo[];
}

function broadcastEntry(rule: BroadcastRule): OpEntry {
  const infer = (ctx: OpContext): TensorInfo => {
    const xs = broadcastInputs(ctx, rule);
    return { dtype: rule.bool ? 'bool' : xs[0]!.dtype, shape: broadcastShapes(ctx, xs.map((x) => x.shape)) };
  };
  return {
    op: rule.op, opsets: rule.opsets, elementwise: true,
    inferShapes: (ctx) => [infer(ctx)],
    fold(ctx) {
      const out = infer(ctx);
      if (numel(out.shape) > FOLD_LIMIT || ctx.consts.some((c) => !c)) return undefined;
      const xs = ctx.inputs as TensorInfo[];
      const dt = xs[0]!.dtype;
      const readers = xs.map((x, i) => hostBroadcastReader(x.shape, out.shape, constValues(ctx.consts[i]!)));
      const values = new Array<number>(numel(out.shape));
      for (let e = 0; e < values.length; e++) {
        let v = readers[0]!(e);
        for (let i = 1; i < readers.length; i++) v = hostRound(dt, rule.host(v, readers[i]!(e), dt));
        if (readers.length === 1) v = hostRound(dt, v);
        if (rule.hostFinish) v = hostRound(dt, rule.hostFinish(v, readers.length));
        values[e] = rule.bool ? +(v !== 0) : v;
      }
      return [makeConst(out.dtype, out.shape, values)];
    },
    define(ctx, inputs) {
      const out = infer(ctx);
      const xs = ctx.inputs as TensorInfo[];
      const kt = kernelDType(xs[0]!.dtype);
      const body = (...i: Term[]): Term => {
        const vals = xs.map((x, k) => {
          const v = broadcastAt(inputs[k]!, x.shape, i);
          return v.dtype === kt ? v : v.cast(kt);
        });
        let v = vals[0]!;
        for (const w of vals.slice(1)) v = rule.kernel(v, w);
        if (rule.finish) v = rule.finish(v, vals.length);
        return rule.bool ? boolToU8(v) : v;
      };
      return [compute(ctx.prefix, kernelShape(out.shape), body, { axes: axisNames(kernelShape(out.shape).length) })];
    },
    schedule: (sch, request) => schedulePointwiseOp(sch, request),
  };
}

/** Host reader of a constant of `shape` broadcast to `out` at flat output index e. */
function hostBroadcastReader(shape: readonly number[], out: readonly number[], values: readonly number[]): (e: number) => number {
  const lead = out.length - shape.length;
  return (e) => {
    let idx = 0, stride = 1, rest = e;
    const coords = new Array<number>(out.length);
    for (let d = out.length - 1; d >= 0; d--) { coords[d] = rest % out[d]!; rest = Math.floor(rest / out[d]!); }
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = shape[d] === 1 ? 0 : coords[lead + d]!;
      idx += c * stride;
      stride *= shape[d]!;
    }
    return values[idx]!;
  };
}

// ---------------------------------------------------------------------------------------------------
// Where, PRelu, Clip

export const Where: OpEntry = {
  op: 'Where', opsets: [9, 21], elementwise: true,
  inferShapes(ctx) {
    new Attributes(ctx, []);
    const [c, x, y] = ctx.inputs;
    if (!c || !x || !y || ctx.inputs.length !== 3) fail(ctx, 'Where takes 3 inputs (condition, X, Y)');
    if (c.dtype !== 'bool') fail(ctx, `the condition has dtype ${c.dtype}; it must be bool`);
    if (x.dtype !== y.dtype) fail(ctx, `X and Y have different dtypes (${x.dtype}, ${y.dtype})`);
    return [{ dtype: x.dtype, shape: broadcastShapes(ctx, [c.shape, x.shape, y.shape]) }];
  },
  fold(ctx) {
    const [out] = Where.inferShapes(ctx);
    if (numel(out!.shape) > FOLD_LIMIT || ctx.consts.some((c) => !c) || ctx.consts.length !== 3) return undefined;
    const [c, x, y] = (ctx.inputs as TensorInfo[]).map((t, i) => hostBroadcastReader(t.shape, out!.shape, constValues(ctx.consts[i]!)));
    return [makeConst(out!.dtype, out!.shape, Array.from({ length: numel(out!.shape) }, (_, e) => (c!(e) ? x!(e) : y!(e))))];
  },
  define(ctx, inputs) {
    const [out] = Where.inferShapes(ctx);
    const [c, x, y] = ctx.inputs as TensorInfo[];
    return [compute(ctx.prefix, kernelShape(out!.shape), (...i) => select(broadcastAt(inputs[0]!, c!.shape, i).ne(0), broadcastAt(inputs[1]!, x!.shape, i), broadcastAt(inputs[2]!, y!.shape, i)), { axes: axisNames(kernelShape(out!.shape).length) })];
  },
  schedule: (sch, request) => schedulePointwiseOp(sch, request),
};

/** PRelu: x < 0 ? slope * x : x, the slope unidirectionally broadcast to X (opset 7+). */
export const PRelu: OpEntry = {
  op: 'PRelu', opsets: [7, 21], elementwise: true,
  inferShapes(ctx) {
    new Attributes(ctx, []);
    const [x, slope] = ctx.inputs;
    if (!x || !slope || ctx.inputs.length !== 2) fail(ctx, 'PRelu takes 2 inputs (X, slope)');
    checkDTypes(ctx, ctx.opset >= 9 ? [...FLOAT_TYPES, 'i32', 'i64', 'u32', 'u64'] : FLOAT_TYPES);
    if (x.dtype !== slope.dtype) fail(ctx, `X and slope have different dtypes (${x.dtype}, ${slope.dtype})`);
    const b = broadcastShapes(ctx, [x.shape, slope.shape]);
    if (b.join(',') !== x.shape.join(',')) fail(ctx, `slope of shape [${slope.shape.join(', ')}] does not broadcast unidirectionally to X [${x.shape.join(', ')}]`);
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  define(ctx, inputs) {
    const [x, slope] = ctx.inputs as TensorInfo[];
    PRelu.inferShapes(ctx);
    return [compute(ctx.prefix, kernelShape(x!.shape), (...i) => {
      const v = broadcastAt(inputs[0]!, x!.shape, i);
      return select(v.lt(0), v.mul(broadcastAt(inputs[1]!, slope!.shape, i)), v);
    }, { axes: axisNames(kernelShape(x!.shape).length) })];
  },
  schedule: (sch, request) => schedulePointwiseOp(sch, request),
};

/** The lowest and highest finite values of a model type, Clip's defaults. */
function typeLimits(t: ModelDType): [number, number] {
  switch (t) {
    case 'f32': case 'f16': return [-3.4028234663852886e38, 3.4028234663852886e38];
    case 'f64': return [-Number.MAX_VALUE, Number.MAX_VALUE];
    case 'i64': case 'i32': return [-2147483648, 2147483647]; // i64 is held in i32 by the kernel
    case 'u64': case 'u32': return [0, 4294967295];
    case 'i16': return [-32768, 32767];
    case 'u16': return [0, 65535];
    case 'i8': return [-128, 127];
    default: return [0, 255];
  }
}

/**
 * Clip: min(max(x, lo), hi). Opsets 6-10: attributes min and max (default: the float range);
 * opset 11+: optional scalar inputs 1 (min) and 2 (max), constant or computed; integer types from 12.
 */
export const Clip: OpEntry = {
  op: 'Clip', opsets: [7, 21], elementwise: true,
  inferShapes(ctx) {
    new Attributes(ctx, ctx.opset < 11 ? ['min', 'max'] : []);
    const x = ctx.inputs[0];
    if (!x) fail(ctx, 'Clip needs input 0 (input)');
    if (ctx.opset < 11 && ctx.inputs.length !== 1) fail(ctx, `Clip before opset 11 takes 1 input (min and max are attributes), got ${ctx.inputs.length}`);
    if (ctx.inputs.length > 3) fail(ctx, `Clip takes at most 3 inputs, got ${ctx.inputs.length}`);
    checkDTypes(ctx, ctx.opset >= 12 ? NUMERIC_TYPES : FLOAT_TYPES);
    for (const i of [1, 2]) {
      const b = ctx.inputs[i];
      if (!b) continue;
      if (b.dtype !== x.dtype) fail(ctx, `input ${i} (${i === 1 ? 'min' : 'max'}) has dtype ${b.dtype}, input has ${x.dtype}`);
      if (numel(b.shape) !== 1 || b.shape.length > 1) fail(ctx, `input ${i} (${i === 1 ? 'min' : 'max'}) must be a scalar, got shape [${b.shape.join(', ')}]`);
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  fold(ctx) {
    const [out] = Clip.inferShapes(ctx);
    if (!ctx.consts[0] || numel(out!.shape) > FOLD_LIMIT) return undefined;
    const bounds = clipBounds(ctx);
    if (!bounds) return undefined;
    const [lo, hi] = bounds;
    return [makeConst(out!.dtype, out!.shape, constValues(ctx.consts[0]).map((v) => Math.min(Math.max(v, lo), hi)))];
  },
  define(ctx, inputs) {
    const [out] = Clip.inferShapes(ctx);
    const x = ctx.inputs[0]!;
    const kt = kernelDType(x.dtype);
    const bound = (i: 1 | 2, fallback: number): Term | number => {
      if (ctx.opset < 11) return new Attributes(ctx, ['min', 'max']).float(i === 1 ? 'min' : 'max', fallback);
      if (!ctx.inputs[i]) return fallback;
      const c = ctx.consts[i];
      if (c) return constValues(c)[0]!;
      return inputs[i]!.at(...inputs[i]!.shape.map(() => 0));
    };
    const [tlo, thi] = typeLimits(x.dtype);
    const lo = bound(1, tlo), hi = bound(2, thi);
    return [compute(ctx.prefix, kernelShape(out!.shape), (...i) => {
      const v = broadcastAt(inputs[0]!, x.shape, i);
      return v.max(typeof lo === 'number' ? lift(lo, kt) : lo).min(typeof hi === 'number' ? lift(hi, kt) : hi);
    }, { axes: axisNames(kernelShape(out!.shape).length) })];
  },
  schedule: (sch, request) => schedulePointwiseOp(sch, request),
};

/** Clip's bounds when known at compile time. */
function clipBounds(ctx: OpContext): [number, number] | undefined {
  const [tlo, thi] = typeLimits(ctx.inputs[0]!.dtype);
  if (ctx.opset < 11) {
    const a = new Attributes(ctx, ['min', 'max']);
    return [a.float('min', tlo), a.float('max', thi)];
  }
  const value = (i: number, fallback: number): number | undefined => {
    if (!ctx.inputs[i]) return fallback;
    const c: ConstTensor | undefined = ctx.consts[i];
    return c ? constValues(c)[0] : undefined;
  };
  const lo = value(1, tlo), hi = value(2, thi);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

export const UNARY_OPS: readonly OpEntry[] = UNARY.map(unaryEntry);
export const BROADCAST_OPS: readonly OpEntry[] = BROADCAST.map(broadcastEntry);

