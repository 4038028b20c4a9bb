/**
 * Expression nodes of the loop IR. Nodes are immutable plain objects discriminated by `kind`, built by
 * the factories below (which check operand types); every node carries its element `dtype` and its
 * vector width `lanes` (1 for scalars). Variables are objects with identity, not names.
 */
import { type DType, isFloat, isInt, wrap, canReinterpret } from './dtype.js';

let nextId = 0;

/** A loop variable, a let-bound name or a size parameter (always i32 unless let-bound). */
export class Var {
  readonly id = nextId++;
  constructor(readonly name: string, readonly dtype: DType = 'i32', readonly lanes = 1) {}
  toString(): string { return this.name; }
}

/** Something an `access` reads: a compute stage or an input placeholder (defined in dsl/). */
export interface FuncRef {
  readonly name: string;
  readonly dtype: DType;
  readonly ndim: number;
}

/** A flat region of memory an IR `load`/`store` addresses in elements of `dtype`. */
export class Buffer {
  readonly id = nextId++;
  constructor(readonly name: string, readonly dtype: DType) {}
  toString(): string { return this.name; }
}

export type BinOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'min' | 'max' | 'and' | 'or' | 'xor' | 'shl' | 'shr';
export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type MathFn =
  | 'exp' | 'log' | 'sqrt' | 'abs' | 'floor' | 'ceil' | 'round' | 'trunc'
  | 'sin' | 'cos' | 'tan' | 'tanh' | 'pow' | 'atan2' | 'erf' | 'sigmoid';

interface Typed { readonly dtype: DType; readonly lanes: number }
export interface Const extends Typed { readonly kind: 'const'; readonly value: number }
export interface VarRef extends Typed { readonly kind: 'var'; readonly v: Var }
export interface Binary extends Typed { readonly kind: 'binary'; readonly op: BinOp; readonly a: Expr; readonly b: Expr }
export interface Cmp extends Typed { readonly kind: 'cmp'; readonly op: CmpOp; readonly a: Expr; readonly b: Expr }
export interface Not extends Typed { readonly kind: 'not'; readonly a: Expr }
export interface Select extends Typed { readonly kind: 'select'; readonly cond: Expr; readonly t: Expr; readonly f: Expr }
export interface Cast extends Typed { readonly kind: 'cast'; readonly value: Expr }
/** The bits of `value` read as another type of the same width (f32 <-> i32: Halide's reinterpret). */
export interface Reinterpret extends Typed { readonly kind: 'reinterpret'; readonly value: Expr }
export interface Call extends Typed { readonly kind: 'call'; readonly fn: MathFn; readonly args: readonly Expr[] }
/** A read of a stage or input at coordinates, before storage flattening (Halide's Call to a Func). */
export interface Access extends Typed { readonly kind: 'access'; readonly func: FuncRef; readonly args: readonly Expr[] }
/** A read of `lanes` elements of a flat buffer at `index` (a ramp for dense vector loads). */
export interface Load extends Typed { readonly kind: 'load'; readonly buffer: Buffer; readonly index: Expr }
/** The vector base, base+stride, ..., base+(lanes-1)*stride. */
export interface Ramp extends Typed { readonly kind: 'ramp'; readonly base: Expr; readonly stride: Expr }
export interface Broadcast extends Typed { readonly kind: 'broadcast'; readonly value: Expr }
export interface Let extends Typed { readonly kind: 'let'; readonly v: Var; readonly value: Expr; readonly body: Expr }

export type Expr = Const | VarRef | Binary | Cmp | Not | Select | Cast | Reinterpret | Call | Access | Load | Ramp | Broadcast | Let;

export class IRTypeError extends TypeError {}

function sameType(what: string, a: Expr, b: Expr): void {
  if (a.dtype !== b.dtype || a.lanes !== b.lanes) {
    throw new IRTypeError(`${what}: operand types differ (${typeStr(a)} vs ${typeStr(b)}); insert a cast`);
  }
}
export const typeStr = (e: Typed): string => (e.lanes === 1 ? e.dtype : `${e.dtype}x${e.lanes}`);

