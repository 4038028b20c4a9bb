/**
 * IEEE 754 binary16 ("half", ONNX FLOAT16) to and from binary32, bit-exactly: subnormals, infinities
 * and NaN kept; f32 to f16 rounds to nearest, ties to even (IEEE 754-2019 §4.3.1). Models hold f16
 * data as Uint16Array bits (as onnxruntime-web does); kernels compute in f32.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f32 value of one binary16 bit pattern (0..65535). */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** The binary16 bits nearest to `x` (round to nearest even; overflow to infinity; NaN stays NaN). */
export function numberToF16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff, frac = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (frac ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal: shift the 24-bit significand into place, rounding half to even.
    const m = frac | 0x800000, shift = 14 - e;
    const half = 1 << (shift - 1), rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && (r & 1))) r++;
    return sign | r;
  }
  let r = (e << 10) | (frac >>> 13);
  const rest = frac & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) r++;   // may carry into the exponent: still right
  return sign | r;
}

let table: Float32Array | undefined;

/** Widens binary16 bits to f32 values, element by element (through a 256 KiB table built on first use). */
export function f16ToF32(bits: Uint16Array<ArrayBufferLike>, out: Float32Array<ArrayBufferLike> = new Float32Array(bits.length)): Float32Array<ArrayBufferLike> {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = f16BitsToNumber(h);
  }
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}

/** Narrows f32 values to binary16 bits (round to nearest even), element by element. */
export function f32ToF16(values: ArrayLike<number>, out: Uint16Array<ArrayBufferLike> = new Uint16Array(values.length)): Uint16Array<ArrayBufferLike> {
  for (let i = 0; i < values.length; i++) out[i] = numberToF16Bits(values[i]!);
  return out;
}
