/**
 * Terms: the user-facing expressions of a compute definition. A Term wraps an IR expression and offers
 * arithmetic as methods (TypeScript has no operator overloading): `a.add(b).div(3)`. Number literals
 * take the type of the other operand, as in Halide; two Terms of different dtypes must be cast
 * explicitly.
 */
import * as ir from '../ir/expr.js';
import { type DType, isFloat } from '../ir/dtype.js';

export type TermLike = Term | number;

export class DefinitionError extends Error {
  override name = 'DefinitionError';
}

export class Term {
  constructor(readonly expr: ir.Expr) {}
  get dtype(): DType { return this.expr.dtype; }

  add(o: TermLike): Term { return arith('add', this, o); }
  sub(o: TermLike): Term { return arith('sub', this, o); }
  mul(o: TermLike): Term { return arith('mul', this, o); }
  /** Floor division for integers (x/0 = 0), IEEE division for floats. */
  div(o: TermLike): Term { return arith('div', this, o); }
  /** Euclidean remainder for integers (0 <= r < |o|), a - o*floor(a/o) for floats. */
  mod(o: TermLike): Term { return arith('mod', this, o); }
  min(o: TermLike): Term { return arith('min', this, o); }
  max(o: TermLike): Term { return arith('max', this, o); }
  neg(): Term { return arith('sub', 0, this); }
  and(o: TermLike): Term { return arith('and', this, o); }
  or(o: TermLike): Term { return arith('or', this, o); }
  xor(o: TermLike): Term { return arith('xor', this, o); }
  shl(o: TermLike): Term { return arith('shl', this, o); }
  /** Arithmetic shift for signed types, logical for unsigned. */
  shr(o: TermLike): Term { return arith('shr', this, o); }
  eq(o: TermLike): Term { return compare('eq', this, o); }
  ne(o: TermLike): Term { return compare('ne', this, o); }
  lt(o: TermLike): Term { return compare('lt', this, o); }
  le(o: TermLike): Term { return compare('le', this, o); }
  gt(o: TermLike): Term { return compare('gt', this, o); }
  ge(o: TermLike): Term { return compare('ge', this, o); }
  not(): Term { return wrapIR(() => ir.not(this.expr)); }
  /** Converts to `dtype` with Tessera's cast semantics (ir/dtype.ts `convert`). */
  cast(dtype: DType): Term { return new Term(ir.cast(dtype, this.expr)); }
  /**
   * The same bits read as `dtype`, a type of the same width: f32 <-> i32/u32 (IEEE 754 binary32
   * patterns), or integers of one width (where it is the wrapping cast).
   * @throws DefinitionError when the widths differ
   */
  reinterpret(dtype: DType): Term { return wrapIR(() => ir.reinterpret(dtype, this.expr)); }
  clamp(lo: TermLike, hi: TermLike): Term { return this.max(lo).min(hi); }
  toString(): string { return `Term(${this.expr.kind})`; }
}

function wrapIR(f: () => ir.Expr): Term {
  try {
    return new Term(f());
  } catch (e) {
    if (e instanceof ir.IRTypeError) throw new DefinitionError(e.message);
    throw e;
  }
}

/** Converts a number to a constant of type `like` (i32 when `like` is absent and the number is an integer, else f32). */
export function lift(x: TermLike, like?: DType): Term {
  if (x instanceof Term) return x;
  if (typeof x !== 'number' || Number.isNaN(x) && like !== undefined && !isFloat(like)) {
    throw new DefinitionError(`expected a Term or a number, got ${String(x)}`);
  }
  const t = like ?? (Number.isInteger(x) ? 'i32' : 'f32');
  if (t === 'bool') return new Term(ir.constant(x ? 1 : 0, 'bool'));
  if (!isFloat(t) && !Number.isInteger(x)) {
    throw new DefinitionError(`the literal ${x} is not an integer but the other operand is ${t}; cast it first`);
  }
  return new Term(ir.constant(x, t));
}

function unify(a: TermLike, b: TermLike, what: string): [ir.Expr, ir.Expr] {
  const ta = a instanceof Term ? a : undefined, tb = b instanceof Term ? b : undefined;
  const A = lift(a, tb?.dtype), B = lift(b, ta?.dtype ?? A.dtype);
  if (A.dtype !== B.dtype) {
    throw new DefinitionError(`${what}: operands have different dtypes (${A.dtype} and ${B.dtype}); cast one with .cast('${A.dtype}')`);
  }
  return [A.expr, B.expr];
}

