/**
 * Single-node ONNX models for the operator tests: a node with given attributes, inputs and
 * initializers is written as a ModelProto (onnx-proto's encoder), run by onnxruntime-node (the
 * independent reference), and compiled by Tessera the way the model compiler does per node: the
 * registry's entry infers shapes, defines its stages over one placeholder per input (in its kernel
 * dtype; a scalar as shape [1]), schedules them for the target, and the kernel runs.
 */
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { ExecutionContext } from 'ava';
import { compile, compileGpu, placeholder, pipeline, Schedule, type GpuContext, type ThreadPool, type Tensor } from '../../tessera.js';
import type { Func, Stage } from '../../dsl/func.js';
import { kernelDType, type AttrValue, type ConstTensor, type GraphNode, type ModelDType, type TensorInfo } from '../../graph/ir.js';
import type { OpContext, ScheduleTarget } from '../../ops/op.js';
import { lookupOp } from '../../ops/registry.js';
import { constData, roundToHalf } from '../../ops/host_tensors.js';
import { kernelShape } from '../../ops/indexing.js';
import { random } from '../../examples/random.js';
import type { TypedArray } from '../../ir/dtype.js';

const { onnx } = onnxProto;

/** Attribute values as graph/ir.ts holds them. */
export const attr = {
  int: (value: number): AttrValue => ({ type: 'int', value }),
  ints: (value: readonly number[]): AttrValue => ({ type: 'ints', value }),
  float: (value: number): AttrValue => ({ type: 'float', value }),
  floats: (value: readonly number[]): AttrValue => ({ type: 'floats', value }),
  string: (value: string): AttrValue => ({ type: 'string', value }),
  tensor: (value: ConstTensor): AttrValue => ({ type: 'tensor', value }),
};

export interface NodeInput {
  readonly dtype: ModelDType;
  readonly shape: readonly number[];
  /** Values (row-major); default: seeded uniform values in [-range, range) (floats), integers in [lo, hi] */
  readonly data?: readonly number[];
  /** An initializer of the model (a constant the op sees in ctx.consts) rather than a graph input. */
  readonly initializer?: boolean;
  readonly range?: number;
  readonly lo?: number;
  readonly hi?: number;
}

export interface NodeCase {
  readonly op: string;
  readonly opset: number;
  readonly attrs?: Readonly<Record<string, AttrValue>>;
  /** undefined marks an omitted optional input ('' in the node). */
  readonly inputs: readonly (NodeInput | undefined)[];
  /** Number of outputs (default 1). */
  readonly outputs?: number;
  readonly seed?: number;
  /**
   * An elementwise node after this one, reading its output 0 as input 0 (and `inputs` after it):
   * Tessera fuses it as the schedule's epilogue, as the model compiler does.
   */
  readonly epilogue?: { readonly op: string; readonly attrs?: Readonly<Record<string, AttrValue>>; readonly inputs?: readonly NodeInput[] };
  /** The op's implementation to compile (OpEntry.implementations), when not its default. */
  readonly implementation?: string;
}

const ONNX_TYPE: Record<ModelDType, number> = {
  f32: 1, u8: 2, i8: 3, u16: 4, i16: 5, i32: 6, i64: 7, bool: 9, f16: 10, f64: 11, u32: 12, u64: 13,
};
const ORT_TYPE: Record<ModelDType, ort.Tensor.Type> = {
  f32: 'float32', u8: 'uint8', i8: 'int8', u16: 'uint16', i16: 'int16', i32: 'int32', i64: 'int64', bool: 'bool',
  f16: 'float16', f64: 'float64', u32: 'uint32', u64: 'uint64',
};

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const isFloat = (t: ModelDType) => t === 'f32' || t === 'f16' || t === 'f64';

/** The values of each input of `c`: given, or drawn from the case's seed. */
export function inputValues(c: NodeCase): (number[] | undefined)[] {
  const rand = random(c.seed ?? 7);
  return [...c.inputs, ...(c.epilogue?.inputs ?? [])].map((x) => {
    if (!x) return undefined;
    if (x.data) {
      if (x.data.length !== numel(x.shape)) throw new Error(`input data has ${x.data.length} values for shape [${x.shape.join(', ')}]`);
      return [...x.data];
    }
    const n = numel(x.shape);
    if (isFloat(x.dtype)) return Array.from({ length: n }, () => (x.dtype === 'f16' ? roundToHalf(rand() * (x.range ?? 1)) : Math.fround(rand() * (x.range ?? 1))));
    if (x.dtype === 'bool') return Array.from({ length: n }, () => (rand() < 0 ? 0 : 1));
    const lo = x.lo ?? -5, hi = x.hi ?? 5;
    return Array.from({ length: n }, () => lo + Math.floor(((rand() + 1) / 2) * (hi - lo + 1)));
  });
}

