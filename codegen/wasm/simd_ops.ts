/**
 * SIMD operations on v128 chunks, chunk by chunk, with the same semantics as the scalar code.
 * Each function returns undefined when WebAssembly SIMD has no instruction for the case; the caller
 * then computes lane by lane.
 */
import binaryen from 'binaryen';
import { type DType, isFloat, isSigned, bits } from '../../ir/dtype.js';
import type { BinOp, CmpOp, MathFn } from '../../ir/expr.js';
import { type X, type Shape, shapeOf, lanesPerChunk } from './values.js';
import { unsignedMagic } from './magic_division.js';

type M = binaryen.Module;

const signedSuffix = (t: DType) => (isSigned(t) ? '_s' : '_u');

/** Splats a scalar (as scalar code holds it) across a chunk of `shape`. */
export function splat(m: M, shape: Shape, e: X): X {
  return (m[shape] as { splat(v: X): X }).splat(e);
}

/** A chunk from constant lanes. */
export function constChunk(m: M, t: DType, laneBits: number, values: readonly number[]): X {
  const buf = new ArrayBuffer(16);
  const view = new DataView(buf);
  values.forEach((v, i) => {
    if (t === 'f32') view.setFloat32(i * 4, v, true);
    else if (t === 'f64') view.setFloat64(i * 8, v, true);
    else if (laneBits === 8) view.setUint8(i, v & 0xff);
    else if (laneBits === 16) view.setUint16(i * 2, v & 0xffff, true);
    else if (laneBits === 32) view.setUint32(i * 4, v >>> 0, true);
    else view.setBigUint64(i * 8, BigInt.asUintN(64, BigInt(v)), true);
  });
  return m.v128.const(new Uint8Array(buf) as unknown as number[]);
}

/**
 * Element-wise binary operation on chunks of `t`. `cb` is b's constant lane value when b is a
 * broadcast constant; `bScalar` is b as a scalar when b is a broadcast (for shifts).
 */
export function simdBinary(m: M, op: BinOp, t: DType, a: X, b: X, cb?: number, bScalar?: () => X): X | undefined {
  const sh = shapeOf(t, bits(t));
  const v = m[sh] as unknown as Record<string, (x: X, y: X) => X>;
  switch (op) {
    case 'add': case 'sub':
      return v[op]!(a, b);
    case 'mul':
      if (sh === 'i8x16') {
        // No i8x16.mul: multiply the halves in 16 bits and keep the low bytes.
        const lo = m.i16x8.extmul_low_i8x16_u(a, b), hi = m.i16x8.extmul_high_i8x16_u(m.copyExpression(a), m.copyExpression(b));
        const mask = splat(m, 'i16x8', m.i32.const(0xff));
        return m.i8x16.narrow_i16x8_u(m.v128.and(lo, mask), m.v128.and(hi, splat(m, 'i16x8', m.i32.const(0xff))));
      }
      return sh === 'i64x2' ? undefined : v.mul!(a, b);
    case 'div':
      if (isFloat(t)) return v.div!(a, b);
      // Floor division by 2^k is an arithmetic shift for signed lanes too.
      if (cb !== undefined && cb > 1 && (cb & (cb - 1)) === 0 && isSigned(t) && sh !== 'i64x2') {
        return (m[sh] as unknown as { shr_s(x: X, s: X): X }).shr_s(a, m.i32.const(Math.log2(cb)));
      }
      return cb !== undefined ? unsignedDivByConst(m, t, a, cb) : undefined;
    case 'mod':
      if (!isFloat(t) && cb !== undefined && cb > 0 && (cb & (cb - 1)) === 0) return m.v128.and(a, splat(m, sh, m.i32.const(cb - 1)));
      return undefined;
    case 'min': case 'max':
      if (isFloat(t)) return floatMinMax(m, op, v, a, b, cb);
      if (sh === 'i64x2') return undefined;
      return v[`${op}${signedSuffix(t)}`]!(a, b);
    case 'and': return m.v128.and(a, b);
    case 'or': return m.v128.or(a, b);
    case 'xor': return m.v128.xor(a, b);
    case 'shl': case 'shr': {
      if (!bScalar) return undefined;
      const f = op === 'shl' ? 'shl' : `shr${signedSuffix(t)}`;
      return (m[sh] as unknown as Record<string, (x: X, s: X) => X>)[f]!(a, bScalar());
    }
  }
}