/** A constant of type `dtype`; the value is wrapped/rounded to the type. */
export function constant(value: number, dtype: DType = 'i32', lanes = 1): Expr {
  const c: Const = { kind: 'const', dtype, lanes: 1, value: wrap(dtype, value) };
  return lanes === 1 ? c : broadcast(c, lanes);
}
export const i32 = (v: number): Expr => constant(v, 'i32');
export const f32 = (v: number): Expr => constant(v, 'f32');
export const TRUE: Expr = { kind: 'const', dtype: 'bool', lanes: 1, value: 1 };
export const FALSE: Expr = { kind: 'const', dtype: 'bool', lanes: 1, value: 0 };

export function varRef(v: Var): VarRef {
  return { kind: 'var', dtype: v.dtype, lanes: v.lanes, v };
}

export function binary(op: BinOp, a: Expr, b: Expr): Expr {
  sameType(op, a, b);
  if (a.dtype === 'bool' && op !== 'and' && op !== 'or' && op !== 'xor') {
    throw new IRTypeError(`${op} is not defined on bool; use select or cast`);
  }
  if (isFloat(a.dtype) && (op === 'and' || op === 'or' || op === 'xor' || op === 'shl' || op === 'shr')) {
    throw new IRTypeError(`${op} is not defined on ${a.dtype}`);
  }
  return { kind: 'binary', op, a, b, dtype: a.dtype, lanes: a.lanes };
}
export const add = (a: Expr, b: Expr) => binary('add', a, b);
export const sub = (a: Expr, b: Expr) => binary('sub', a, b);
export const mul = (a: Expr, b: Expr) => binary('mul', a, b);
/** Division: floor division for integers (Halide's semantics; x/0 is 0), IEEE for floats. */
export const div = (a: Expr, b: Expr) => binary('div', a, b);
/** Euclidean remainder for integers (always >= 0 for b != 0; x%0 is 0), fmod-like for floats. */
export const mod = (a: Expr, b: Expr) => binary('mod', a, b);
export const min = (a: Expr, b: Expr) => binary('min', a, b);
export const max = (a: Expr, b: Expr) => binary('max', a, b);

export function cmp(op: CmpOp, a: Expr, b: Expr): Expr {
  sameType(op, a, b);
  return { kind: 'cmp', op, a, b, dtype: 'bool', lanes: a.lanes };
}
export const lt = (a: Expr, b: Expr) => cmp('lt', a, b);
export const le = (a: Expr, b: Expr) => cmp('le', a, b);
export const eq = (a: Expr, b: Expr) => cmp('eq', a, b);

export function and(a: Expr, b: Expr): Expr { return binary('and', a, b); }
export function or(a: Expr, b: Expr): Expr { return binary('or', a, b); }
export function not(a: Expr): Expr {
  if (a.dtype !== 'bool') throw new IRTypeError(`not expects bool, got ${typeStr(a)}`);
  return { kind: 'not', a, dtype: 'bool', lanes: a.lanes };
}

/**
 * `cond ? t : f`. With a scalar condition only the chosen side is evaluated (lowering relies on this
 * to guard loads); with a vector condition both sides are, lane by lane.
 */
export function select(cond: Expr, t: Expr, f: Expr): Expr {
  sameType('select', t, f);
  if (cond.dtype !== 'bool') throw new IRTypeError(`select condition must be bool, got ${typeStr(cond)}`);
  if (cond.lanes !== t.lanes && cond.lanes !== 1) throw new IRTypeError(`select condition has ${cond.lanes} lanes, values ${t.lanes}`);
  return { kind: 'select', cond, t, f, dtype: t.dtype, lanes: t.lanes };
}

export function cast(dtype: DType, value: Expr): Expr {
  if (value.dtype === dtype) return value;
  return { kind: 'cast', value, dtype, lanes: value.lanes };
}

/**
 * The bits of `value` as `dtype` (same width: f32 <-> i32/u32, or integers of one width, where it is
 * the wrapping cast); ir/dtype.ts `reinterpretValue` is its semantics.
 * @throws IRTypeError when the widths differ or either type is bool
 */