const inputName = (i: number) => `in${i}`;
/** Extra input j of the epilogue node: value index c.inputs.length + j. */
const epilogueInputName = (j: number) => `e${j}`;
const outputName = (i: number) => `out${i}`;

function tensorProto(name: string, t: ConstTensor): onnxProto.onnx.ITensorProto {
  const base = { name, dims: [...t.shape], dataType: ONNX_TYPE[t.dtype] };
  switch (t.dtype) {
    case 'f32': return { ...base, floatData: [...(t.data as Float32Array)] };
    case 'f64': return { ...base, doubleData: [...(t.data as Float64Array)] };
    // 64-bit integers as raw little-endian bytes: a JS number cannot hold INT64_MAX exactly.
    case 'i64': case 'u64': return { ...base, rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) };
    case 'u32': return { ...base, uint64Data: [...t.data].map((v) => Number(v)) };
    case 'f16': return { ...base, int32Data: [...(t.data as Float32Array)].map(halfBits) };
    default: return { ...base, int32Data: [...t.data].map((v) => Number(v)) };
  }
}

function attributeProto(name: string, a: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int': return { name, type: T.INT, i: a.value };
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints': return { name, type: T.INTS, ints: [...a.value] };
    case 'floats': return { name, type: T.FLOATS, floats: [...a.value] };
    case 'strings': return { name, type: T.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor': return { name, type: T.TENSOR, t: tensorProto('', a.value) };
    case 'tensors': return { name, type: T.TENSORS, tensors: a.value.map((t) => tensorProto('', t)) };
  }
}

/** The ModelProto bytes of `c`'s one-node model (inputs in0.., outputs out0..). */
export function nodeModel(c: NodeCase, values = inputValues(c)): Uint8Array {
  const valueInfo = (name: string, x: NodeInput) => ({ name, type: { tensorType: { elemType: ONNX_TYPE[x.dtype], shape: { dim: x.shape.map((d) => ({ dimValue: d })) } } } });
  const outputs = Array.from({ length: c.outputs ?? 1 }, (_, i) => outputName(i));
  const extra = c.epilogue?.inputs ?? [];
  const nodes: onnxProto.onnx.INodeProto[] = [{
    name: 'n0', opType: c.op, domain: '',
    input: c.inputs.map((x, i) => (x ? inputName(i) : '')),
    output: c.epilogue ? ['t0', ...outputs.slice(1)] : outputs,
    attribute: Object.entries(c.attrs ?? {}).map(([k, v]) => attributeProto(k, v)),
  }];
  if (c.epilogue) {
    nodes.push({
      name: 'n1', opType: c.epilogue.op, domain: '', input: ['t0', ...extra.map((_, j) => epilogueInputName(j))], output: [outputs[0]!],
      attribute: Object.entries(c.epilogue.attrs ?? {}).map(([k, v]) => attributeProto(k, v)),
    });
  }
  const graph: onnxProto.onnx.IGraphProto = {
    name: 'node',
    node: nodes,
    input: [
      ...c.inputs.flatMap((x, i) => (x && !x.initializer ? [valueInfo(inputName(i), x)] : [])),
      ...extra.map((x, j) => valueInfo(epilogueInputName(j), x)),
    ],
    initializer: c.inputs.flatMap((x, i) => (x?.initializer ? [tensorProto(inputName(i), { dtype: x.dtype, shape: x.shape, data: constData(x.dtype, values[i]!) })] : [])),
    output: outputs.map((name) => ({ name })),
  };
  const irVersion = c.opset >= 21 ? 10 : c.opset >= 19 ? 9 : 8;
  return onnx.ModelProto.encode({ irVersion, opsetImport: [{ domain: '', version: c.opset }], graph }).finish();
}

/** IEEE binary16 bits of a value that is already a half (roundToHalf). */
export function halfBits(v: number): number {
  const f = new Float32Array([v]), u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000, exp = (u >>> 23) & 0xff, mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - e));
  return sign | (e << 10) | (mant >>> 13);
}

/** A binary16 bit pattern as a number. */
export function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** A result to compare: ONNX dtype, shape, values as numbers (bool as 0/1). */
export interface Result { readonly dtype: ModelDType; readonly shape: readonly number[]; readonly values: readonly number[] }

