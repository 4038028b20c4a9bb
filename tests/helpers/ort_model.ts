/**
 * onnxruntime-node as the reference for whole models: run a model's bytes on feeds given as Tessera's
 * ModelTensors, and compare outputs elementwise within |got - want| <= atol + rtol * |want| (numpy's
 * isclose, as ONNX's backend tests use), reporting the worst element.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionContext } from 'ava';
import type { ModelDType } from '../../graph/ir.js';
import type { ModelTensor } from '../../runtime/model_tensors.js';
import { f16BitsToNumber } from '../../runtime/f16.js';

const ORT_TYPE: Record<ModelDType, ort.Tensor.Type> = {
  f32: 'float32', u8: 'uint8', i8: 'int8', u16: 'uint16', i16: 'int16', i32: 'int32', i64: 'int64', bool: 'bool',
  f16: 'float16', f64: 'float64', u32: 'uint32', u64: 'uint64',
};
const FROM_ORT = new Map(Object.entries(ORT_TYPE).map(([k, v]) => [v, k as ModelDType]));

/** Runs `model` in onnxruntime-node (one thread, all optimizations). */
export async function ortRun(model: Uint8Array | string, feeds: Readonly<Record<string, ModelTensor>>): Promise<Record<string, ModelTensor>> {
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(model as Uint8Array, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const dtype = t.dtype ?? dtypeOf(t.data);
      inputs[name] = new ort.Tensor(ORT_TYPE[dtype], t.data as never, [...t.shape]);
    }
    const out = await session.run(inputs);
    const result: Record<string, ModelTensor> = {};
    for (const [name, t] of Object.entries(out)) result[name] = { data: t.data as ModelTensor['data'], shape: [...t.dims], dtype: FROM_ORT.get(t.type) ?? 'f32' };
    return result;
  } finally {
    await session.release();
  }
}

function dtypeOf(a: ModelTensor['data']): ModelDType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof BigInt64Array) return 'i64';
  if (a instanceof BigUint64Array) return 'u64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Int8Array) return 'i8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Int16Array) return 'i16';
  return 'u32';
}

/** An output's values as numbers (f16 bits decoded, bigints converted). */
export function valuesOf(t: ModelTensor): number[] {
  if (t.dtype === 'f16') return Array.from(t.data as Uint16Array, f16BitsToNumber);
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

export interface Closeness {
  /** The worst element: index, got, want, and its excess over the tolerance. */
  readonly worst: { index: number; got: number; want: number; error: number } | undefined;
  readonly maxAbs: number;
  readonly ok: boolean;
}

/** Compares elementwise: ok when every |got - want| <= atol + rtol * |want| (NaN matches NaN). */
export function closeness(got: ModelTensor, want: ModelTensor, rtol: number, atol: number): Closeness {
  const g = valuesOf(got), w = valuesOf(want);
  let worst: Closeness['worst'], excess = -Infinity, maxAbs = 0;
  let ok = g.length === w.length;
  for (let i = 0; i < Math.min(g.length, w.length); i++) {
    if (Number.isNaN(w[i]!) && Number.isNaN(g[i]!)) continue;
    const d = Math.abs(g[i]! - w[i]!);
    maxAbs = Math.max(maxAbs, d);
    const over = d - (atol + rtol * Math.abs(w[i]!));
    if (!(over <= 0)) ok = false;
    if (!(over <= excess)) { excess = over; worst = { index: i, got: g[i]!, want: w[i]!, error: d }; }
  }
  return { worst, maxAbs, ok };
}

/** Asserts that every output of `got` matches `want` (shape, dtype and values within tolerance). */
export function assertOutputsClose(t: ExecutionContext, got: Record<string, ModelTensor>, want: Record<string, ModelTensor>, rtol: number, atol: number, what = ''): void {
  t.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what} output names`);
  for (const [name, w] of Object.entries(want)) {
    const g = got[name]!;
    t.deepEqual([...g.shape], [...w.shape], `${what} ${name} shape`);
    t.is(g.dtype, w.dtype, `${what} ${name} dtype`);
    const c = closeness(g, w, rtol, atol);
    t.true(c.ok, `${what} ${name}: max |error| ${c.maxAbs}; worst element ${c.worst?.index}: ${c.worst?.got} vs ${c.worst?.want} (rtol ${rtol}, atol ${atol})`);
  }
}
