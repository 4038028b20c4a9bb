/**
 * How Tessera's dtypes live in WGSL (WGSL §6.2 plain types): f32, i32, u32 and bool as themselves;
 * 8- and 16-bit integers in 32-bit containers (u8/u16 in u32, i8/i16 in i32), kept normalised (an
 * u8 value is in [0, 255], an i8 value sign-extended) by wrapping after every operation that can leave
 * the range. f64 has no WGSL type. f16 would need the `shader-f16` feature: not generated yet.
 */
import type { DType } from '../../ir/dtype.js';
import { bits, isFloat, isSigned } from '../../ir/dtype.js';
import { CodegenError } from '../error.js';

/** A CodegenError of the WGSL backend. */
export class WgslCodegenError extends CodegenError {}

/** The WGSL scalar type that holds values of `t`. @throws WgslCodegenError for f64 */
export function scalarType(t: DType): 'f32' | 'i32' | 'u32' | 'bool' {
  if (t === 'bool') return 'bool';
  if (t === 'f64') throw new WgslCodegenError('unsupported', 'f64 has no WGSL type (WGSL §6.2.4 has f32 and f16 only): compute in f32 for the webgpu target');
  if (isFloat(t)) return 'f32';
  return isSigned(t) ? 'i32' : 'u32';
}

export function wgslType(t: DType, lanes: number): string {
  const s = scalarType(t);
  return lanes === 1 ? s : `vec${lanes}<${s}>`;
}

/** A constant of type `t` as a WGSL literal. @throws WgslCodegenError for a non-finite f32, which has none */
export function literal(t: DType, value: number): string {
  switch (scalarType(t)) {
    case 'bool': return value ? 'true' : 'false';
    case 'u32': return `${value >>> 0}u`;
    case 'i32': return value === -2147483648 ? 'i32(-2147483648)' : `${value | 0}i`;
    case 'f32': {
      if (!Number.isFinite(value)) throw new WgslCodegenError('internal', `internal: ${value} has no WGSL literal (the kernel emitter builds it with tsr_f32_from_bits)`);
      if (Object.is(value, -0)) return '-0.0f';
      const s = String(value);
      return /[.e]/.test(s) ? `${s}f` : `${s}.0f`;
    }
  }
}

/** Whether values of `t` sit in a wider container and need wrapping after arithmetic. */
export const isNarrowInt = (t: DType): boolean => t !== 'bool' && !isFloat(t) && bits(t) < 32;

/**
 * `x` (an expression of `t`'s container type, `lanes` wide) wrapped to `t`'s width: a mask for
 * unsigned types, a sign extension by shifts for signed ones.
 */
export function wrapTo(t: DType, lanes: number, x: string): string {
  if (!isNarrowInt(t)) return x;
  const splat = (s: string) => (lanes === 1 ? s : `vec${lanes}<u32>(${s})`);
  if (!isSigned(t)) return `(${x} & ${lanes === 1 ? '' : `vec${lanes}<u32>(`}${(2 ** bits(t) - 1)}u${lanes === 1 ? '' : ')'})`;
  const shift = splat(`${32 - bits(t)}u`);
  return `((${x} << ${shift}) >> ${shift})`;
}