export function reinterpret(dtype: DType, value: Expr): Expr {
  if (value.dtype === dtype) return value;
  if (!canReinterpret(value.dtype, dtype)) throw new IRTypeError(`reinterpret ${typeStr(value)} as ${dtype}: the types must have the same width (f32, i32 and u32 are 32 bits)`);
  return { kind: 'reinterpret', value, dtype, lanes: value.lanes };
}

const UNARY_FLOAT: ReadonlySet<MathFn> = new Set(['exp', 'log', 'sqrt', 'floor', 'ceil', 'round', 'trunc', 'sin', 'cos', 'tan', 'tanh', 'erf', 'sigmoid']);
/**
 * A math function of `args` (one, or two for pow and atan2), of the first argument's type. f32 exp,
 * log, tanh, sigmoid and erf are defined by the polynomial approximations of ir/math/ (the same bits
 * on every backend), f64 ones by the host's Math; erf has no f64 definition.
 * @throws IRTypeError on a wrong arity, a non-float argument (except abs), or f64 erf
 */
export function call(fn: MathFn, args: readonly Expr[]): Expr {
  const a = args[0];
  if (!a) throw new IRTypeError(`${fn} needs an argument`);
  const arity = fn === 'pow' || fn === 'atan2' ? 2 : 1;
  if (args.length !== arity) throw new IRTypeError(`${fn} takes ${arity} argument(s), got ${args.length}`);
  if (UNARY_FLOAT.has(fn) && !isFloat(a.dtype)) throw new IRTypeError(`${fn} needs a float argument, got ${typeStr(a)}; cast it first`);
  if (fn === 'erf' && a.dtype !== 'f32') throw new IRTypeError(`erf is implemented for f32 only, got ${typeStr(a)}; cast the argument to f32`);
  if (fn === 'abs' && !isFloat(a.dtype) && !isInt(a.dtype)) throw new IRTypeError(`abs of ${typeStr(a)}`);
  if (arity === 2) {
    sameType(fn, a, args[1]!);
    if (!isFloat(a.dtype)) throw new IRTypeError(`${fn} needs float arguments, got ${typeStr(a)}`);
  }
  return { kind: 'call', fn, args, dtype: a.dtype, lanes: a.lanes };
}

export function access(func: FuncRef, args: readonly Expr[]): Expr {
  if (args.length !== func.ndim) {
    throw new IRTypeError(`${func.name} has ${func.ndim} dimension(s) but is accessed with ${args.length} index(es)`);
  }
  for (const [i, e] of args.entries()) {
    if (e.dtype !== 'i32' || e.lanes !== 1) throw new IRTypeError(`${func.name}: index ${i} must be a scalar i32, got ${typeStr(e)}`);
  }
  return { kind: 'access', func, args, dtype: func.dtype, lanes: 1 };
}

export function load(buffer: Buffer, index: Expr): Expr {
  if (index.dtype !== 'i32') throw new IRTypeError(`load from ${buffer.name}: index must be i32`);
  return { kind: 'load', buffer, index, dtype: buffer.dtype, lanes: index.lanes };
}

export function ramp(base: Expr, stride: Expr, lanes: number): Expr {
  if (base.lanes !== 1 || stride.lanes !== 1) throw new IRTypeError('ramp base and stride must be scalars');
  sameType('ramp', base, stride);
  return { kind: 'ramp', base, stride, dtype: base.dtype, lanes };
}

export function broadcast(value: Expr, lanes: number): Expr {
  if (lanes === 1) return value;
  if (value.lanes !== 1) throw new IRTypeError('broadcast of a vector');
  return { kind: 'broadcast', value, dtype: value.dtype, lanes };
}

export function letIn(v: Var, value: Expr, body: Expr): Expr {
  checkBinding(v, value);
  return { kind: 'let', v, value, body, dtype: body.dtype, lanes: body.lanes };
}

