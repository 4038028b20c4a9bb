/**
 * onnxruntime-web's WebAssembly backend (the SIMD+threads build it ships) as a benchmark peer, in
 * Node. Models are built in memory with onnx-proto (ONNX's protobuf schema compiled by protobufjs),
 * one operator each. Each `run` is `session.run` with its copies of the inputs into wasm memory and of
 * the output out. The thread count is fixed by the first session of a process (`initOrt`).
 */
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

let threadsSet: number | undefined;

/** Sets the thread count (1 = no worker threads) before the first session; later calls must agree. */
export function initOrt(threads = 1): void {
  if (threadsSet !== undefined && threadsSet !== threads) throw new Error(`ort: already initialised with ${threadsSet} threads`);
  threadsSet = threads;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
}

const valueInfo = (name: string, dims: readonly number[]) =>
  onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
const initializer = (name: string, dims: readonly number[], data: Float32Array) =>
  onnx.TensorProto.create({ name, dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
const ints = (name: string, values: number[]) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
const int = (name: string, value: number) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });

interface OneOp {
  opType: string;
  inputs: { name: string; dims: number[] }[];
  initializers?: { name: string; dims: number[]; data: Float32Array }[];
  attributes?: ReturnType<typeof onnx.AttributeProto.create>[];
  output: number[];
}

/** An ONNX model (opset 17) of one node whose inputs are the graph inputs followed by the initializers. */
export function oneOpModel({ opType, inputs, initializers = [], attributes = [], output }: OneOp): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'tessera-bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: opType,
      node: [{ opType, input: [...inputs.map((i) => i.name), ...initializers.map((i) => i.name)], output: ['Y'], attribute: attributes }],
      input: inputs.map((i) => valueInfo(i.name, i.dims)),
      initializer: initializers.map((i) => initializer(i.name, i.dims, i.data)),
      output: [valueInfo('Y', output)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface OrtOp {
  /** One timed call: session.run with its copies in and out. */
  run(): Promise<void>;
  /** The output, copied. */
  result(): Promise<Float32Array>;
  release(): Promise<void>;
}

async function session(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<OrtOp> {
  if (threadsSet === undefined) initOrt(1);
  const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  return {
    async run() { await s.run(feeds); },
    async result() { const r = await s.run(feeds); return Float32Array.from(r.Y!.data as Float32Array); },
    release: () => s.release(),
  };
}

/** C = A·B, A and B [n, n] graph inputs. */
export function ortMatMul(a: Float32Array, b: Float32Array, n: number): Promise<OrtOp> {
  const model = oneOpModel({ opType: 'MatMul', inputs: [{ name: 'A', dims: [n, n] }, { name: 'B', dims: [n, n] }], output: [n, n] });
  return session(model, { A: new ort.Tensor('float32', a, [n, n]), B: new ort.Tensor('float32', b, [n, n]) });
}

/**
 * Conv, NCHW input [1, C, H, W] (graph input), weights OIHW [K, C/group, kh, kw] and optional bias [K]
 * as initializers, stride 1, zero padding (kh-1)/2 (same size out).
 */
export function ortConv(x: Float32Array, C: number, H: number, W: number, weights: Float32Array, K: number, kh: number, kw: number, group = 1, bias?: Float32Array): Promise<OrtOp> {
  const ph = (kh - 1) / 2, pw = (kw - 1) / 2;
  const model = oneOpModel({
    opType: 'Conv',
    inputs: [{ name: 'X', dims: [1, C, H, W] }],
    initializers: [{ name: 'W', dims: [K, C / group, kh, kw], data: weights }, ...(bias ? [{ name: 'B', dims: [K], data: bias }] : [])],
    attributes: [ints('kernel_shape', [kh, kw]), ints('pads', [ph, pw, ph, pw]), ints('strides', [1, 1]), int('group', group)],
    output: [1, K, H, W],
  });
  return session(model, { X: new ort.Tensor('float32', x, [1, C, H, W]) });
}

/** 3x3 box blur as AveragePool on [1, 1, H, W], pads 1, count_include_pad 0 (border windows average their in-image pixels). */
export function ortAvgPool3x3(x: Float32Array, H: number, W: number): Promise<OrtOp> {
  const model = oneOpModel({
    opType: 'AveragePool',
    inputs: [{ name: 'X', dims: [1, 1, H, W] }],
    attributes: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1]), int('count_include_pad', 0)],
    output: [1, 1, H, W],
  });
  return session(model, { X: new ort.Tensor('float32', x, [1, 1, H, W]) });
}

/**
 * A whole model in onnxruntime-web (wasm, the thread count set by `initOrt`): each `run` is one
 * `session.run` with its copies; `result` returns every output, copied.
 */
export async function ortModel(model: Uint8Array, feeds: Record<string, { data: Float32Array; shape: readonly number[] }>): Promise<{ run(): Promise<void>; result(): Promise<Record<string, Float32Array>>; release(): Promise<void> }> {
  if (threadsSet === undefined) initOrt(1);
  const s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, [...v.shape])]));
  return {
    async run() { await s.run(inputs); },
    async result() { const r = await s.run(inputs); return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, Float32Array.from(t.data as Float32Array)])); },
    release: () => s.release(),
  };
}

/** An elementwise Exp or Sigmoid of a 1-D graph input. */
export function ortUnary(x: Float32Array, opType: 'Exp' | 'Sigmoid'): Promise<OrtOp> {
  const model = oneOpModel({ opType, inputs: [{ name: 'X', dims: [x.length] }], output: [x.length] });
  return session(model, { X: new ort.Tensor('float32', x, [x.length]) });
}
