/**
 * Scalar operations in WebAssembly with Tessera's semantics (ir/ops.ts): wrapping sub-word integers,
 * floor division and Euclidean remainder (through helper functions for non-constant divisors, so that
 * x/0 = 0 and INT_MIN/-1 never trap), saturating float-to-int casts.
 */
import binaryen from 'binaryen';
import { type DType, isFloat, isSigned, bits } from '../../ir/dtype.js';
import type { BinOp, CmpOp } from '../../ir/expr.js';
import type { X } from './values.js';

/** What scalar emission needs from the function being built. */
export interface ScalarCtx {
  readonly m: binaryen.Module;
  /** Evaluates `e` once into a fresh local; returns a getter that makes a new read each call. */
  share(e: X, type: binaryen.Type): () => X;
  /** Calls a module helper function (created on first use). */
  helper(name: HelperName): string;
}

export type HelperName = 'floordiv_i32' | 'mod_i32' | 'div_u32' | 'mod_u32';

/** Re-normalizes an i32 holding a result of type `t` (wraps sub-word integers). */
export function normalize(m: binaryen.Module, t: DType, e: X): X {
  switch (t) {
    case 'u8': return m.i32.and(e, m.i32.const(0xff));
    case 'u16': return m.i32.and(e, m.i32.const(0xffff));
    case 'i8': return m.i32.extend8_s(e);
    case 'i16': return m.i32.extend16_s(e);
    case 'bool': return m.i32.ne(e, m.i32.const(0));
    default: return e;
  }
}

const fl = (m: binaryen.Module, t: DType) => (t === 'f64' ? m.f64 : m.f32);

/** Scalar binary operation; `cb` is the constant value of `b` when known. */
export function scalarBinary(c: ScalarCtx, op: BinOp, t: DType, a: X, b: X, cb?: number): X {
  const m = c.m;
  if (isFloat(t)) {
    const f = fl(m, t);
    switch (op) {
      case 'add': return f.add(a, b);
      case 'sub': return f.sub(a, b);
      case 'mul': return f.mul(a, b);
      case 'div': return f.div(a, b);
      case 'min': return f.min(a, b);
      case 'max': return f.max(a, b);
      case 'mod': {
        // a - b*floor(a/b) computed in f64, rounded once (as ir/ops.ts does).
        const wide = (x: X) => (t === 'f64' ? x : m.f64.promote(x));
        const A = c.share(wide(a), binaryen.f64), B = c.share(wide(b), binaryen.f64);
        const r = m.f64.sub(A(), m.f64.mul(B(), m.f64.floor(m.f64.div(A(), B()))));
        return t === 'f64' ? r : m.f32.demote(r);
      }
      default: throw new Error(`internal: ${op} on ${t}`);
    }
  }
  const signed = isSigned(t);
  const norm = (e: X) => normalize(m, t, e);
  switch (op) {
    case 'add': return norm(m.i32.add(a, b));
    case 'sub': return norm(m.i32.sub(a, b));
    case 'mul': return norm(m.i32.mul(a, b));
    case 'and': return m.i32.and(a, b);
    case 'or': return m.i32.or(a, b);
    case 'xor': return m.i32.xor(a, b);
    case 'shl': return norm(m.i32.shl(a, bits(t) === 32 ? b : m.i32.and(b, m.i32.const(bits(t) - 1))));
    case 'shr': {
      const amount = bits(t) === 32 ? b : m.i32.and(b, m.i32.const(bits(t) - 1));
      return signed ? m.i32.shr_s(a, amount) : m.i32.shr_u(a, amount);
    }
    case 'min': case 'max': {
      const A = c.share(a, binaryen.i32), B = c.share(b, binaryen.i32);
      const less = t === 'u32' ? m.i32.lt_u(A(), B()) : m.i32.lt_s(A(), B());
      return op === 'min' ? m.select(less, A(), B()) : m.select(less, B(), A());
    }
    case 'div': return intDiv(c, t, a, b, cb);
    case 'mod': return intMod(c, t, a, b, cb);
  }
}

