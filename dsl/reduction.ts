/**
 * Reductions: reduction axes, the reducers (sum, product, maximum, minimum) and the Reduction a
 * reduction stage's definition is (Halide's RDom and inline reductions).
 */
import * as ir from '../ir/expr.js';
import { type DType, isFloat, intRange } from '../ir/dtype.js';
import { Term, type TermLike, DefinitionError, lift, type SizeVar } from './term.js';
import { checkName, toExtent } from './checks.js';

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
