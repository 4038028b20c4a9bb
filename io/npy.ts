/**
 * NumPy's .npy files (the format of numpy.lib.format, NEP 1; versions 1.0, 2.0 and 3.0): a magic
 * string, a header length, a Python dict literal `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (3, 4), }` padded with spaces to a multiple of 64 bytes and ended by '\n', then the
 * elements. Tensors of Tessera's storage dtypes, little-endian, C (row-major) order.
 */
import { type StorageDType, dtypeOfArray, storageArrayType } from '../runtime/dtype.js';
import type { Tensor } from '../runtime/tensor.js';
import type { ModelDType } from '../runtime/model_dtype.js';
import { type ModelArray, type ModelTensor, modelArrayType } from '../runtime/model_tensors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGNMENT = 64;

/** NumPy's type string of each dtype (little-endian; one-byte types have no byte order: '|'). */
const DESCR: Readonly<Record<StorageDType, string>> = {
  f32: '<f4', f64: '<f8', i32: '<i4', u32: '<u4', i16: '<i2', u16: '<u2', i8: '|i1', u8: '|u1',
};
const BY_DESCR = new Map<string, StorageDType>(Object.entries(DESCR).flatMap(([t, d]) => {
  const [, kind] = /^[<|](.+)$/.exec(d)!;
  // '<' little-endian, '|' not applicable, '=' native (little-endian on every platform Tessera runs on).
  return ['<', '|', '='].map((order) => [`${order}${kind}`, t as StorageDType] as [string, StorageDType]);
}));

export class NpyError extends Error {
  override name = 'NpyError';
}

/** The value of `key` in the header's dict literal, as its source text. */
function headerField(header: string, key: string): string | undefined {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  return m?.[1];
}

/** A .npy file's header: its element type string, shape, and where the data starts. */
function parseNpy(bytes: Uint8Array, where: string): { descr: string; shape: number[]; shapeText: string; dataStart: number } {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new NpyError(`${where} is not a .npy file (it does not start with \\x93NUMPY)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number, start: number;
  if (major === 1) { headerLength = view.getUint16(8, true); start = 10; }
  else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(`${where}: truncated header`);
    headerLength = view.getUint32(8, true); start = 12;
  } else throw new NpyError(`${where}: .npy format version ${major}.${bytes[7]} is not one of 1.0, 2.0, 3.0`);
  if (start + headerLength > bytes.length) throw new NpyError(`${where}: truncated header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = headerField(header, 'descr')?.slice(1, -1);
  const fortran = headerField(header, 'fortran_order');
  const shapeText = headerField(header, 'shape');
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyError(`${where}: the header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape`);
  if (fortran === 'True') throw new NpyError(`${where}: the array is in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray)`);
  const shape = shapeText.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const n = Number(s.replace(/L$/, ''));
    if (!Number.isInteger(n) || n < 0) throw new NpyError(`${where}: shape ${shapeText} is not a tuple of non-negative integers`);
    return n;
  });
  return { descr, shape, shapeText, dataStart: start + headerLength };
}

/** A copy of the data bytes of `count` elements of `bytesPer` bytes each into `data`. */
function copyData(bytes: Uint8Array, dataStart: number, count: number, bytesPer: number, descr: string, shapeText: string, where: string): Uint8Array {
  if (bytes.length - dataStart < count * bytesPer) throw new NpyError(`${where}: shape ${shapeText} of '${descr}' needs ${count * bytesPer} data bytes, the file has ${bytes.length - dataStart}`);
  return bytes.subarray(dataStart, dataStart + count * bytesPer);
}

/**
 * Reads a .npy file's bytes as a tensor.
 * @param where the file's name, for messages
 * @returns a tensor over a copy of the data, shape as stored (a 0-d array has shape [])
 * @throws NpyError for a file that is not .npy, an unknown version, a dtype Tessera has no storage
 *   for (bool, complex, big-endian, ...), Fortran order, or fewer data bytes than the shape needs
 */
export function decodeNpy(bytes: Uint8Array, where = 'the .npy file'): Tensor {
  const { descr, shape, shapeText, dataStart } = parseNpy(bytes, where);
  const dtype = BY_DESCR.get(descr);
  if (!dtype) throw new NpyError(`${where}: dtype '${descr}' has no Tessera tensor type (little-endian ${Object.values(DESCR).join(', ')})`);
  const T = storageArrayType(dtype);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new T(count);
  new Uint8Array(data.buffer).set(copyData(bytes, dataStart, count, T.BYTES_PER_ELEMENT, descr, shapeText, where));
  return { data, shape };
}