function intDiv(c: ScalarCtx, t: DType, a: X, b: X, cb: number | undefined): X {
  const m = c.m;
  const norm = (e: X) => normalize(m, t, e);
  if (cb !== undefined) {
    if (cb === 0) return m.i32.const(0);
    if (!isSigned(t) || t === 'bool') return m.i32.div_u(a, b);
    if (cb === 1) return a;
    if (cb === -1) return norm(m.i32.sub(m.i32.const(0), a));
    // Truncating quotient, minus one when the remainder's sign differs from b's (no overflow at INT_MIN).
    const A = c.share(a, binaryen.i32);
    const q = m.i32.div_s(A(), m.i32.const(cb));
    const r = m.i32.rem_s(A(), m.i32.const(cb));
    return norm(m.i32.sub(q, cb > 0 ? m.i32.lt_s(r, m.i32.const(0)) : m.i32.gt_s(r, m.i32.const(0))));
  }
  if (t === 'u32' || !isSigned(t)) return m.call(c.helper('div_u32'), [a, b], binaryen.i32);
  return norm(m.call(c.helper('floordiv_i32'), [a, b], binaryen.i32));
}

function intMod(c: ScalarCtx, t: DType, a: X, b: X, cb: number | undefined): X {
  const m = c.m;
  if (cb !== undefined) {
    if (cb === 0) return m.i32.const(0);
    if (!isSigned(t)) return (cb & (cb - 1)) === 0 ? m.i32.and(a, m.i32.const(cb - 1)) : m.i32.rem_u(a, b);
    const abs = Math.abs(cb);
    if ((abs & (abs - 1)) === 0) return m.i32.and(a, m.i32.const(abs - 1));
    const R = c.share(m.i32.rem_s(a, m.i32.const(cb)), binaryen.i32);
    return m.select(m.i32.lt_s(R(), m.i32.const(0)), m.i32.add(R(), m.i32.const(abs)), R());
  }
  if (!isSigned(t)) return m.call(c.helper('mod_u32'), [a, b], binaryen.i32);
  return m.call(c.helper('mod_i32'), [a, b], binaryen.i32);
}

/** Adds the helper functions used by non-constant integer division to the module. */
export function addHelper(m: binaryen.Module, name: HelperName): void {
  const p = binaryen.createType([binaryen.i32, binaryen.i32]);
  const a = () => m.local.get(0, binaryen.i32), b = () => m.local.get(1, binaryen.i32);
  const zero = m.i32.const(0);
  let body: X;
  switch (name) {
    case 'div_u32': body = m.if(m.i32.eqz(b()), m.return(zero), m.return(m.i32.div_u(a(), b()))); break;
    case 'mod_u32': body = m.if(m.i32.eqz(b()), m.return(m.i32.const(0)), m.return(m.i32.rem_u(a(), b()))); break;
    case 'floordiv_i32':
      body = m.block(null, [
        m.if(m.i32.eqz(b()), m.return(m.i32.const(0))),
        m.if(m.i32.eq(b(), m.i32.const(-1)), m.return(m.i32.sub(m.i32.const(0), a()))),
        m.local.set(2, m.i32.div_s(a(), b())),
        // Truncation rounded toward zero; step down when the remainder's sign differs from b's.
        m.if(m.i32.and(m.i32.ne(m.i32.rem_s(a(), b()), m.i32.const(0)), m.i32.lt_s(m.i32.xor(a(), b()), m.i32.const(0))),
          m.local.set(2, m.i32.sub(m.local.get(2, binaryen.i32), m.i32.const(1)))),
        m.return(m.local.get(2, binaryen.i32)),
      ]);
      break;
    case 'mod_i32':
      body = m.block(null, [
        m.if(m.i32.eqz(b()), m.return(m.i32.const(0))),
        m.if(m.i32.eq(b(), m.i32.const(-1)), m.return(m.i32.const(0))),
        m.local.set(2, m.i32.rem_s(a(), b())),
        m.if(m.i32.lt_s(m.local.get(2, binaryen.i32), m.i32.const(0)),
          m.local.set(2, m.i32.add(m.local.get(2, binaryen.i32), m.select(m.i32.lt_s(b(), m.i32.const(0)), m.i32.sub(m.i32.const(0), b()), b())))),
        m.return(m.local.get(2, binaryen.i32)),
      ]);
      break;
  }
  m.addFunction(name, p, binaryen.i32, [binaryen.i32], body);
}

