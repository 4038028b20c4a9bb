/**
 * Inputs (placeholders), compute stages and reductions: what a pipeline computes, never how.
 * Indexing is row-major: the last axis is contiguous in memory and innermost in the default loop nest
 * (numpy's and TVM's convention).
 */
import * as ir from '../ir/expr.js';
import { type DType, isDType, isFloat, intRange } from '../ir/dtype.js';
import { Term, type TermLike, DefinitionError, lift, SizeVar, isSizeVar } from './term.js';

export type ShapeLike = readonly (number | SizeVar | Term)[];

function toExtent(x: number | SizeVar | Term, what: string): ir.Expr {
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || x < 1) throw new DefinitionError(`${what}: extent ${x} is not a positive integer`);
    return ir.constant(x);
  }
  if (x.dtype !== 'i32') throw new DefinitionError(`${what}: extent must be i32, got ${x.dtype}`);
  return x.expr;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
function checkName(name: string, what: string): void {
  if (!NAME.test(name)) throw new DefinitionError(`${what} name ${JSON.stringify(name)} is not an identifier`);
}

/** Something that can be indexed: an input or a stage. */
export abstract class Func implements ir.FuncRef {
  abstract readonly name: string;
  abstract readonly dtype: DType;
  abstract readonly shape: readonly ir.Expr[];
  get ndim(): number { return this.shape.length; }
  /** The element at the given coordinates (outermost axis first). */
  at(...idx: TermLike[]): Term {
    if (idx.length !== this.ndim) {
      throw new DefinitionError(`${this.name} has ${this.ndim} dimension(s) but was indexed with ${idx.length}`);
    }
    const args = idx.map((x, i) => {
      const t = lift(x, 'i32');
      if (t.dtype !== 'i32') throw new DefinitionError(`${this.name}: index ${i} has dtype ${t.dtype}; indices must be i32 (cast it)`);
      return t.expr;
    });
    return new Term(ir.access(this, args));
  }
}

/** An input tensor with a dtype and a shape (numbers or size variables). */
export class Placeholder extends Func {
  readonly shape: readonly ir.Expr[];
  constructor(readonly name: string, shape: ShapeLike, readonly dtype: DType) {
    super();
    checkName(name, 'placeholder');
    if (!isDType(dtype) || dtype === 'bool') throw new DefinitionError(`placeholder ${name}: unknown dtype ${String(dtype)}`);
    if (shape.length === 0) throw new DefinitionError(`placeholder ${name}: a shape needs at least one dimension`);
    this.shape = shape.map((s, i) => toExtent(s, `placeholder ${name} dimension ${i}`));
  }
}

/**
 * An input tensor of the pipeline.
 * @param name identifier, also the argument's name at call time
 * @param shape extents, outermost first: numbers or size variables (bound from the tensor passed)
 * @param dtype element type
 * @throws DefinitionError on a bad name, shape or dtype
 */
export function placeholder(name: string, shape: ShapeLike, dtype: DType = 'f32'): Placeholder {
  return new Placeholder(name, shape, dtype);
}

/** A reduction axis: an integer range [min, min + extent) summed (or maxed, ...) over. */
export class ReduceAxis extends Term {
  constructor(readonly v: ir.Var, readonly lo: ir.Expr, readonly extent: ir.Expr) { super(ir.varRef(v)); }
  get name(): string { return this.v.name; }
}

/**
 * A reduction axis over [0, extent) or [min, min + extent).
 * @throws DefinitionError on a non-identifier name or a non-positive constant extent
 */
export function reduceAxis(range: number | SizeVar | Term | readonly [TermLike, number | SizeVar | Term], name = 'k'): ReduceAxis {
  checkName(name, 'reduction axis');
  const [lo, ext] = Array.isArray(range) ? range as [TermLike, number | SizeVar | Term] : [0, range as number | SizeVar | Term];
  return new ReduceAxis(new ir.Var(name), lift(lo, 'i32').expr, toExtent(ext, `reduction axis ${name}`));
}

/** How a reduction combines: init value and combiner over an accumulator and a new value. */
export interface Reducer {
  readonly name: string;
  readonly init: (dtype: DType) => ir.Expr;
  readonly combine: (acc: ir.Expr, value: ir.Expr) => ir.Expr;
}

/** A reduction of `value` over `axes`; only valid as the whole body of a compute stage. */
export class Reduction {
  constructor(readonly reducer: Reducer, readonly value: Term, readonly axes: readonly ReduceAxis[]) {
    if (axes.length === 0) throw new DefinitionError(`${reducer.name} needs at least one reduction axis`);
  }
}

const lowest = (t: DType) => (isFloat(t) ? -Infinity : intRange(t)[0]);
const highest = (t: DType) => (isFloat(t) ? Infinity : intRange(t)[1]);
export const SUM: Reducer = { name: 'sum', init: (t) => ir.constant(0, t), combine: ir.add };
export const PROD: Reducer = { name: 'product', init: (t) => ir.constant(1, t), combine: ir.mul };
export const MAX: Reducer = { name: 'maximum', init: (t) => ir.constant(lowest(t), t), combine: ir.max };
export const MIN: Reducer = { name: 'minimum', init: (t) => ir.constant(highest(t), t), combine: ir.min };

