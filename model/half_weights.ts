/**
 * Weights stored as IEEE 754 binary16 (compileOnnx's `weights: 'f16'`): every f32 constant whose
 * values all fit binary16's range is rounded to nearest even (runtime/f16.ts) and stored in half the
 * bytes; the runtime widens it back to f32 as it copies the weights in (runtime/weights.ts), so the
 * kernels, and the compiled model in memory, compute with the rounded values. A constant that was
 * float16 in the ONNX file is stored so whatever the option: widening it was exact, so is narrowing.
 */
import { numberToF16Bits } from '../runtime/f16.js';
import type { HalfRun } from '../runtime/weights.js';
import type { ModelDType } from '../graph/ir.js';

/** How a model stores its weights: 'f32' as the kernels read them, 'f16' f32 constants as binary16. */
export type WeightsStorage = 'f32' | 'f16';

export const WEIGHTS_STORAGE: readonly WeightsStorage[] = ['f32', 'f16'];

/** One constant of a weights region: its bytes [offset, offset + bytes), its ONNX dtype. */
export interface RegionConstant {
  readonly name: string;
  readonly offset: number;
  readonly bytes: number;
  readonly dtype: ModelDType;
}

/**
 * The binary16 bits of `values`, or undefined when a finite value would round to infinity
 * (|x| >= 65520): such a tensor stays f32.
 */
export function halfBits(values: Float32Array): Uint16Array | undefined {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!, h = numberToF16Bits(x);
    if ((h & 0x7fff) === 0x7c00 && Number.isFinite(x)) return undefined;
    out[i] = h;
  }
  return out;
}

/** Whether a constant is stored as binary16 under `storage` (f32 in the kernel, and f16 asked for or already f16). */
export const storedAsHalf = (dtype: ModelDType, storage: WeightsStorage): boolean => dtype === 'f16' || (dtype === 'f32' && storage === 'f16');

export interface StoredWeights {
  /** The weights file's bytes. */
  readonly stored: Uint8Array;
  /** The runs stored as binary16 (runtime/weights.ts), in increasing order. */
  readonly runs: readonly HalfRun[];
  /** Constants left f32 because a value exceeds binary16's range. */
  readonly notes: readonly string[];
}

/**
 * The weights file of a wasm model's weights region.
 * @param region the region's bytes as the kernels read them (f32 constants as little-endian f32)
 * @param constants the region's constants, in increasing offset order
 */
export function storeWeights(region: Uint8Array, constants: readonly RegionConstant[], storage: WeightsStorage): StoredWeights {
  const runs: HalfRun[] = [], parts: Uint8Array[] = [], notes: string[] = [];
  let at = 0;
  for (const c of constants) {
    if (!storedAsHalf(c.dtype, storage)) continue;
    const values = new Float32Array(region.slice(c.offset, c.offset + c.bytes).buffer);
    const bits = halfBits(values);
    if (!bits) { notes.push(`weights f16: constant ${c.name} stays f32: a value exceeds binary16's largest, 65504`); continue; }
    parts.push(region.subarray(at, c.offset), new Uint8Array(bits.buffer));
    runs.push({ offset: c.offset, count: values.length });
    at = c.offset + c.bytes;
  }
  parts.push(region.subarray(at));
  const stored = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) { stored.set(p, o); o += p.byteLength; }
  return { stored, runs, notes };
}