/** Runs `c` in onnxruntime-node. */
export async function runOrt(c: NodeCase, values = inputValues(c)): Promise<Result[]> {
  const session = await ort.InferenceSession.create(nodeModel(c, values));
  const feeds: Record<string, ort.Tensor> = {};
  c.inputs.forEach((x, i) => {
    if (!x || x.initializer) return;
    const v = values[i]!;
    const data = x.dtype === 'f16' ? Uint16Array.from(v, halfBits) : x.dtype === 'bool' ? Uint8Array.from(v) : constData(x.dtype, v);
    feeds[inputName(i)] = new ort.Tensor(ORT_TYPE[x.dtype], data as never, [...x.shape]);
  });
  (c.epilogue?.inputs ?? []).forEach((x, j) => {
    const v = values[c.inputs.length + j]!;
    feeds[epilogueInputName(j)] = new ort.Tensor(ORT_TYPE[x.dtype], constData(x.dtype, v) as never, [...x.shape]);
  });
  const out = await session.run(feeds);
  await session.release();
  return Array.from({ length: c.outputs ?? 1 }, (_, i) => {
    const t = out[outputName(i)]!;
    const dtype = (Object.entries(ORT_TYPE).find(([, v]) => v === t.type)?.[0] ?? 'f32') as ModelDType;
    const raw = t.data as ArrayLike<number | bigint>;
    const values = Array.from(raw, (x) => (dtype === 'f16' ? halfValue(Number(x)) : Number(x)));
    return { dtype, shape: [...t.dims], values };
  });
}

export interface TesseraOptions {
  readonly target?: ScheduleTarget;
  readonly threads?: number;
  readonly pool?: ThreadPool;
  readonly gpu?: GpuContext;
}

/** The OpContext the model compiler would give the node of `c`. */
export function nodeContext(c: NodeCase, values = inputValues(c)): OpContext {
  const node: GraphNode = {
    name: 'n0', op: c.op, domain: '', attrs: c.attrs ?? {},
    inputs: c.inputs.map((x, i) => (x ? inputName(i) : '')),
    outputs: Array.from({ length: c.outputs ?? 1 }, (_, i) => outputName(i)),
  };
  const inputs: (TensorInfo | undefined)[] = c.inputs.map((x) => (x ? { dtype: x.dtype, shape: [...x.shape] } : undefined));
  const consts = c.inputs.map((x, i) => (x?.initializer ? { dtype: x.dtype, shape: [...x.shape], data: constData(x.dtype, values[i]!) } : undefined));
  return { node, opset: c.opset, inputs, consts, prefix: 'n0', ...(c.implementation ? { implementation: c.implementation } : {}) };
}

/** Kernel data of an input: its kernel dtype's typed array. */
function kernelTensor(x: NodeInput, v: readonly number[]): Tensor {
  return { data: constData(kernelDType(x.dtype), v) as TypedArray, shape: kernelShape(x.shape) };
}

/**
 * Compiles `c`'s node with the registry's entry for `o.target` (default wasm-simd) and runs it.
 * @returns the outputs, with the types inferShapes gave
 */
export async function runTessera(c: NodeCase, o: TesseraOptions = {}, values = inputValues(c)): Promise<Result[]> {
  const ctx = nodeContext(c, values);
  const entry = lookupOp('', c.op, c.opset);
  if (!entry) throw new Error(`no entry for ${c.op} at opset ${c.opset}`);
  const infos = entry.inferShapes(ctx);
  // An empty input (an extent 0, e.g. an empty axes list) has no kernel argument: only its value is used.
  const funcs: (Func | undefined)[] = c.inputs.map((x, i) => (x && !x.shape.includes(0) ? placeholder(inputName(i), kernelShape(x.shape), kernelDType(x.dtype)) : undefined));
  const stages: Stage[] = entry.define(ctx, funcs);
  let outputs = stages, epilogue: Stage | undefined;
  const extra = c.epilogue?.inputs ?? [];
  if (c.epilogue) {
    const next = lookupOp('', c.epilogue.op, c.opset);
    if (!next?.elementwise) throw new Error(`${c.epilogue.op} is not an elementwise entry at opset ${c.opset}`);
    const infos1 = [infos[0]!, ...extra.map((x) => ({ dtype: x.dtype, shape: [...x.shape] }))];
    const ctx1: OpContext = {
      node: { name: 'n1', op: c.epilogue.op, domain: '', attrs: c.epilogue.attrs ?? {}, inputs: ['t0', ...extra.map((_, j) => epilogueInputName(j))], outputs: [outputName(0)] },
      opset: c.opset, inputs: infos1, consts: infos1.map(() => undefined), prefix: 'n1',
    };
    next.inferShapes(ctx1);
    [epilogue] = next.define(ctx1, [stages[0]!, ...extra.map((x, j) => placeholder(epilogueInputName(j), kernelShape(x.shape), kernelDType(x.dtype)))]);
    outputs = [epilogue!, ...stages.slice(1)];
  }
  const p = pipeline(...outputs);
  const sch = new Schedule(p);
  const target = o.target ?? 'wasm-simd';
  entry.schedule(sch, { outputs: stages, epilogue, target, threads: o.threads ?? 1 }, ctx);
  // A kernel reads only the inputs its stages use (an op may take a constant input's value at compile time).
  const used = new Set(p.inputs.map((f) => f.name));
  const feeds: Record<string, Tensor> = {};
  c.inputs.forEach((x, i) => { if (x && used.has(inputName(i))) feeds[inputName(i)] = kernelTensor(x, values[i]!); });
  extra.forEach((x, j) => { feeds[epilogueInputName(j)] = kernelTensor(x, values[c.inputs.length + j]!); });
  let out: Record<string, Tensor>;
  if (target === 'webgpu') {
    const f = await compileGpu(p, sch, { context: o.gpu });
    out = await f(feeds);
  } else {
    const f = compile(p, sch);
    if (o.pool) await f.kernel!.useThreadPool(o.pool);
    out = f(feeds);
  }
  // The kernel holds a scalar as [1]; the result has the ONNX shape inferShapes gave, once the kernel's agrees.
  return outputs.map((s, i) => {
    const t = out[s.name]!, info = infos[i]!;
    const shape = t.shape.join(',') === kernelShape(info.shape).join(',') ? info.shape : t.shape;
    return { dtype: info.dtype, shape: [...shape], values: Array.from(t.data as ArrayLike<number>) };
  });
}

