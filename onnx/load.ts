/**
 * Loading an ONNX model (ModelProto, onnx.proto3 as compiled by onnx-proto over protobufjs) into the
 * graph IR (graph/ir.ts): opset imports per domain, initializers, declared inputs and outputs with
 * their symbolic dimensions, and nodes in topological order with unique names. Every failure, whether
 * truncated bytes, a garbled field or a structure the format forbids, is one ModelLoadError that says
 * what was wrong.
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import type { AttrValue, ConstTensor, DeclaredDim, Graph, GraphNode, ValueDecl } from '../graph/ir.js';
import { GraphError } from '../graph/errors.js';
import { topologicalOrder } from '../graph/topo.js';
import { ModelLoadError } from './errors.js';
import { decodeAttribute } from './attributes.js';
import { decodeTensor, modelDType } from './tensor.js';
import { int64ToNumber } from './int64.js';

const { onnx } = onnxProto;

/** 'ai.onnx' and '' name the same default domain; the graph IR uses ''. */
const normalizeDomain = (d: string | null | undefined) => (d === 'ai.onnx' ? '' : d ?? '');

function decodeModel(bytes: Uint8Array): proto.ModelProto {
  if (bytes.length === 0) throw new ModelLoadError('the model is empty (0 bytes)');
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelLoadError(`the bytes are not a valid ONNX model (protobuf decoding failed: ${(e as Error).message}); the file may be truncated or not an .onnx file`);
  }
}

function opsetsOf(m: proto.IModelProto): Map<string, number> {
  const opsets = new Map<string, number>();
  for (const o of m.opsetImport ?? []) {
    const domain = normalizeDomain(o.domain);
    const version = int64ToNumber(o.version, `opset import of domain ${JSON.stringify(domain)}`);
    if (opsets.has(domain)) throw new ModelLoadError(`the model imports domain ${JSON.stringify(domain || 'ai.onnx')} twice`);
    opsets.set(domain, version);
  }
  if (!opsets.has('')) throw new ModelLoadError('the model imports no ai.onnx opset (opset_import is empty or lacks the default domain)');
  return opsets;
}

function declOf(v: proto.IValueInfoProto, role: 'input' | 'output'): ValueDecl {
  const name = v.name ?? '';
  if (!name) throw new ModelLoadError(`a graph ${role} has no name`);
  const what = `graph ${role} ${name}`;
  const type = v.type;
  if (type && !type.tensorType && (type.sequenceType || type.mapType || type.optionalType || type.sparseTensorType)) {
    throw new ModelLoadError(`${what} is not a dense tensor (sequence, map, optional and sparse values are not supported)`);
  }
  const tt = type?.tensorType;
  if (!tt?.elemType) {
    if (role === 'input') throw new ModelLoadError(`${what} declares no element type`);
    return { name, dtype: undefined, shape: undefined };
  }
  const dtype = modelDType(tt.elemType, what);
  const shape: DeclaredDim[] | undefined = tt.shape ? (tt.shape.dim ?? []).map((d, i) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue === null || d.dimValue === undefined) return undefined;
    const n = int64ToNumber(d.dimValue, `${what} dimension ${i}`);
    if (n < 0) throw new ModelLoadError(`${what} has a negative dimension ${n} (dimension ${i})`);
    return n;
  }) : undefined;
  return { name, dtype, shape };
}