function arith(op: ir.BinOp, a: TermLike, b: TermLike): Term {
  const [x, y] = unify(a, b, op);
  return wrapIR(() => ir.binary(op, x, y));
}
function compare(op: ir.CmpOp, a: TermLike, b: TermLike): Term {
  const [x, y] = unify(a, b, op);
  return wrapIR(() => ir.cmp(op, x, y));
}

export const add = (a: TermLike, b: TermLike) => arith('add', a, b);
export const sub = (a: TermLike, b: TermLike) => arith('sub', a, b);
export const mul = (a: TermLike, b: TermLike) => arith('mul', a, b);
export const div = (a: TermLike, b: TermLike) => arith('div', a, b);
export const mod = (a: TermLike, b: TermLike) => arith('mod', a, b);
export const min = (a: TermLike, b: TermLike) => arith('min', a, b);
export const max = (a: TermLike, b: TermLike) => arith('max', a, b);
export const clamp = (x: TermLike, lo: TermLike, hi: TermLike) => max(x, lo).min(hi);

/** `cond ? t : f`, evaluating both sides; `cond` must be bool. */
export function select(cond: TermLike, t: TermLike, f: TermLike): Term {
  const c = lift(cond, 'bool');
  const [x, y] = unify(t, f, 'select');
  return wrapIR(() => ir.select(c.expr, x, y));
}

export function cast(dtype: DType, x: TermLike): Term { return lift(x, dtype).cast(dtype); }

function mathFn(fn: ir.MathFn) {
  return (x: TermLike): Term => { const t = lift(x, 'f32'); return wrapIR(() => ir.call(fn, [t.expr])); };
}
/** e^x; f32: Cephes' polynomial (ir/math/exp.ts), with overflow to +inf and gradual underflow. */
export const exp = mathFn('exp');
/** Natural logarithm; f32: Cephes' polynomial (ir/math/log.ts); log(0) = -inf, log(x < 0) = NaN. */
export const log = mathFn('log');
export const sqrt = mathFn('sqrt');
export const abs = mathFn('abs');
export const floor = mathFn('floor');
export const ceil = mathFn('ceil');
/** Rounds half to even. */
export const round = mathFn('round');
export const trunc = mathFn('trunc');
export const sin = mathFn('sin');
export const cos = mathFn('cos');
export const tan = mathFn('tan');
/** Hyperbolic tangent; f32: a rational approximation (ir/math/tanh.ts), saturating to exactly +-1. */
export const tanh = mathFn('tanh');
/** 1 / (1 + exp(-x)) (ONNX Sigmoid); f32: with the exp of ir/math/exp.ts, values in [0, 1]. */
export const sigmoid = mathFn('sigmoid');
/** The error function, f32 only: a rational approximation (ir/math/erf.ts), erf(+-inf) = +-1. */
export const erf = mathFn('erf');
/** `x` (a Term of a 32-, 16- or 8-bit type) with its bits read as `dtype` of the same width. */
export function reinterpret(dtype: DType, x: Term): Term { return x.reinterpret(dtype); }
export function pow(x: TermLike, y: TermLike): Term {
  const [a, b] = unify(lift(x, y instanceof Term ? y.dtype : 'f32'), y, 'pow');
  return wrapIR(() => ir.call('pow', [a, b]));
}
export function atan2(y: TermLike, x: TermLike): Term {
  const [a, b] = unify(lift(y, x instanceof Term ? x.dtype : 'f32'), x, 'atan2');
  return wrapIR(() => ir.call('atan2', [a, b]));
}

/** An integer size parameter, bound at call time from the shapes of the tensors passed. */
export class SizeVar extends Term {
  constructor(readonly v: ir.Var) { super(ir.varRef(v)); }
  get name(): string { return this.v.name; }
}
const SIZE_VARS = new WeakSet<ir.Var>();
/**
 * An i32 size parameter (>= 1), bound at call time from the shapes of the tensors passed.
 * @throws DefinitionError when `name` is not an identifier
 */
export function sizeVar(name: string): SizeVar {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DefinitionError(`size variable name ${JSON.stringify(name)} is not an identifier`);
  const v = new ir.Var(name, 'i32');
  SIZE_VARS.add(v);
  return new SizeVar(v);
}
export const isSizeVar = (v: ir.Var): boolean => SIZE_VARS.has(v);
