/** protobufjs gives int64 fields as Long objects (or numbers): exact conversions with range checks. */
import type Long from 'long';
import { ModelLoadError } from './errors.js';

export type Int64Field = number | Long | null | undefined;

const isLong = (v: unknown): v is Long => typeof v === 'object' && v !== null && 'low' in v && 'high' in v;

/**
 * An int64 field as an exact JS number.
 * @throws ModelLoadError naming `what` when the value is outside ±2^53 (not exactly representable)
 */
export function int64ToNumber(v: Int64Field, what: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const n = v.toNumber();
  if (!Number.isSafeInteger(n)) throw new ModelLoadError(`${what}: ${v.toString()} is outside the range of exactly representable integers (±2^53)`);
  return n;
}

/**
 * An int64 attribute value as a JS number: beyond ±2^53 it keeps its magnitude, not its last digits
 * (ONNX uses INT64_MAX and INT64_MIN as "to the end" in Slice and similar attributes).
 */
export function int64ToApproxNumber(v: Int64Field): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** An int64 (or uint64 when `unsigned`) field as an exact bigint. */
export function int64ToBigInt(v: Int64Field, unsigned = false): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  if (!isLong(v)) return BigInt(v as unknown as number);
  const lo = BigInt(v.low >>> 0), hi = BigInt(v.high >>> 0);
  const u = (hi << 32n) | lo;
  return unsigned ? u : BigInt.asIntN(64, u);
}