function nodesOf(g: proto.IGraphProto, opsets: ReadonlyMap<string, number>, functions: ReadonlySet<string>): GraphNode[] {
  const used = new Set<string>();
  return (g.node ?? []).map((n, index) => {
    const op = n.opType ?? '';
    if (!op) throw new ModelLoadError(`node ${index} (${JSON.stringify(n.name ?? '')}) has no op_type`);
    const domain = normalizeDomain(n.domain);
    let name = n.name || `${op}_${index}`;
    while (used.has(name)) name = `${name}_${index}`;
    used.add(name);
    const where = `node ${name} (${domain ? `${domain}.` : ''}${op})`;
    if (functions.has(`${domain}:${op}`)) throw new ModelLoadError(`${where} calls a function defined in the model; Tessera does not inline model-local functions`);
    if (!opsets.has(domain)) throw new ModelLoadError(`${where} is in domain ${JSON.stringify(domain)}, which the model does not import (it imports ${[...opsets.keys()].map((d) => JSON.stringify(d || 'ai.onnx')).join(', ')})`);
    const attrs: Record<string, AttrValue> = {};
    for (const a of n.attribute ?? []) {
      if (!a.name) throw new ModelLoadError(`${where} has an attribute without a name`);
      if (a.name in attrs) throw new ModelLoadError(`${where} has attribute ${a.name} twice`);
      attrs[a.name] = decodeAttribute(a, where);
    }
    return { name, op, domain, inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attrs };
  });
}

/**
 * Decodes an ONNX model.
 * @param bytes the .onnx file's contents
 * @returns the graph: nodes in topological order (sorted if the file's were not), node names unique
 *   (generated as `${op}_${index}` where missing or repeated), domain 'ai.onnx' written ''
 * @throws ModelLoadError for bytes protobuf cannot decode (truncated or not ONNX), a model without a
 *   graph or an ai.onnx opset, external or sparse data, subgraph attributes, unsupported element types,
 *   model-local functions, nodes of domains the model does not import, duplicate or missing tensor
 *   definitions, cycles, and graph outputs nothing produces
 */
export function loadOnnx(bytes: Uint8Array): Graph {
  const m = decodeModel(bytes);
  const g = m.graph;
  if (!g) throw new ModelLoadError('the model has no graph');
  const opsets = opsetsOf(m);
  if ((g.sparseInitializer?.length ?? 0) > 0) throw new ModelLoadError(`the graph has ${g.sparseInitializer!.length} sparse initializer(s), which Tessera does not support`);
  const initializers = new Map<string, ConstTensor>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (!name) throw new ModelLoadError('an initializer has no name');
    if (initializers.has(name)) throw new ModelLoadError(`initializer ${name} is defined twice`);
    initializers.set(name, decodeTensor(t, `initializer ${name}`));
  }
  // Before IR version 4 initializers were also listed as inputs; they stay constants.
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map((v) => declOf(v, 'input'));
  const names = new Set<string>(initializers.keys());
  for (const i of inputs) {
    if (names.has(i.name)) throw new ModelLoadError(`graph input ${i.name} is declared twice`);
    names.add(i.name);
  }
  const outputs = (g.output ?? []).map((v) => declOf(v, 'output'));
  const functions = new Set((m.functions ?? []).map((f) => `${normalizeDomain(f.domain)}:${f.name}`));
  let nodes: GraphNode[];
  try {
    nodes = topologicalOrder(nodesOf(g, opsets, functions), names);
  } catch (e) {
    if (e instanceof GraphError) throw new ModelLoadError(e.message);
    throw e;
  }
  const produced = new Set([...names, ...nodes.flatMap((n) => n.outputs)]);
  for (const o of outputs) if (!produced.has(o.name)) throw new ModelLoadError(`graph output ${o.name} is produced by no node and is neither an input nor an initializer`);
  if (outputs.length === 0) throw new ModelLoadError('the graph has no outputs');
  return { name: g.name ?? '', opsets, inputs, outputs, initializers, nodes };
}

/**
 * Reads and decodes an .onnx file.
 * @throws ModelLoadError naming the path when it cannot be read, or as loadOnnx
 */
export function loadOnnxFile(path: string): Graph {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelLoadError(code === 'ENOENT' ? `no such model file: ${path}` : `cannot read model file ${path}: ${(e as Error).message}`);
  }
  try {
    return loadOnnx(bytes);
  } catch (e) {
    if (e instanceof ModelLoadError) throw new ModelLoadError(`${path}: ${e.message}`);
    throw e;
  }
}
