/**
 * Interval analysis over symbolic i32 expressions (Halide's Bounds.cpp, simplified): the range of
 * values an expression takes when its variables range over given intervals. Bounds are expressions
 * themselves (over the variables not in scope); `undefined` means unbounded on that side.
 */
import { type Expr, type Var, binary, constant, constValue } from './expr.js';
import { simplify } from './simplify.js';
import { exprKey } from './key.js';
import { intRange, isFloat } from './dtype.js';

export interface Interval { readonly min?: Expr; readonly max?: Expr }

export type Scope = ReadonlyMap<Var, Interval>;

const point = (e: Expr): Interval => ({ min: e, max: e });
const pointOf = (i: Interval): boolean => i.min !== undefined && i.max !== undefined && (i.min === i.max || exprKey(i.min) === exprKey(i.max));
const op2 = (op: 'add' | 'sub' | 'min' | 'max' | 'mul' | 'div', a?: Expr, b?: Expr): Expr | undefined =>
  a && b ? simplify(binary(op, a, b)) : undefined;

/** Smallest interval containing both. */
export function union(a: Interval, b: Interval): Interval {
  return { min: op2('min', a.min, b.min), max: op2('max', a.max, b.max) };
}

function isNonNegative(e: Expr, nonNegative: ReadonlySet<Var>): boolean {
  const c = constValue(e);
  if (c !== undefined) return c >= 0;
  if (e.kind === 'var') return nonNegative.has(e.v);
  if (e.kind === 'binary' && (e.op === 'add' || e.op === 'mul' || e.op === 'max' || e.op === 'min')) {
    return isNonNegative(e.a, nonNegative) && isNonNegative(e.b, nonNegative);
  }
  if (e.kind === 'binary' && e.op === 'div') return isNonNegative(e.a, nonNegative) && (constValue(e.b) ?? -1) > 0;
  return false;
}

/**
 * The interval of values of the scalar `e` when each variable in `scope` ranges over its interval.
 * `nonNegative` names variables known to be >= 0 (size parameters), which lets products with them be
 * bounded. Non-index types (floats, loaded data) give their type's range or unbounded.
 */
export function boundsOf(e: Expr, scope: Scope, nonNegative: ReadonlySet<Var> = new Set()): Interval {
  const go = (x: Expr): Interval => {
    switch (x.kind) {
      case 'const': return point(x);
      case 'var': {
        const i = scope.get(x.v);
        return i ?? point(x);
      }
      case 'broadcast': return go(x.value);
      case 'ramp': {
        const b = go(x.base), s = go(x.stride);
        const last = (v?: Expr) => op2('add', v, op2('mul', s.min === s.max ? s.min : undefined, constant(x.lanes - 1)));
        const st = constValue(x.stride);
        if (st === undefined) return {};
        return st >= 0 ? { min: b.min, max: last(b.max) } : { min: last(b.min), max: b.max };
      }
      case 'binary': {
        if (isFloat(x.dtype)) return {};
        const a = go(x.a), b = go(x.b);
        // A function of values that do not vary varies not either (keeps x % e a point, not [0, e)).
        if (pointOf(a) && pointOf(b)) { const p = simplify(binary(x.op, a.min!, b.min!)); return { min: p, max: p }; }
        switch (x.op) {
          case 'add': return { min: op2('add', a.min, b.min), max: op2('add', a.max, b.max) };
          case 'sub': return { min: op2('sub', a.min, b.max), max: op2('sub', a.max, b.min) };
          case 'min': return { min: op2('min', a.min, b.min), max: a.max && b.max ? op2('min', a.max, b.max) : a.max ?? b.max };
          case 'max': return { min: a.min && b.min ? op2('max', a.min, b.min) : a.min ?? b.min, max: op2('max', a.max, b.max) };
          case 'mul': {
            const cb = constValue(x.b), ca = constValue(x.a);
            const [v, c] = cb !== undefined ? [a, cb] : ca !== undefined ? [b, ca] : [undefined, undefined];
            if (v && c !== undefined) {
              const lo = op2('mul', v.min, constant(c)), hi = op2('mul', v.max, constant(c));
              return c >= 0 ? { min: lo, max: hi } : { min: hi, max: lo };
            }
            // A product with a non-negative point (a size parameter) scales monotonically.
            for (const [val, p] of [[a, x.b], [b, x.a]] as const) {
              const pi = go(p);
              if (pi.min && pi.min === pi.max && isNonNegative(p, nonNegative)) {
                // The point's scalar form: `p` itself may be a vector (a broadcast) while bounds are scalars.
                return { min: op2('mul', val.min, pi.min), max: op2('mul', val.max, pi.min) };
              }
            }
            return rangeOf(x);
          }
          case 'div': {
            const c = constValue(x.b);
            // Size parameters are at least 1, so dividing by one is monotone too.
            if ((c !== undefined && c > 0) || (c === undefined && isNonNegative(x.b, nonNegative) && pointOf(b))) {
              const divisor = b.min ?? constant(c!, a.min?.dtype);
              return { min: op2('div', a.min, divisor), max: op2('div', a.max, divisor) };
            }
            return rangeOf(x);
          }
          case 'mod': {
            const c = constValue(x.b);
            if (c !== undefined && c > 0) return { min: constant(0), max: constant(c - 1) };
            if (c === undefined && isNonNegative(x.b, nonNegative) && pointOf(b)) return { min: constant(0), max: op2('sub', b.min, constant(1)) };
            return rangeOf(x);
          }
          default: return rangeOf(x);
        }
      }
      case 'select': {
        return union(go(x.t), go(x.f));
      }
      case 'let': {
        const inner = new Map(scope);
        inner.set(x.v, go(x.value));
        return boundsOf(x.body, inner, nonNegative);
      }
      case 'cast': {
        if (x.dtype === 'i32' && !isFloat(x.value.dtype) && x.value.dtype !== 'u32') return go(x.value);
        return rangeOf(x);
      }
      // Reinterpreted bits bound nothing but their type (the range of a narrow integer type).
      case 'reinterpret': return rangeOf(x);
      default: return rangeOf(x);
    }
  };
  return go(e);
}