export function scalarCmp(m: binaryen.Module, op: CmpOp, t: DType, a: X, b: X): X {
  if (isFloat(t)) {
    const f = fl(m, t);
    return f[op](a, b);
  }
  const u = t === 'u32';
  switch (op) {
    case 'eq': return m.i32.eq(a, b);
    case 'ne': return m.i32.ne(a, b);
    case 'lt': return u ? m.i32.lt_u(a, b) : m.i32.lt_s(a, b);
    case 'le': return u ? m.i32.le_u(a, b) : m.i32.le_s(a, b);
    case 'gt': return u ? m.i32.gt_u(a, b) : m.i32.gt_s(a, b);
    case 'ge': return u ? m.i32.ge_u(a, b) : m.i32.ge_s(a, b);
  }
}

/** Scalar cast with ir/dtype.ts `convert` semantics. */
export function scalarCast(m: binaryen.Module, from: DType, to: DType, e: X): X {
  if (from === to) return e;
  if (to === 'bool') return isFloat(from) ? fl(m, from).ne(e, from === 'f64' ? m.f64.const(0) : m.f32.const(0)) : m.i32.ne(e, m.i32.const(0));
  if (isFloat(from) && isFloat(to)) return to === 'f64' ? m.f64.promote(e) : m.f32.demote(e);
  if (isFloat(to)) {
    const f = fl(m, to);
    return from === 'u32' ? f.convert_u.i32(e) : f.convert_s.i32(e);
  }
  if (isFloat(from)) {
    const sat = to === 'u32' ? m.i32.trunc_u_sat[from === 'f64' ? 'f64' : 'f32'](e) : m.i32.trunc_s_sat[from === 'f64' ? 'f64' : 'f32'](e);
    return normalize(m, to, sat);
  }
  return normalize(m, to, e);
}

/** Scalar reinterpretation with ir/dtype.ts `reinterpretValue` semantics (same width). */
export function scalarReinterpret(m: binaryen.Module, from: DType, to: DType, e: X): X {
  if (from === to) return e;
  if (from === 'f32') return m.i32.reinterpret(e);
  if (to === 'f32') return m.f32.reinterpret(e);
  // Integers of one width: the wrapping cast.
  return scalarCast(m, from, to, e);
}

/** The wasm load of one element of `t` at byte address `ptr` + `offset`. */
export function scalarLoad(m: binaryen.Module, t: DType, offset: number, ptr: X): X {
  switch (t) {
    case 'f32': return m.f32.load(offset, 4, ptr);
    case 'f64': return m.f64.load(offset, 8, ptr);
    case 'i32': case 'u32': return m.i32.load(offset, 4, ptr);
    case 'i16': return m.i32.load16_s(offset, 2, ptr);
    case 'u16': return m.i32.load16_u(offset, 2, ptr);
    case 'i8': return m.i32.load8_s(offset, 1, ptr);
    case 'u8': return m.i32.load8_u(offset, 1, ptr);
    default: throw new Error(`internal: load of ${t}`);
  }
}

export function scalarStore(m: binaryen.Module, t: DType, offset: number, ptr: X, value: X): X {
  switch (t) {
    case 'f32': return m.f32.store(offset, 4, ptr, value);
    case 'f64': return m.f64.store(offset, 8, ptr, value);
    case 'i32': case 'u32': return m.i32.store(offset, 4, ptr, value);
    case 'i16': case 'u16': return m.i32.store16(offset, 2, ptr, value);
    case 'i8': case 'u8': return m.i32.store8(offset, 1, ptr, value);
    default: throw new Error(`internal: store of ${t}`);
  }
}

export function scalarConst(m: binaryen.Module, t: DType, v: number): X {
  if (t === 'f32') return m.f32.const(v);
  if (t === 'f64') return m.f64.const(v);
  return m.i32.const(v | 0);
}
