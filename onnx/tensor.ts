/**
 * ONNX TensorProto to a constant tensor (graph/ir.ts ConstTensor), following onnx.proto3: `raw_data`
 * holds the elements little-endian in their own width; otherwise the typed field for the data type
 * (float_data; int32_data for int32 and the narrower types, f16 bits and bool; int64_data;
 * double_data; uint64_data for uint32 and uint64). float16 is widened to f32. External data, segments,
 * strings, complex and bfloat16 tensors are refused.
 */
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import type { ConstData, ConstTensor, ModelDType } from '../graph/ir.js';
import { elementCount } from '../graph/ir.js';
import { f16BitsToNumber, f16ToF32 } from '../runtime/f16.js';
import { ModelLoadError } from './errors.js';
import { int64ToBigInt, int64ToNumber } from './int64.js';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

/** ONNX TensorProto.DataType to the model dtypes Tessera holds. */
const DTYPES: Partial<Record<number, ModelDType>> = {
  [DT.FLOAT]: 'f32', [DT.UINT8]: 'u8', [DT.INT8]: 'i8', [DT.UINT16]: 'u16', [DT.INT16]: 'i16', [DT.INT32]: 'i32',
  [DT.INT64]: 'i64', [DT.BOOL]: 'bool', [DT.FLOAT16]: 'f16', [DT.DOUBLE]: 'f64', [DT.UINT32]: 'u32', [DT.UINT64]: 'u64',
};

/** The name of an ONNX data type number, for messages. */
export function dataTypeName(t: number): string {
  return (DT as unknown as Record<number, string>)[t] ?? `data type ${t}`;
}

/**
 * The model dtype of an ONNX TensorProto.DataType.
 * @throws ModelLoadError naming `what` for string, complex, bfloat16 and unknown types
 */
export function modelDType(t: number, what: string): ModelDType {
  const d = DTYPES[t];
  if (!d) throw new ModelLoadError(`${what} has element type ${dataTypeName(t)}, which Tessera does not support (supported: float, float16, double, int8..int64, uint8..uint64, bool)`);
  return d;
}

/** Bytes per element as raw_data stores them. */
const RAW_BYTES: Record<ModelDType, number> = { f32: 4, f16: 2, f64: 8, i64: 8, i32: 4, i16: 2, i8: 1, u64: 8, u32: 4, u16: 2, u8: 1, bool: 1 };

