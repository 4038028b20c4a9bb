/**
 * The number instance of the f32 algebra: each operation is the scalar semantics of the IR operation
 * that ./ir_algebra.ts emits for it (ir/ops.ts evalBinary, evalCmp, evalCast; ir/dtype.ts), so that a
 * function evaluated here has the bits of the same function compiled. f32 results round with
 * Math.fround; a double-precision +, -, * or / rounded to f32 is the correctly rounded f32 result
 * (the double format has more than 2 * 24 + 2 bits: Figueroa, "When is double rounding innocuous?",
 * SIGNUM 1995).
 */
import { convert, reinterpretValue, wrap } from '../dtype.js';
import type { F32Algebra } from './algebra.js';

const f = Math.fround;
const i32 = (v: number) => wrap('i32', v);

export const SCALAR_ALGEBRA: F32Algebra<number, number, boolean> = {
  f32: f,
  i32: (v) => i32(v),
  add: (a, b) => f(a + b),
  sub: (a, b) => f(a - b),
  mul: (a, b) => f(a * b),
  div: (a, b) => f(a / b),
  min: Math.min,
  max: Math.max,
  floor: Math.floor,
  abs: Math.abs,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  eq: (a, b) => a === b,
  select: (c, t, e) => (c ? t : e),
  selectInt: (c, t, e) => (c ? t : e),
  addInt: (a, b) => i32(a + b),
  subInt: (a, b) => i32(a - b),
  andInt: (a, b) => a & b,
  orInt: (a, b) => a | b,
  shiftLeft: (a, bits) => a << bits,
  shiftRight: (a, bits) => a >> bits,
  toInt: (a) => convert('f32', 'i32', a),
  toFloat: (a) => f(a),
  bitsOf: (a) => reinterpretValue('f32', 'i32', a),
  fromBits: (a) => reinterpretValue('i32', 'f32', a),
  letF: (_name, value, body) => body(value),
  letI: (_name, value, body) => body(value),
};
