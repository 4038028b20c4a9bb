/**
 * ONNX AttributeProto to graph/ir.ts AttrValue (onnx.proto3 AttributeProto). Graph-valued attributes
 * (If, Loop, Scan bodies), sparse tensors, type protos and function attribute references are refused.
 * A file that omits `type` (some early exporters) is read by the one value field that is set.
 */
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import type { AttrValue } from '../graph/ir.js';
import { ModelLoadError } from './errors.js';
import { int64ToApproxNumber } from './int64.js';
import { decodeTensor } from './tensor.js';

const AT = onnxProto.onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The attribute's type, from `type` or, when that is UNDEFINED, from the one field that holds a value. */
function typeOf(a: proto.IAttributeProto): number {
  if (a.type) return a.type;
  if (a.floats?.length) return AT.FLOATS;
  if (a.ints?.length) return AT.INTS;
  if (a.strings?.length) return AT.STRINGS;
  if (a.tensors?.length) return AT.TENSORS;
  if (a.graphs?.length) return AT.GRAPHS;
  if (a.t) return AT.TENSOR;
  if (a.g) return AT.GRAPH;
  if (a.s?.length) return AT.STRING;
  if (a.i !== undefined && a.i !== null && int64ToApproxNumber(a.i) !== 0) return AT.INT;
  if (a.f) return AT.FLOAT;
  return AT.UNDEFINED;
}

/**
 * @param where names the node for messages, e.g. `node conv1 (Conv)`
 * @throws ModelLoadError for graph, sparse-tensor and type-proto attributes, references to function
 *   attributes, an attribute without a value, or a bad tensor value
 */
export function decodeAttribute(a: proto.IAttributeProto, where: string): AttrValue {
  const what = `${where} attribute ${a.name ?? '(unnamed)'}`;
  if (a.refAttrName) throw new ModelLoadError(`${what} refers to function attribute ${a.refAttrName}; Tessera does not load model-local functions`);
  const t = typeOf(a);
  switch (t) {
    case AT.FLOAT: return { type: 'float', value: a.f ?? 0 };
    case AT.INT: return { type: 'int', value: int64ToApproxNumber(a.i) };
    case AT.STRING: return { type: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case AT.TENSOR:
      if (!a.t) throw new ModelLoadError(`${what} is a tensor attribute without a tensor`);
      return { type: 'tensor', value: decodeTensor(a.t, what) };
    case AT.FLOATS: return { type: 'floats', value: [...(a.floats ?? [])] };
    case AT.INTS: return { type: 'ints', value: (a.ints ?? []).map((v) => int64ToApproxNumber(v)) };
    case AT.STRINGS: return { type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case AT.TENSORS: return { type: 'tensors', value: (a.tensors ?? []).map((x, i) => decodeTensor(x, `${what}[${i}]`)) };
    case AT.GRAPH: case AT.GRAPHS:
      throw new ModelLoadError(`${what} is a subgraph (control flow such as If, Loop or Scan), which Tessera does not support`);
    case AT.SPARSE_TENSOR: case AT.SPARSE_TENSORS:
      throw new ModelLoadError(`${what} is a sparse tensor, which Tessera does not support`);
    case AT.TYPE_PROTO: case AT.TYPE_PROTOS:
      throw new ModelLoadError(`${what} is a type, which Tessera does not support`);
    case AT.UNDEFINED:
      throw new ModelLoadError(`${what} has no type and no value`);
    default:
      throw new ModelLoadError(`${what} has unknown attribute type ${t}`);
  }
}
