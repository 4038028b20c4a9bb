/**
 * Element types of a model's tensors (ONNX TensorProto.DataType names shortened) and how kernels hold
 * them. Defined here, in the runtime, because both the model compiler and the model runtime read it.
 */
import type { StorageDType } from './dtype.js';

/** Element types a model's tensors may have (ONNX TensorProto.DataType, onnx.proto3). */
export type ModelDType = 'f32' | 'f16' | 'f64' | 'i64' | 'i32' | 'i16' | 'i8' | 'u64' | 'u32' | 'u16' | 'u8' | 'bool';

export const MODEL_DTYPES: readonly ModelDType[] = ['f32', 'f16', 'f64', 'i64', 'i32', 'i16', 'i8', 'u64', 'u32', 'u16', 'u8', 'bool'];

/**
 * The Tessera dtype a kernel holds a model dtype in: f16 is widened to f32, i64 narrowed to i32 (values
 * outside the i32 range are refused where they enter a kernel), u64 to u32, bool to u8 (0 or 1).
 */
export function kernelDType(t: ModelDType): StorageDType {
  switch (t) {
    case 'f16': return 'f32';
    case 'i64': return 'i32';
    case 'u64': return 'u32';
    case 'bool': return 'u8';
    default: return t;
  }
}
