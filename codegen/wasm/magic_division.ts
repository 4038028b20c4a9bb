/**
 * Unsigned division by a constant as a multiply and a shift (Granlund & Montgomery, "Division by
 * Invariant Integers using Multiplication", PLDI 1994): floor(x/d) = (x*m) >> s for every x of the
 * type. The multiplier is searched for and verified exhaustively over the type's values, so that the
 * product also fits the lane width the SIMD code multiplies in.
 */
const cache = new Map<string, Magic | null>();

export interface Magic { readonly multiplier: number; readonly shift: number }

/**
 * @param d divisor, 2 <= d < 2^bits
 * @param bits width of the dividend (8 or 16)
 * @param productBits width the product must fit in (2*bits for SIMD extmul)
 * @returns the multiplier (< 2^bits, to fit an extmul operand) and shift, or null if none exists
 */
export function unsignedMagic(d: number, bits: 8 | 16, productBits: number): Magic | null {
  const key = `${d}/${bits}/${productBits}`;
  if (cache.has(key)) return cache.get(key)!;
  const maxX = 2 ** bits - 1;
  let found: Magic | null = null;
  for (let shift = bits; shift < productBits && !found; shift++) {
    const multiplier = Math.ceil(2 ** shift / d);
    if (multiplier >= 2 ** bits || maxX * multiplier >= 2 ** productBits) continue;
    let ok = true;
    for (let x = 0; x <= maxX && ok; x++) ok = Math.floor((x * multiplier) / 2 ** shift) === Math.floor(x / d);
    if (ok) found = { multiplier, shift };
  }
  cache.set(key, found);
  return found;
}
