/**
 * Scalar semantics of every IR operation on JS numbers: the single definition that constant folding,
 * the IR interpreter and the definition-level reference evaluator share. Backends (WebAssembly, WGSL)
 * implement the same semantics independently; tests compare them.
 */
import { type DType, isFloat, isSigned, bits, wrap, convert, reinterpretValue } from './dtype.js';
import type { BinOp, CmpOp, MathFn } from './expr.js';
import { f32Approximation } from './math/approximations.js';
import { SCALAR_ALGEBRA } from './math/scalar_algebra.js';

/** Floor division (Halide): rounds toward negative infinity; x/0 = 0. */
export function floorDiv(a: number, b: number): number {
  if (b === 0) return 0;
  return Math.floor(a / b);
}
/** Euclidean remainder: 0 <= r < |b|; x%0 = 0. */
export function euclidMod(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return r < 0 ? r + Math.abs(b) : r;
}

/** Round half to even, as WebAssembly's `nearest` and Halide's `round`. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function evalBinary(op: BinOp, t: DType, a: number, b: number): number {
  const f = isFloat(t);
  switch (op) {
    case 'add': return wrap(t, a + b);
    case 'sub': return wrap(t, a - b);
    case 'mul': return wrap(t, f ? a * b : Math.imul(a, b));
    case 'div': return f ? wrap(t, a / b) : wrap(t, floorDiv(a, b));
    case 'mod': return f ? wrap(t, a - b * Math.floor(a / b)) : wrap(t, euclidMod(a, b));
    case 'min': return t === 'bool' ? Math.min(a, b) : wrap(t, Math.min(a, b));
    case 'max': return t === 'bool' ? Math.max(a, b) : wrap(t, Math.max(a, b));
    case 'and': return wrap(t, a & b);
    case 'or': return wrap(t, a | b);
    case 'xor': return wrap(t, a ^ b);
    case 'shl': return wrap(t, a << (b & (bits(t) - 1)));
    case 'shr': {
      const s = b & (bits(t) - 1);
      return isSigned(t) ? wrap(t, a >> s) : wrap(t, (t === 'u32' ? a >>> s : a >> s));
    }
  }
}

export function evalCmp(op: CmpOp, a: number, b: number): number {
  switch (op) {
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'ge': return a >= b ? 1 : 0;
  }
}

export function evalCast(from: DType, to: DType, v: number): number {
  return convert(from, to, v);
}

export function evalReinterpret(from: DType, to: DType, v: number): number {
  return reinterpretValue(from, to, v);
}

const MATH: Record<MathFn, (...xs: number[]) => number> = {
  exp: Math.exp, log: Math.log, sqrt: Math.sqrt, abs: Math.abs, floor: Math.floor, ceil: Math.ceil,
  round: roundHalfEven, trunc: Math.trunc, sin: Math.sin, cos: Math.cos, tan: Math.tan, tanh: Math.tanh,
  pow: Math.pow, atan2: Math.atan2,
  // The f64 definition (f32 has its own below); lowering expands it to the same arithmetic.
  sigmoid: (x) => { const e = Math.exp(0 - Math.abs(x)); return (x < 0 ? e : 1) / (1 + e); },
  erf: () => { throw new Error('erf is defined for f32 only (ir/expr.ts call refuses other types)'); },
};

/**
 * f32 exp, log, tanh, sigmoid and erf are Tessera's own approximations (ir/math/), evaluated with
 * f32 arithmetic; the other functions compute in f64 with the host's Math and round to the argument
 * type (integer abs wraps).
 */
export function evalCall(fn: MathFn, t: DType, args: readonly number[]): number {
  const own = t === 'f32' ? f32Approximation(fn) : undefined;
  if (own) return own(SCALAR_ALGEBRA, args[0]!);
  return wrap(t, MATH[fn](...args));
}