const axesOf = (a: ReduceAxis | readonly ReduceAxis[]) => (Array.isArray(a) ? a : [a]) as readonly ReduceAxis[];
/** Sum of `value` over the reduction axes (initial value 0). */
export const sum = (value: TermLike, axes: ReduceAxis | readonly ReduceAxis[]) => new Reduction(SUM, lift(value), axesOf(axes));
/** Product over the reduction axes (initial value 1). */
export const product = (value: TermLike, axes: ReduceAxis | readonly ReduceAxis[]) => new Reduction(PROD, lift(value), axesOf(axes));
/** Maximum over the reduction axes (initial value -inf, or the type's lowest integer). */
export const maximum = (value: TermLike, axes: ReduceAxis | readonly ReduceAxis[]) => new Reduction(MAX, lift(value), axesOf(axes));
/** Minimum over the reduction axes (initial value +inf, or the type's highest integer). */
export const minimum = (value: TermLike, axes: ReduceAxis | readonly ReduceAxis[]) => new Reduction(MIN, lift(value), axesOf(axes));

/** The reduction part of a stage: combine(acc, value) over `axes`, starting from `init`. */
export interface StageReduction {
  readonly reducer: Reducer;
  readonly axes: readonly ReduceAxis[];
  readonly init: ir.Expr;
}

/** A compute stage: out(axes) = body, or out(axes) = reduce(body over reduction axes). */
export class Stage extends Func {
  constructor(
    readonly name: string,
    readonly shape: readonly ir.Expr[],
    /** The pure axes, outermost first. */
    readonly axes: readonly ir.Var[],
    readonly body: ir.Expr,
    readonly reduction?: StageReduction,
  ) {
    super();
  }
  get dtype(): DType { return this.body.dtype; }
  get axisNames(): string[] { return [...this.axes.map((a) => a.name), ...(this.reduction?.axes.map((a) => a.name) ?? [])]; }
  /** The inputs and stages this stage reads, in first-use order. */
  producers(): Func[] {
    const out: Func[] = [];
    const see = (e: ir.Expr) => ir.walkExpr(e, (x) => {
      if (x.kind === 'access' && !out.includes(x.func as Func)) out.push(x.func as Func);
    });
    see(this.body);
    for (const r of this.reduction?.axes ?? []) { see(r.lo); see(r.extent); }
    return out;
  }
}

export interface ComputeOptions {
  /** Names of the pure axes; by default the callback's parameter names, else i0, i1, ... */
  readonly axes?: readonly string[];
  /** Cast the body to this dtype. */
  readonly dtype?: DType;
}

function paramNames(fn: (...args: never[]) => unknown, n: number): string[] | undefined {
  const src = fn.toString();
  const m = /^\s*(?:function\b[^(]*)?\(([^)]*)\)/.exec(src) ?? /^\s*([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (!m) return undefined;
  const names = m[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return names.length === n && names.every((s) => NAME.test(s)) ? names : undefined;
}

/**
 * Defines a compute stage.
 * @param name identifier of the stage (unique in its pipeline)
 * @param shape extents of the stage's domain, outermost first (numbers, size variables or i32 terms)
 * @param fn the value at coordinates (one i32 Term per axis): a Term, a number, or a Reduction
 *   (sum/product/maximum/minimum) over reduction axes
 * @throws DefinitionError on bad names, a non-identifier axis, a reduction axis reused as a pure axis
 */
export function compute(
  name: string,
  shape: ShapeLike,
  fn: (...axes: Term[]) => TermLike | Reduction,
  options: ComputeOptions = {},
): Stage {
  checkName(name, 'stage');
  const extents = shape.map((s, i) => toExtent(s, `stage ${name} dimension ${i}`));
  const names = options.axes ?? paramNames(fn as (...a: never[]) => unknown, extents.length) ?? extents.map((_, i) => `i${i}`);
  if (names.length !== extents.length) throw new DefinitionError(`stage ${name}: ${names.length} axis names for ${extents.length} dimensions`);
  names.forEach((n) => checkName(n, `stage ${name} axis`));
  if (new Set(names).size !== names.length) throw new DefinitionError(`stage ${name}: axis names ${names.join(', ')} are not distinct`);
  const vars = names.map((n) => new ir.Var(n));
  const result = fn(...vars.map((v) => new Term(ir.varRef(v))));
  if (result instanceof Reduction) {
    const dtype = options.dtype ?? result.value.dtype;
    if (dtype === 'bool') throw new DefinitionError(`stage ${name}: cannot reduce a bool; cast the value to a number type`);
    const value = result.value.cast(dtype).expr;
    const rnames = result.axes.map((a) => a.name);
    const clash = rnames.find((n) => names.includes(n));
    if (clash) throw new DefinitionError(`stage ${name}: reduction axis ${clash} has the same name as a pure axis`);
    if (new Set(rnames).size !== rnames.length) throw new DefinitionError(`stage ${name}: reduction axes ${rnames.join(', ')} are not distinct`);
    checkFreeVars(name, value, [...vars, ...result.axes.map((a) => a.v)]);
    return new Stage(name, extents, vars, value, { reducer: result.reducer, axes: result.axes, init: result.reducer.init(dtype) });
  }
  const body = lift(result, options.dtype).cast(options.dtype ?? lift(result).dtype).expr;
  if (body.dtype === 'bool') throw new DefinitionError(`stage ${name}: the body is a bool (a comparison); stages hold numbers: use select(cond, 1, 0) or .cast('u8')`);
  checkFreeVars(name, body, vars);
  return new Stage(name, extents, vars, body);
}

/** Every variable a body uses must be one of its axes or a size parameter. */
function checkFreeVars(stage: string, body: ir.Expr, allowed: readonly ir.Var[]): void {
  ir.walkExpr(body, (e) => {
    if (e.kind !== 'var' || allowed.includes(e.v) || isSizeVar(e.v)) return;
    throw new DefinitionError(`stage ${stage} uses ${e.v.name}, which is neither one of its axes, a reduction axis of its own reduction, nor a size variable`);
  });
}
