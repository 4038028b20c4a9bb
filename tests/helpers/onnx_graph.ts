/**
 * Multi-node ONNX models written with onnx-proto's encoder, for the loader, pass, memory-plan and
 * model tests: nodes, graph inputs and outputs with (possibly symbolic) shapes, initializers.
 */
import onnxProto from 'onnx-proto';
import type { ModelDType } from '../../graph/ir.js';

const { onnx } = onnxProto;

export const ONNX_TYPE: Record<ModelDType, number> = {
  f32: 1, u8: 2, i8: 3, u16: 4, i16: 5, i32: 6, i64: 7, bool: 9, f16: 10, f64: 11, u32: 12, u64: 13,
};

export interface ValueSpec { name: string; dtype?: ModelDType; shape?: (number | string)[] }
export interface InitSpec { name: string; dtype: ModelDType; shape: number[]; data: readonly number[] | readonly bigint[] }
type Attr = number | string | number[] | { floats: number[] } | { float: number } | { tensor: InitSpec };
export interface NodeSpec { op: string; inputs: string[]; outputs: string[]; name?: string; domain?: string; attrs?: Record<string, Attr> }
export interface ModelSpec {
  nodes: NodeSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: InitSpec[];
  opset?: number;
  irVersion?: number;
}

function tensorProto(t: InitSpec): onnxProto.onnx.ITensorProto {
  const base = { name: t.name, dims: t.shape, dataType: ONNX_TYPE[t.dtype] };
  switch (t.dtype) {
    case 'f32': return { ...base, rawData: new Uint8Array(Float32Array.from(t.data as number[]).buffer) };
    case 'i64': return { ...base, int64Data: (t.data as (number | bigint)[]).map((v) => Number(v)) };
    case 'f64': return { ...base, doubleData: t.data as number[] };
    default: return { ...base, int32Data: t.data as number[] };
  }
}

function attribute(name: string, v: Attr): onnxProto.onnx.IAttributeProto {
  const AT = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  return { name, type: AT.TENSOR, t: tensorProto(v.tensor) };
}

function valueInfo(v: ValueSpec): onnxProto.onnx.IValueInfoProto {
  if (!v.dtype) return { name: v.name };
  return {
    name: v.name,
    type: { tensorType: { elemType: ONNX_TYPE[v.dtype], shape: v.shape ? { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined } },
  };
}

/** The ModelProto bytes of `m` (opset 13 unless given). */
export function onnxModel(m: ModelSpec): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: m.irVersion ?? 8,
    producerName: 'tessera-tests',
    opsetImport: [{ domain: '', version: m.opset ?? 13 }],
    graph: {
      name: 'test',
      node: m.nodes.map((n, i) => ({
        name: n.name ?? `n${i}`, opType: n.op, domain: n.domain ?? '', input: n.inputs, output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
      initializer: (m.initializers ?? []).map(tensorProto),
    },
  }).finish();
}