/**
 * Float min/max with Math.min/Math.max's result. Against a constant c that is not NaN, the pseudo
 * forms (WebAssembly §4.3.2 fpmin/fpmax: pmax(x, c) = x < c ? c : x, pmin(x, c) = c < x ? c : x)
 * give it too, and they are one minps/maxps on x86 where V8 lowers f32x4.min/max to about 8
 * instructions of NaN and signed-zero fix-ups (ReLU, Clip and max pooling are made of these): a NaN
 * x propagates, and only a tie of zeros of other signs differs. max(x, +0) at x = -0 is made right
 * by adding +0 first (-0 + +0 = +0, any other x unchanged); min(x, -0) keeps the IEEE form.
 */
function floatMinMax(m: M, op: 'min' | 'max', v: Record<string, (x: X, y: X) => X>, a: X, b: X, cb: number | undefined): X {
  if (cb === undefined || Number.isNaN(cb)) return v[op]!(a, b);
  if (op === 'max') return v.pmax!(Object.is(cb, 0) ? v.add!(a, m.copyExpression(b)) : a, b);
  return Object.is(cb, -0) ? v.min!(a, b) : v.pmin!(a, b);
}

/**
 * a * b + c on f32x4 chunks as one `f32x4.relaxed_madd` (WebAssembly relaxed-SIMD proposal, "Relaxed
 * fused multiply-add"): the engine may round once (fused) or twice (mul then add), so results can
 * differ from `mul` + `add` in the last bit. The module needs Features.RelaxedSIMD.
 */
export function relaxedMadd(m: M, a: X, b: X, c: X): X {
  // binaryen.js has the operation but no f32x4 method for it.
  const raw = binaryen as unknown as { _BinaryenSIMDTernary(module: number, op: number, a: X, b: X, c: X): X; RelaxedMaddVecF32x4: number };
  return raw._BinaryenSIMDTernary((m as unknown as { ptr: number }).ptr, raw.RelaxedMaddVecF32x4, a, b, c);
}

/** floor(a / d) for u8/u16 lanes by a constant d: widening multiply by a magic number and shift. */
function unsignedDivByConst(m: M, t: DType, a: X, d: number): X | undefined {
  if (t !== 'u8' && t !== 'u16') return undefined;
  if (d === 1) return a;
  if (d <= 0) return undefined;
  const w = bits(t) as 8 | 16;
  if (d >= 2 ** w) return splat(m, shapeOf(t, w), m.i32.const(0));
  if ((d & (d - 1)) === 0) return (m[shapeOf(t, w)] as unknown as { shr_u(x: X, s: X): X }).shr_u(a, m.i32.const(Math.log2(d)));
  const magic = unsignedMagic(d, w, 2 * w);
  if (!magic) return undefined;
  if (t === 'u16') {
    const k = splat(m, 'i16x8', m.i32.const(magic.multiplier));
    // a is used twice (low and high halves): callers pass a local read, so duplicating is free.
    const lo = m.i32x4.shr_u(m.i32x4.extmul_low_i16x8_u(a, k), m.i32.const(magic.shift));
    const hi = m.i32x4.shr_u(m.i32x4.extmul_high_i16x8_u(m.copyExpression(a), splat(m, 'i16x8', m.i32.const(magic.multiplier))), m.i32.const(magic.shift));
    return m.i16x8.narrow_i32x4_u(lo, hi);
  }
  const k = splat(m, 'i8x16', m.i32.const(magic.multiplier));
  const lo = m.i16x8.shr_u(m.i16x8.extmul_low_i8x16_u(a, k), m.i32.const(magic.shift));
  const hi = m.i16x8.shr_u(m.i16x8.extmul_high_i8x16_u(m.copyExpression(a), splat(m, 'i8x16', m.i32.const(magic.multiplier))), m.i32.const(magic.shift));
  return m.i8x16.narrow_i16x8_u(lo, hi);
}