/** Folds `c`'s node on the host (every input an initializer), or undefined when the entry does not fold. */
export function foldTessera(c: NodeCase, values = inputValues(c)): Result[] | undefined {
  const ctx = nodeContext(c, values);
  const entry = lookupOp('', c.op, c.opset)!;
  const r = entry.fold?.(ctx);
  return r?.map((t) => ({ dtype: t.dtype, shape: [...t.shape], values: Array.from(t.data as ArrayLike<number | bigint>, Number) }));
}

export interface Tolerance { readonly rtol?: number; readonly atol?: number }

/** Differences between `got` and `want` beyond the tolerance (floats) or at all (integers, bool); undefined when they agree. */
export function compareResults(got: readonly Result[], want: readonly Result[], tol: Tolerance = {}): string | undefined {
  const problems: string[] = [];
  want.forEach((w, k) => {
    const g = got[k];
    if (!g) { problems.push(`output ${k}: missing`); return; }
    if (g.dtype !== w.dtype) problems.push(`output ${k}: dtype ${g.dtype}, onnxruntime gives ${w.dtype}`);
    const gs = g.shape.length === 0 ? [] : g.shape, ws = w.shape;
    if (gs.join(',') !== ws.join(',')) { problems.push(`output ${k}: shape [${gs.join(', ')}], onnxruntime gives [${ws.join(', ')}]`); return; }
    const float = isFloat(w.dtype);
    const rtol = tol.rtol ?? (w.dtype === 'f16' ? 2e-3 : 1e-4), atol = tol.atol ?? (w.dtype === 'f16' ? 1e-3 : 1e-5);
    let bad = 0, first = -1;
    for (let i = 0; i < w.values.length; i++) {
      const a = g.values[i]!, b = w.values[i]!;
      const ok = float ? (Number.isNaN(b) ? Number.isNaN(a) : a === b || Math.abs(a - b) <= atol + rtol * Math.abs(b)) : a === b;
      if (!ok) { bad++; if (first < 0) first = i; }
    }
    if (bad) problems.push(`output ${k}: ${bad} of ${w.values.length} values differ${float ? ` (rtol ${rtol}, atol ${atol})` : ''}; first at ${first}: got ${g.values[first]}, want ${w.values[first]}`);
  });
  return problems.length ? problems.join('; ') : undefined;
}

/** ava: `c` on Tessera (target, threads of `o`) matches onnxruntime-node. */
export async function checkNode(t: ExecutionContext, c: NodeCase, o: TesseraOptions & Tolerance = {}): Promise<void> {
  const values = inputValues(c);
  const want = await runOrt(c, values);
  const got = await runTessera(c, o, values);
  const d = compareResults(got, want, o);
  t.is(d, undefined, `${c.op} opset ${c.opset} ${JSON.stringify(c.attrs ?? {}, (_, v) => (typeof v === 'bigint' ? String(v) : v))} inputs ${JSON.stringify(c.inputs.map((x) => x && x.shape))}: ${d}`);
}

/** ava: folding `c` (all inputs initializers) gives what onnxruntime-node computes. */
export async function checkFold(t: ExecutionContext, c: NodeCase): Promise<void> {
  const values = inputValues(c);
  const want = await runOrt(c, values);
  const got = foldTessera(c, values);
  t.truthy(got, `${c.op} does not fold`);
  const d = compareResults(got!, want);
  t.is(d, undefined, `fold ${c.op} opset ${c.opset} ${JSON.stringify(c.attrs ?? {}, (_, v) => (typeof v === 'bigint' ? String(v) : v))}: ${d}`);
}
