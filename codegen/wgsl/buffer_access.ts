/**
 * Loads and stores on a kernel's buffers. Storage buffers the caller passes keep the caller's bytes:
 * an 8- or 16-bit tensor is an array of u32 words holding 4 or 2 elements (little-endian, as in the
 * typed array), read by shifting and masking (WGSL §6.2.10 has no 8/16-bit storage). Written that way,
 * neighbouring elements share a word that different invocations write, so outputs of those types are
 * arrays of atomic<u32> written with atomicAnd/atomicOr on the element's bits only (WGSL §17.8).
 * Buffers Tessera allocates (stages at root, workgroup and private arrays) hold one element per word.
 */
import type * as ir from '../../ir/expr.js';
import { bits, isSigned, type DType } from '../../ir/dtype.js';
import { isNarrowInt, scalarType } from './types.js';

export type BufferRole = 'input' | 'output' | 'intermediate' | 'workgroup' | 'private';

export interface KernelBuffer {
  readonly buffer: ir.Buffer;
  readonly role: BufferRole;
  /** The WGSL identifier. */
  readonly name: string;
}

/** Whether the buffer holds several elements per 32-bit word. */
export const isPacked = (b: KernelBuffer): boolean => (b.role === 'input' || b.role === 'output') && isNarrowInt(b.buffer.dtype);

/** The WGSL element type of the array that backs `b`. */
export function elementType(b: KernelBuffer): string {
  if (!isPacked(b)) return scalarType(b.buffer.dtype);
  return b.role === 'output' ? 'atomic<u32>' : 'u32';
}

const perWord = (t: DType) => 32 / bits(t);

/** The helper functions (WGSL source) that load and store elements of a packed buffer. */
export function packedHelpers(b: KernelBuffer, loaded: boolean, stored: boolean): string {
  if (!isPacked(b)) return '';
  const t = b.buffer.dtype, w = bits(t), n = perWord(t), mask = `${2 ** w - 1}u`;
  const word = (i: string) => `u32(${i}) / ${n}u`;
  const shift = (i: string) => `(u32(${i}) % ${n}u) * ${w}u`;
  const read = b.role === 'output' ? (i: string) => `atomicLoad(&${b.name}[${word(i)}])` : (i: string) => `${b.name}[${word(i)}]`;
  const out: string[] = [];
  if (loaded) {
    const value = isSigned(t)
      ? `return bitcast<i32>(w << (${32 - w}u - sh)) >> ${32 - w}u;`
      : `return (w >> sh) & ${mask};`;
    out.push(`fn load_${b.name}(i: i32) -> ${scalarType(t)} {\n  let w = ${read('i')};\n  let sh = ${shift('i')};\n  ${value}\n}`);
  }
  if (stored) {
    const bitsOf = isSigned(t) ? `bitcast<u32>(v) & ${mask}` : `v & ${mask}`;
    out.push(`fn store_${b.name}(i: i32, v: ${scalarType(t)}) {\n  let k = ${word('i')};\n  let sh = ${shift('i')};\n  atomicAnd(&${b.name}[k], ~(${mask} << sh));\n  atomicOr(&${b.name}[k], (${bitsOf}) << sh);\n}`);
  }
  return out.join('\n');
}

/** A scalar load of element `index` (an i32 expression). */
export function loadElement(b: KernelBuffer, index: string): string {
  return isPacked(b) ? `load_${b.name}(${index})` : `${b.name}[${index}]`;
}

/** A scalar store statement of `value` at `index`. */
export function storeElement(b: KernelBuffer, index: string, value: string): string {
  return isPacked(b) ? `store_${b.name}(${index}, ${value});` : `${b.name}[${index}] = ${value};`;
}