/** A let must bind a variable of the value's type. */
export function checkBinding(v: Var, value: Expr): void {
  if (v.dtype !== value.dtype || v.lanes !== value.lanes) {
    throw new IRTypeError(`let ${v.name}: the variable is ${typeStr(v)} but the value is ${typeStr(value)}`);
  }
}

export const isConst = (e: Expr, value?: number): e is Const =>
  e.kind === 'const' && (value === undefined || e.value === value);

/** The constant value of a scalar constant or a broadcast of one, else undefined. */
export function constValue(e: Expr): number | undefined {
  if (e.kind === 'const') return e.value;
  if (e.kind === 'broadcast' && e.value.kind === 'const') return e.value.value;
  return undefined;
}

/** The immediate sub-expressions of `e`, in evaluation order. */
export function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'const': case 'var': return [];
    case 'binary': case 'cmp': return [e.a, e.b];
    case 'not': return [e.a];
    case 'select': return [e.cond, e.t, e.f];
    case 'cast': case 'reinterpret': return [e.value];
    case 'call': case 'access': return e.args;
    case 'load': return [e.index];
    case 'ramp': return [e.base, e.stride];
    case 'broadcast': return [e.value];
    case 'let': return [e.value, e.body];
  }
}

/**
 * Rebuilds `e` with its children replaced by `f(child)`, returning `e` itself when nothing changed
 * (so "did a pass change anything" is an identity check, as in Halide's IRMutator).
 */
export function mapChildren(e: Expr, f: (c: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'const': case 'var': return e;
    case 'binary': { const a = f(e.a), b = f(e.b); return a === e.a && b === e.b ? e : binary(e.op, a, b); }
    case 'cmp': { const a = f(e.a), b = f(e.b); return a === e.a && b === e.b ? e : cmp(e.op, a, b); }
    case 'not': { const a = f(e.a); return a === e.a ? e : not(a); }
    case 'select': { const c = f(e.cond), t = f(e.t), fl = f(e.f); return c === e.cond && t === e.t && fl === e.f ? e : select(c, t, fl); }
    case 'cast': { const v = f(e.value); return v === e.value ? e : cast(e.dtype, v); }
    case 'reinterpret': { const v = f(e.value); return v === e.value ? e : reinterpret(e.dtype, v); }
    case 'call': { const args = mapList(e.args, f); return args === e.args ? e : call(e.fn, args); }
    case 'access': { const args = mapList(e.args, f); return args === e.args ? e : access(e.func, args); }
    case 'load': { const i = f(e.index); return i === e.index ? e : load(e.buffer, i); }
    case 'ramp': { const b = f(e.base), s = f(e.stride); return b === e.base && s === e.stride ? e : ramp(b, s, e.lanes); }
    case 'broadcast': { const v = f(e.value); return v === e.value ? e : broadcast(v, e.lanes); }
    case 'let': { const v = f(e.value), b = f(e.body); return v === e.value && b === e.body ? e : letIn(e.v, v, b); }
  }
}

export function mapList<T>(xs: readonly T[], f: (x: T) => T): readonly T[] {
  let out: T[] | undefined;
  for (let i = 0; i < xs.length; i++) {
    const y = f(xs[i]!);
    if (y !== xs[i] && !out) out = xs.slice(0, i);
    if (out) out.push(y);
  }
  return out ?? xs;
}

/** Calls `f` on every node of `e`, parents before children. */
export function walkExpr(e: Expr, f: (e: Expr) => void): void {
  f(e);
  for (const c of children(e)) walkExpr(c, f);
}

/** Replaces free occurrences of the variables in `map` (by identity). */
export function substitute(e: Expr, map: ReadonlyMap<Var, Expr>): Expr {
  if (map.size === 0) return e;
  const go = (x: Expr): Expr => {
    if (x.kind === 'var') return map.get(x.v) ?? x;
    return mapChildren(x, go);
  };
  return go(e);
}

/** Whether `e` mentions any variable satisfying `pred`. */
export function usesVar(e: Expr, pred: (v: Var) => boolean): boolean {
  if (e.kind === 'var') return pred(e.v);
  return children(e).some((c) => usesVar(c, pred));
}