/** Lane-wise comparison; the result is a mask chunk with lanes of bits(t). */
export function simdCmp(m: M, op: CmpOp, t: DType, a: X, b: X): X | undefined {
  const sh = shapeOf(t, bits(t));
  const v = m[sh] as unknown as Record<string, (x: X, y: X) => X>;
  if (op === 'eq' || op === 'ne') return v[op]!(a, b);
  if (isFloat(t)) return v[op]!(a, b);
  if (sh === 'i64x2') return undefined;
  return v[`${op}${signedSuffix(t)}`]!(a, b);
}

/** Lane-wise math function on float chunks, when SIMD has it. */
export function simdCall(m: M, fn: MathFn, t: DType, a: X): X | undefined {
  const sh = shapeOf(t, bits(t));
  if (isFloat(t)) {
    const v = m[sh as 'f32x4'];
    switch (fn) {
      case 'sqrt': return v.sqrt(a);
      case 'abs': return v.abs(a);
      case 'floor': return v.floor(a);
      case 'ceil': return v.ceil(a);
      case 'trunc': return v.trunc(a);
      case 'round': return v.nearest(a);
      default: return undefined;
    }
  }
  if (fn === 'abs') return isSigned(t) && sh !== 'i64x2' ? (m[sh] as unknown as { abs(x: X): X }).abs(a) : a;
  return undefined;
}

/**
 * Converts mask chunks of `from` bits per lane to `to` bits per lane (lanes stay all-ones/zeros).
 * Narrowing takes pairs of chunks, widening splits each chunk in two.
 */
export function convertMask(m: M, chunks: readonly X[], from: number, to: number, share: (e: X) => () => X): X[] {
  let cur = [...chunks];
  let w = from;
  while (w > to) {
    const next: X[] = [];
    for (let i = 0; i < cur.length; i += 2) {
      const a = cur[i]!, b = cur[i + 1]!;
      next.push(w === 32 ? m.i16x8.narrow_i32x4_s(a, b) : w === 16 ? m.i8x16.narrow_i16x8_s(a, b) : m.i8x16.shuffle(a, b, [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]));
    }
    cur = next;
    w /= 2;
  }
  while (w < to) {
    const next: X[] = [];
    for (const c of cur) {
      const g = share(c);
      if (w === 8) next.push(m.i16x8.extend_low_i8x16_s(g()), m.i16x8.extend_high_i8x16_s(g()));
      else if (w === 16) next.push(m.i32x4.extend_low_i16x8_s(g()), m.i32x4.extend_high_i16x8_s(g()));
      else next.push(m.i64x2.extend_low_i32x4_s(g()), m.i64x2.extend_high_i32x4_s(g()));
    }
    cur = next;
    w *= 2;
  }
  return cur;
}

/**
 * Casts chunks of `from` to chunks of `to` with `convert` semantics, or undefined when lane-by-lane
 * code is needed. Widening splits chunks (extend low/high), narrowing wraps each lane to the target
 * width first and then packs pairs (narrow never saturates after the wrap).
 */
