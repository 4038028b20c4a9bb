/**
 * Inputs (placeholders), compute stages and reductions: what a pipeline computes, never how.
 * Indexing is row-major: the last axis is contiguous in memory and innermost in the default loop nest
 * (numpy's and TVM's convention).
 */
import * as ir from '../ir/expr.js';
import { type DType, isDType } from '../ir/dtype.js';
import { Term, type TermLike, DefinitionError, lift, type SizeVar, isSizeVar } from './term.js';
import { NAME, checkName, toExtent } from './checks.js';
import { type ReduceAxis, type Reducer, Reduction } from './reduction.js';
import { Infix, type InfixEnv, type InfixValue, infixFor } from './infix.js';

export * from './reduction.js';

export type ShapeLike = readonly (number | SizeVar | Term)[];

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

/** A stage's value at its axes: a callback of one i32 Term per axis, or a definition in text. */
export type Definition = ((...axes: Term[]) => TermLike | Reduction | Infix) | string | Infix;

/**
 * Defines a compute stage.
 * @param name identifier of the stage (unique in its pipeline)
 * @param shape extents of the stage's domain, outermost first (numbers, size variables or i32 terms)
 * @param definition the value at coordinates: a callback of one i32 Term per axis returning a Term, a
 *   number, a Reduction (sum/product/maximum/minimum over reduction axes) or an `expr` template; or
 *   the definition as text (dsl/infix.ts), `'(input(y, x - 1) + input(y, x) + input(y, x + 1)) / 3'`,
 *   optionally with a header naming the axes, `'blur_x(y, x) = ...'`
 * @param env for a text definition: the stages, inputs, reduction axes, Terms and numbers it names
 *   (the shape's size variables and the axes are in scope by their names)
 * @param options axis names (for a callback, by default its parameter names; for text, the header's;
 *   else i0, i1, ...) and a dtype to cast the value to
 * @throws DefinitionError on bad names, a non-identifier axis, a reduction axis reused as a pure axis,
 *   and for text on a parse error, an unknown name, a wrong arity or a dtype error (with the column)
 */
export function compute(name: string, shape: ShapeLike, fn: (...axes: Term[]) => TermLike | Reduction | Infix, options?: ComputeOptions): Stage;
export function compute(name: string, shape: ShapeLike, definition: string | Infix, env?: InfixEnv, options?: ComputeOptions): Stage;
export function compute(name: string, shape: ShapeLike, definition: Definition, envOrOptions?: InfixEnv | ComputeOptions, maybeOptions?: ComputeOptions): Stage {
  checkName(name, 'stage');
  const text = typeof definition === 'function' ? undefined : typeof definition === 'string' ? infixFor(name, definition) : definition;
  const env = (text ? envOrOptions ?? {} : {}) as InfixEnv;
  const options = (text ? maybeOptions : envOrOptions as ComputeOptions | undefined) ?? {};
  if (!(text instanceof Infix) && typeof definition !== 'function') throw new DefinitionError(`stage ${name}: the definition must be a function, a string or an expr template, got ${typeof definition}`);
  const extents = shape.map((s, i) => toExtent(s, `stage ${name} dimension ${i}`));
  if (text?.stageName !== undefined && text.stageName !== name) throw new DefinitionError(`stage ${name}: the definition's header names the stage ${text.stageName}`);
  if (text?.axisNames && options.axes && text.axisNames.join() !== options.axes.join()) {
    throw new DefinitionError(`stage ${name}: the header names the axes ${text.axisNames.join(', ')} but options.axes says ${options.axes.join(', ')}`);
  }
  const names = options.axes ?? text?.axisNames
    ?? (typeof definition === 'function' ? paramNames(definition as (...a: never[]) => unknown, extents.length) : undefined) ?? extents.map((_, i) => `i${i}`);
  if (names.length !== extents.length) throw new DefinitionError(`stage ${name}: ${names.length} axis names for ${extents.length} dimensions`);
  names.forEach((n) => checkName(n, `stage ${name} axis`));
  if (new Set(names).size !== names.length) throw new DefinitionError(`stage ${name}: axis names ${names.join(', ')} are not distinct`);
  const vars = names.map((n) => new ir.Var(n));
  const axisTerms = vars.map((v) => new Term(ir.varRef(v)));
  /** What a text definition sees: the shape's size variables, `env`, and the axes. */
  const scope = () => {
    const m = new Map<string, InfixValue>();
    for (const s of shape) if (s instanceof Term && s.expr.kind === 'var' && isSizeVar(s.expr.v)) m.set(s.expr.v.name, s);
    for (const [k, v] of Object.entries(env)) m.set(k, v);
    names.forEach((n, i) => {
      if (Object.hasOwn(env, n)) throw new DefinitionError(`stage ${name}: ${n} is both an axis of the stage and a name in the environment`);
      m.set(n, axisTerms[i]!);
    });
    return m;
  };
  let result: TermLike | Reduction | Infix = text ? text : (definition as (...axes: Term[]) => TermLike | Reduction | Infix)(...axisTerms);
  if (result instanceof Infix) result = result.build(scope(), `stage ${name}`);
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