/** The full range of the type of `e`: finite for narrow integers, unbounded otherwise. */
function rangeOf(e: Expr): Interval {
  if (e.dtype === 'i32' || e.dtype === 'u32' || isFloat(e.dtype)) return {};
  const [lo, hi] = intRange(e.dtype);
  return { min: constant(lo), max: constant(hi) };
}

/** Terms of a sum: e = sum(sign * term). */
function sumTerms(e: Expr, sign: number, out: [number, Expr][]): void {
  if (e.kind === 'binary' && (e.op === 'add' || e.op === 'sub')) {
    sumTerms(e.a, sign, out);
    sumTerms(e.b, e.op === 'add' ? sign : -sign, out);
    return;
  }
  out.push([sign, e]);
}

/**
 * A constant upper bound of the i32 expression `e` whatever its variables, found by pushing sums into
 * min/max (Halide's find_constant_bound): rest + min(a, b) <= min(ub(rest + a), ub(rest + b)), and
 * rest - min(a, b) = max(rest - a, rest - b) <= max(ub(rest - a), ub(rest - b)). So
 * min(x + 3, M - 1) - min(x, M - 4) + 1 <= 4. Undefined if none is found.
 */
export function constantUpperBound(e: Expr, depth = 0): number | undefined {
  const s = simplify(e);
  const c = constValue(s);
  if (c !== undefined) return c;
  if (depth > 6 || s.dtype !== 'i32' || s.lanes !== 1) return undefined;
  const terms: [number, Expr][] = [];
  sumTerms(s, 1, terms);
  // c * min(a, b) with c > 0 is min(c * a, c * b) (the simplifier folds it the other way).
  // floor(x / c) * k with k a positive multiple of c > 0 lies in [(x - c + 1) * k/c, x * k/c]: keep
  // the side that bounds the sum from above (the rounding of a split's extent up to its factor).
  let rounded = false;
  for (const t of terms) {
    const [sign, x] = t;
    const k = x.kind === 'binary' && x.op === 'mul' ? constValue(x.b) : undefined;
    if (k !== undefined && k > 0 && x.kind === 'binary' && x.a.kind === 'binary' && x.a.op === 'div') {
      const c = constValue(x.a.b);
      if (c !== undefined && c > 0 && k % c === 0) {
        const top = sign > 0 ? x.a.a : binary('sub', x.a.a, constant(c - 1));
        t[1] = binary('mul', top, constant(k / c));
        rounded = true;
      }
    }
  }
  if (rounded) {
    const sum = terms.reduce<Expr>((acc, [sg, x]) => (sg > 0 ? binary('add', acc, x) : binary('sub', acc, x)), constant(0));
    return constantUpperBound(sum, depth + 1);
  }
  for (const t of terms) {
    const x = t[1];
    const c = x.kind === 'binary' && x.op === 'mul' ? constValue(x.b) : undefined;
    if (c !== undefined && c > 0 && x.kind === 'binary' && x.a.kind === 'binary' && (x.a.op === 'min' || x.a.op === 'max')) {
      t[1] = binary(x.a.op, binary('mul', x.a.a, x.b), binary('mul', x.a.b, x.b));
    }
  }
  const isMinMax = (t: Expr): t is Expr & { kind: 'binary' } => t.kind === 'binary' && (t.op === 'min' || t.op === 'max');
  // Branch first on terms that need both arms (rest - min, rest + max), so that each branch can pair
  // the remaining min's arms with it.
  const needsBoth = ([sg, t]: [number, Expr]) => isMinMax(t) && (t.op === 'min') !== (sg > 0);
  let idx = terms.findIndex(needsBoth);
  if (idx < 0) idx = terms.findIndex(([, t]) => isMinMax(t));
  if (idx < 0) return undefined;
  const [sign, t] = terms[idx]! as [number, Expr & { kind: 'binary' }];
  const rest = terms.filter((_, i) => i !== idx).reduce<Expr>((acc, [sg, x]) => (sg > 0 ? binary('add', acc, x) : binary('sub', acc, x)), constant(0));
  const arm = (x: Expr) => constantUpperBound(sign > 0 ? binary('add', rest, x) : binary('sub', rest, x), depth + 1);
  const a = arm(t.a), b = arm(t.b);
  const eitherArm = (t.op === 'min') === (sign > 0);
  if (eitherArm) {
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }
  return a !== undefined && b !== undefined ? Math.max(a, b) : undefined;
}