export function simdCast(m: M, from: DType, to: DType, chunks: readonly X[], share: (e: X) => () => X): X[] | undefined {
  if (from === to) return [...chunks];
  if (from === 'f64' || to === 'f64' || from === 'bool' || to === 'bool') return undefined;
  const fb = bits(from), tb = bits(to);
  if (isFloat(from)) {
    // f32 -> i32/u32 saturating, then to the narrower integer by wrapping.
    const ints = chunks.map((c) => (to === 'u32' ? m.i32x4.trunc_sat_f32x4_u(c) : m.i32x4.trunc_sat_f32x4_s(c)));
    return to === 'i32' || to === 'u32' ? ints : simdCast(m, 'i32', to, ints, share);
  }
  if (isFloat(to)) {
    const ints = fb === 32 ? [...chunks] : simdCast(m, from, isSigned(from) ? 'i32' : 'u32', chunks, share);
    if (!ints) return undefined;
    return ints.map((c) => (from === 'u32' ? m.f32x4.convert_i32x4_u(c) : m.f32x4.convert_i32x4_s(c)));
  }
  if (fb === tb) return [...chunks];
  if (fb < tb) {
    const srcSigned = isSigned(from);
    let cur = [...chunks];
    for (let w = fb; w < tb; w *= 2) {
      const next: X[] = [];
      for (const c of cur) {
        const g = share(c);
        if (w === 8) next.push(srcSigned ? m.i16x8.extend_low_i8x16_s(g()) : m.i16x8.extend_low_i8x16_u(g()), srcSigned ? m.i16x8.extend_high_i8x16_s(g()) : m.i16x8.extend_high_i8x16_u(g()));
        else next.push(srcSigned ? m.i32x4.extend_low_i16x8_s(g()) : m.i32x4.extend_low_i16x8_u(g()), srcSigned ? m.i32x4.extend_high_i16x8_s(g()) : m.i32x4.extend_high_i16x8_u(g()));
      }
      cur = next;
    }
    return cur;
  }
  let cur = [...chunks];
  for (let w = fb; w > tb; w /= 2) {
    const half = w / 2;
    const sh = shapeOf('i32', w) as 'i16x8' | 'i32x4';
    const wrapped = cur.map((c) => {
      if (isSigned(to)) {
        // Sign-extend the low half of each lane so the signed narrow keeps it exactly.
        const amount = m.i32.const(half);
        return (m[sh] as { shr_s(x: X, s: X): X }).shr_s((m[sh] as { shl(x: X, s: X): X }).shl(c, amount), m.i32.const(half));
      }
      return m.v128.and(c, splat(m, sh, m.i32.const(2 ** half - 1)));
    });
    const next: X[] = [];
    for (let i = 0; i < wrapped.length; i += 2) {
      const a = wrapped[i]!, b = wrapped[i + 1]!;
      if (w === 32) next.push(isSigned(to) ? m.i16x8.narrow_i32x4_s(a, b) : m.i16x8.narrow_i32x4_u(a, b));
      else next.push(isSigned(to) ? m.i8x16.narrow_i16x8_s(a, b) : m.i8x16.narrow_i16x8_u(a, b));
    }
    cur = next;
  }
  return cur;
}

/** Extracts lane `i` of a chunk as a normalized scalar of `t`. */
export function extractLane(m: M, t: DType, laneBits: number, chunk: X, i: number): X {
  const sh = shapeOf(t, laneBits);
  const idx = i as unknown as X;
  if (t === 'bool') {
    const raw = sh === 'i64x2' ? m.i32.wrap(m.i64x2.extract_lane(chunk, idx)) : sh === 'i32x4' ? m.i32x4.extract_lane(chunk, idx) : sh === 'i16x8' ? m.i16x8.extract_lane_s(chunk, idx) : m.i8x16.extract_lane_s(chunk, idx);
    return m.i32.ne(raw, m.i32.const(0));
  }
  switch (sh) {
    case 'f32x4': return m.f32x4.extract_lane(chunk, idx);
    case 'f64x2': return m.f64x2.extract_lane(chunk, idx);
    case 'i32x4': return m.i32x4.extract_lane(chunk, idx);
    case 'i16x8': return isSigned(t) ? m.i16x8.extract_lane_s(chunk, idx) : m.i16x8.extract_lane_u(chunk, idx);
    case 'i8x16': return isSigned(t) ? m.i8x16.extract_lane_s(chunk, idx) : m.i8x16.extract_lane_u(chunk, idx);
    default: throw new Error(`internal: extract from ${sh}`);
  }
}

/** Replaces lane `i` of a chunk with a scalar (bool scalars become all-ones masks). */
export function replaceLane(m: M, t: DType, laneBits: number, chunk: X, i: number, value: X): X {
  const sh = shapeOf(t, laneBits);
  const idx = i as unknown as X;
  const v = t === 'bool' ? m.i32.sub(m.i32.const(0), value) : value;
  if (sh === 'i64x2') return m.i64x2.replace_lane(chunk, idx, m.i64.extend_s(v));
  return (m[sh] as unknown as { replace_lane(c: X, i: X, v: X): X }).replace_lane(chunk, idx, v);
}

export { lanesPerChunk };