function arrayFor(dtype: ModelDType, n: number): ConstData {
  switch (dtype) {
    case 'f32': case 'f16': return new Float32Array(n);
    case 'f64': return new Float64Array(n);
    case 'i64': return new BigInt64Array(n);
    case 'u64': return new BigUint64Array(n);
    case 'i32': return new Int32Array(n);
    case 'i16': return new Int16Array(n);
    case 'i8': return new Int8Array(n);
    case 'u32': return new Uint32Array(n);
    case 'u16': return new Uint16Array(n);
    case 'u8': case 'bool': return new Uint8Array(n);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fromRaw(dtype: ModelDType, raw: Uint8Array, n: number): ConstData {
  if (LITTLE_ENDIAN && dtype === 'f16') {
    const bits = new Uint16Array(n);
    new Uint8Array(bits.buffer).set(raw);
    return f16ToF32(bits);
  }
  if (LITTLE_ENDIAN && dtype !== 'bool') {
    // Copy into a fresh, aligned buffer and view it in place: the bytes already are the elements.
    const out = arrayFor(dtype, n);
    new Uint8Array(out.buffer).set(raw);
    return out;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'f32': (out as Float32Array)[i] = view.getFloat32(4 * i, true); break;
      case 'f16': (out as Float32Array)[i] = f16BitsToNumber(view.getUint16(2 * i, true)); break;
      case 'f64': (out as Float64Array)[i] = view.getFloat64(8 * i, true); break;
      case 'i64': (out as BigInt64Array)[i] = view.getBigInt64(8 * i, true); break;
      case 'u64': (out as BigUint64Array)[i] = view.getBigUint64(8 * i, true); break;
      case 'i32': (out as Int32Array)[i] = view.getInt32(4 * i, true); break;
      case 'i16': (out as Int16Array)[i] = view.getInt16(2 * i, true); break;
      case 'i8': (out as Int8Array)[i] = view.getInt8(i); break;
      case 'u32': (out as Uint32Array)[i] = view.getUint32(4 * i, true); break;
      case 'u16': (out as Uint16Array)[i] = view.getUint16(2 * i, true); break;
      case 'u8': (out as Uint8Array)[i] = view.getUint8(i); break;
      case 'bool': (out as Uint8Array)[i] = view.getUint8(i) ? 1 : 0; break;
    }
  }
  return out;
}

type Typed = { field: string; values: readonly unknown[] };

/** The typed field onnx.proto3 says holds `dtype`'s elements. */
function typedField(t: proto.ITensorProto, dtype: ModelDType): Typed {
  switch (dtype) {
    case 'f32': return { field: 'float_data', values: t.floatData ?? [] };
    case 'f64': return { field: 'double_data', values: t.doubleData ?? [] };
    case 'i64': return { field: 'int64_data', values: t.int64Data ?? [] };
    case 'u32': case 'u64': return { field: 'uint64_data', values: t.uint64Data ?? [] };
    default: return { field: 'int32_data', values: t.int32Data ?? [] };
  }
}

function fromTyped(dtype: ModelDType, values: readonly unknown[], n: number): ConstData {
  const out = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    switch (dtype) {
      case 'i64': (out as BigInt64Array)[i] = int64ToBigInt(v as number); break;
      case 'u64': (out as BigUint64Array)[i] = int64ToBigInt(v as number, true); break;
      case 'u32': (out as Uint32Array)[i] = Number(int64ToBigInt(v as number, true) & 0xffffffffn); break;
      case 'f16': (out as Float32Array)[i] = f16BitsToNumber((v as number) & 0xffff); break;
      case 'bool': (out as Uint8Array)[i] = v ? 1 : 0; break;
      default: (out as Float32Array)[i] = v as number;   // the typed array narrows int32_data to its width
    }
  }
  return out;
}

/**
 * Decodes a TensorProto.
 * @param what how messages name the tensor (e.g. `initializer conv1.weight`)
 * @throws ModelLoadError for external data (naming the tensor and its file), segments, unsupported
 *   element types, negative or fractional dims, and data whose length disagrees with the dims
 */
export function decodeTensor(t: proto.ITensorProto, what: string): ConstTensor {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    throw new ModelLoadError(`${what} stores its data in an external file${location ? ` (${JSON.stringify(location)})` : ''}; Tessera loads self-contained models only: save the model with its data inside (onnx.save_model(model, path, save_as_external_data=False))`);
  }
  if (t.segment) throw new ModelLoadError(`${what} is a segment of a larger tensor; Tessera does not load segmented tensors`);
  const dtype = modelDType(t.dataType ?? 0, what);
  const shape = (t.dims ?? []).map((d, i) => {
    const n = int64ToNumber(d, `${what} dimension ${i}`);
    if (n < 0) throw new ModelLoadError(`${what} has a negative dimension ${n} (dimension ${i})`);
    return n;
  });
  const n = elementCount(shape);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const want = n * RAW_BYTES[dtype];
    if (raw.length !== want) throw new ModelLoadError(`${what}: raw_data has ${raw.length} bytes, but ${n} ${dtype} elements of shape [${shape.join(', ')}] need ${want}`);
    return { dtype, shape, data: fromRaw(dtype, raw, n) };
  }
  const { field, values } = typedField(t, dtype);
  if (values.length !== n) {
    throw new ModelLoadError(`${what}: ${field} has ${values.length} element(s), but the shape [${shape.join(', ')}] needs ${n}${values.length === 0 ? ' (the tensor has no data)' : ''}`);
  }
  return { dtype, shape, data: fromTyped(dtype, values, n) };
}