/** NumPy's type string of each model dtype (runtime/model_dtype.ts): the storage ones, and f16, int64, uint64, bool. */
const MODEL_DESCR: Readonly<Record<ModelDType, string>> = { ...DESCR, f16: '<f2', i64: '<i8', u64: '<u8', bool: '|b1' };
const MODEL_BY_DESCR = new Map<string, ModelDType>(Object.entries(MODEL_DESCR).flatMap(([t, d]) => {
  const [, kind] = /^[<|](.+)$/.exec(d)!;
  return ['<', '|', '='].map((order) => [`${order}${kind}`, t as ModelDType] as [string, ModelDType]);
}));

/**
 * Reads a .npy file as a model input or output (runtime/model_tensors.ts): float16 as Uint16Array bits
 * with dtype 'f16', int64 as BigInt64Array, bool as Uint8Array with dtype 'bool'.
 * @throws NpyError as decodeNpy, for a dtype no model tensor has
 */
export function decodeModelNpy(bytes: Uint8Array, where = 'the .npy file'): ModelTensor {
  const { descr, shape, shapeText, dataStart } = parseNpy(bytes, where);
  const dtype = MODEL_BY_DESCR.get(descr);
  if (!dtype) throw new NpyError(`${where}: dtype '${descr}' is no model tensor type (little-endian ${Object.values(MODEL_DESCR).join(', ')})`);
  const T = modelArrayType(dtype) as unknown as { new (n: number): ModelArray; BYTES_PER_ELEMENT: number };
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new T(count);
  new Uint8Array(data.buffer).set(copyData(bytes, dataStart, count, T.BYTES_PER_ELEMENT, descr, shapeText, where));
  if (dtype === 'bool') for (let i = 0; i < count; i++) (data as Uint8Array)[i] = (data as Uint8Array)[i] ? 1 : 0;
  return { data, shape, dtype };
}

/**
 * A tensor as the bytes of a version 1.0 .npy file (C order, little-endian), as numpy.save writes it.
 * @throws NpyError for data that is not a Tessera typed array or does not fit the shape
 */
export function encodeNpy(tensor: Tensor): Uint8Array {
  const dtype = dtypeOfArray(tensor.data);
  if (!dtype) throw new NpyError('encodeNpy: the data is not a typed array of a Tessera dtype');
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) throw new NpyError(`encodeNpy: shape [${tensor.shape.join(', ')}] has ${count} elements, the data ${tensor.data.length}`);
  return npyBytes(DESCR[dtype], tensor.shape, tensor.data);
}

/** A version 1.0 .npy file: the header for `descr` and `shape`, padded to 64 bytes, then `data`'s bytes. */
function npyBytes(descr: string, shape: readonly number[], data: ArrayBufferView): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 4 + header.length + 1;
  header += ' '.repeat((ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT) + '\n';
  const out = new Uint8Array(MAGIC.length + 4 + header.length + data.byteLength);
  out.set(MAGIC);
  out[6] = 1; out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/**
 * A model tensor as the bytes of a version 1.0 .npy file, in its ONNX dtype ('<f2' for f16 bits,
 * '<i8' for int64, '|b1' for bool).
 * @throws NpyError for data that does not fit the shape, or a dtype that does not match the array
 */
export function encodeModelNpy(tensor: ModelTensor): Uint8Array {
  const dtype = tensor.dtype ?? (Object.keys(MODEL_DESCR) as ModelDType[]).find((t) => tensor.data instanceof (modelArrayType(t) as unknown as new () => object));
  if (!dtype || !(tensor.data instanceof (modelArrayType(dtype) as unknown as new () => object))) throw new NpyError(`encodeModelNpy: the data is not the typed array of dtype ${dtype ?? '(unknown)'}`);
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) throw new NpyError(`encodeModelNpy: shape [${tensor.shape.join(', ')}] has ${count} elements, the data ${tensor.data.length}`);
  return npyBytes(MODEL_DESCR[dtype], tensor.shape, tensor.data);
}
