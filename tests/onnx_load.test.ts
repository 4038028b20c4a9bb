/**
 * ONNX loading: the shared models decode to the graphs their files describe; initializers in every
 * encoding (raw_data, typed fields, float16 widened) hold the right values; malformed input of every
 * kind (truncated, garbled, external data, subgraphs, bad structure) is one ModelLoadError naming what
 * was wrong; a fuzz test flips random bytes of a real model and every outcome is a graph or a clear
 * error, never another exception.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { loadOnnx, loadOnnxFile } from '../onnx/load.ts';
import { ModelLoadError } from '../onnx/errors.ts';
import { GraphError } from '../graph/errors.ts';
import { OpError } from '../ops/op.ts';
import { optimizeGraph } from '../graph/optimize.ts';
import { compileGraph } from '../model/compile_onnx.ts';
import { ModelCompileError } from '../model/errors.ts';
import { modelArrayType } from '../runtime/model_tensors.ts';
import { TESSERA_OPS } from '../model/library.ts';
import { random } from '../examples/random.ts';
import { f16BitsToNumber, numberToF16Bits } from '../runtime/f16.ts';
import { onnxModel } from './helpers/onnx_graph.ts';

const { onnx } = onnxProto;
const MODELS = new URL('../../shared/data/models/', import.meta.url);
const modelPath = (f: string) => new URL(f, MODELS).pathname;

const opCounts = (path: string) => {
  const m = new Map<string, number>();
  for (const n of loadOnnxFile(modelPath(path)).nodes) m.set(n.op, (m.get(n.op) ?? 0) + 1);
  return Object.fromEntries(m);
};

test('the shared models load with their opsets, inputs, outputs and operators', (t) => {
  const sq = loadOnnxFile(modelPath('squeezenet1.1.onnx'));
  t.deepEqual([...sq.opsets], [['', 7]]);
  t.deepEqual(sq.inputs, [{ name: 'data_0', dtype: 'f32', shape: [1, 3, 224, 224] }]);
  t.deepEqual(sq.outputs.map((o) => o.name), ['softmaxout_1']);
  t.deepEqual(opCounts('squeezenet1.1.onnx'), { Conv: 26, Relu: 26, MaxPool: 3, Concat: 8, Dropout: 1, GlobalAveragePool: 1, Softmax: 1 });
  const uf = loadOnnxFile(modelPath('ultraface_rfb320.onnx'));
  t.deepEqual(uf.outputs.map((o) => o.name), ['scores', 'boxes']);
  t.is(uf.opsets.get(''), 9);
  const mn = loadOnnxFile(modelPath('mnist_cntk.onnx'));
  // IR version 3 lists the initializers among the inputs: they stay constants.
  t.deepEqual(mn.inputs.map((i) => i.name), ['Input3']);
  t.is(mn.initializers.size, 8);
  t.is(loadOnnxFile(modelPath('resnet18_random.onnx')).opsets.get(''), 13);
});

test('float16 initializers are widened exactly: the fp16 SqueezeNet holds the fp32 one\'s values', (t) => {
  // The fp32 file was made by widening the fp16 one's initializers, nothing else changed.
  const h = loadOnnxFile(modelPath('squeezenet1.1_fp16_winml_original.onnx'));
  const f = loadOnnxFile(modelPath('squeezenet1.1.onnx'));
  t.is(h.initializers.size, f.initializers.size);
  let compared = 0;
  for (const [name, ht] of h.initializers) {
    const ft = f.initializers.get(name)!;
    t.is(ht.dtype, 'f16');
    t.deepEqual(ht.shape, ft.shape);
    t.true(ht.data instanceof Float32Array);
    for (let i = 0; i < ht.data.length; i++) if (ht.data[i] !== ft.data[i]) { t.fail(`${name}[${i}]: ${ht.data[i]} != ${ft.data[i]}`); return; }
    compared += ht.data.length;
  }
  t.true(compared > 1_000_000);
});

test('binary16 conversion is exact both ways, with subnormals, infinities, NaN and round-to-even', (t) => {
  for (let h = 0; h < 65536; h++) {
    const v = f16BitsToNumber(h);
    if (Number.isNaN(v)) { t.true(Number.isNaN(f16BitsToNumber(numberToF16Bits(v)))); continue; }
    if (numberToF16Bits(v) !== h) { t.fail(`bits ${h} -> ${v} -> ${numberToF16Bits(v)}`); return; }
  }
  t.is(numberToF16Bits(1 + 2 ** -11), 0x3c00);           // a tie rounds to even (down)
  t.is(numberToF16Bits(1 + 3 * 2 ** -11), 0x3c02);       // a tie rounds to even (up)
  t.is(numberToF16Bits(65520), 0x7c00);                  // past the largest half: infinity
  t.is(numberToF16Bits(2 ** -25), 0);                    // half the smallest subnormal: to even, zero
  t.is(numberToF16Bits(3 * 2 ** -26), 1);
  t.is(numberToF16Bits(-0), 0x8000);
});

/** A one-initializer model (Identity of it), the TensorProto given field by field. */
function withInitializer(tensor: onnxProto.onnx.ITensorProto): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'g', node: [{ opType: 'Identity', input: ['c'], output: ['y'] }], initializer: [{ name: 'c', ...tensor }], output: [{ name: 'y' }] },
  }).finish();
}
const DT = onnx.TensorProto.DataType;
const loaded = (tensor: onnxProto.onnx.ITensorProto) => loadOnnx(withInitializer(tensor)).initializers.get('c')!;

test('initializers decode from each typed field and from raw_data', (t) => {
  t.deepEqual([...loaded({ dataType: DT.FLOAT, dims: [3], floatData: [1.5, -2, 3] }).data], [1.5, -2, 3]);
  t.deepEqual([...loaded({ dataType: DT.INT64, dims: [2], int64Data: [-7, 9007199254740991] }).data], [-7n, 9007199254740991n]);
  t.deepEqual([...loaded({ dataType: DT.INT32, dims: [2], int32Data: [-5, 6] }).data], [-5, 6]);
  t.deepEqual([...loaded({ dataType: DT.INT8, dims: [2], int32Data: [-128, 127] }).data], [-128, 127]);
  t.deepEqual([...loaded({ dataType: DT.UINT16, dims: [1], int32Data: [65535] }).data], [65535]);
  t.deepEqual([...loaded({ dataType: DT.BOOL, dims: [3], int32Data: [1, 0, 1] }).data], [1, 0, 1]);
  t.deepEqual([...loaded({ dataType: DT.FLOAT16, dims: [2], int32Data: [0x3c00, 0xc000] }).data], [1, -2]);
  t.deepEqual([...loaded({ dataType: DT.DOUBLE, dims: [1], doubleData: [0.1] }).data], [0.1]);
  t.deepEqual([...loaded({ dataType: DT.UINT64, dims: [1], uint64Data: [12345] }).data], [12345n]);
  t.deepEqual([...loaded({ dataType: DT.UINT32, dims: [1], uint64Data: [4294967295] }).data], [4294967295]);
  const raw = new Uint8Array(new BigInt64Array([-1n, 1n << 40n]).buffer);
  const c = loaded({ dataType: DT.INT64, dims: [2], rawData: raw });
  t.deepEqual([...c.data], [-1n, 1n << 40n]);
  t.deepEqual(c.shape, [2]);
  const half = new Uint8Array(new Uint16Array([0x3c00, 0x0001]).buffer);
  t.deepEqual([...loaded({ dataType: DT.FLOAT16, dims: [2], rawData: half }).data], [1, 2 ** -24]);
  t.deepEqual([...loaded({ dataType: DT.FLOAT, dims: [0] }).data], []);
  t.deepEqual(loaded({ dataType: DT.FLOAT, dims: [], floatData: [4] }).shape, []);
});

const loadError = (t: import('ava').ExecutionContext, bytes: Uint8Array, pattern: RegExp) => {
  const e = t.throws(() => loadOnnx(bytes), { instanceOf: ModelLoadError });
  t.regex(e!.message, pattern);
};

test('external data is refused, naming the tensor and its file', (t) => {
  loadError(t, withInitializer({ dataType: DT.FLOAT, dims: [4], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: [{ key: 'location', value: 'weights.bin' }] }),
    /initializer c stores its data in an external file \("weights\.bin"\)/);
});

test('tensors of unsupported types and inconsistent lengths are refused by name', (t) => {
  loadError(t, withInitializer({ dataType: DT.STRING, dims: [1], stringData: [new Uint8Array([65])] }), /initializer c has element type STRING, which Tessera does not support/);
  loadError(t, withInitializer({ dataType: DT.BFLOAT16, dims: [1], int32Data: [1] }), /BFLOAT16/);
  loadError(t, withInitializer({ dataType: DT.FLOAT, dims: [3], floatData: [1, 2] }), /initializer c: float_data has 2 element\(s\), but the shape \[3\] needs 3/);
  loadError(t, withInitializer({ dataType: DT.FLOAT, dims: [2], rawData: new Uint8Array(7) }), /raw_data has 7 bytes, but 2 f32 elements of shape \[2\] need 8/);
  loadError(t, withInitializer({ dataType: DT.FLOAT, dims: [2, -1], floatData: [] }), /negative dimension -1/);
  loadError(t, withInitializer({ dataType: DT.FLOAT, dims: [5] }), /has no data/);
});

test('truncated, empty and non-ONNX bytes are a ModelLoadError, never another exception', (t) => {
  const bytes = readFileSync(modelPath('mnist_cntk.onnx'));
  for (const cut of [1, 7, 100, 1000, bytes.length >> 1, bytes.length - 3]) {
    t.throws(() => loadOnnx(bytes.subarray(0, cut)), { instanceOf: ModelLoadError }, `cut at ${cut}`);
  }
  loadError(t, new Uint8Array(0), /the model is empty/);
  loadError(t, new TextEncoder().encode('this is not a model at all, just some text'), /not a valid ONNX model|has no graph|opset/);
  const e = t.throws(() => loadOnnxFile('/nonexistent/model.onnx'), { instanceOf: ModelLoadError });
  t.regex(e!.message, /no such model file: \/nonexistent\/model\.onnx/);
});

test('structural faults are named: missing graph or opset, unknown tensors, cycles, subgraphs, functions', (t) => {
  loadError(t, onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }] }).finish(), /the model has no graph/);
  loadError(t, onnx.ModelProto.encode({ irVersion: 8, graph: { node: [], output: [{ name: 'y' }] } }).finish(), /imports no ai\.onnx opset/);
  const base = { inputs: [{ name: 'x', dtype: 'f32' as const, shape: [2] }], outputs: [{ name: 'y' }] };
  loadError(t, onnxModel({ ...base, nodes: [{ op: 'Relu', inputs: ['nowhere'], outputs: ['y'] }] }), /node n0 \(Relu\) reads tensor "nowhere", which no node produces/);
  loadError(t, onnxModel({ ...base, nodes: [{ op: 'Relu', inputs: ['b'], outputs: ['a'] }, { op: 'Relu', inputs: ['a'], outputs: ['b'] }, { op: 'Relu', inputs: ['x'], outputs: ['y'] }] }), /the nodes form a cycle/);
  loadError(t, onnxModel({ ...base, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }, { op: 'Neg', inputs: ['x'], outputs: ['y'] }] }), /tensor "y" is produced twice: by node n0 and by node n1/);
  loadError(t, onnxModel({ ...base, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['z'] }] }), /graph output y is produced by no node/);
  loadError(t, onnxModel({ ...base, nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'], domain: 'com.example' }] }), /node n0 \(com\.example\.Relu\) is in domain "com\.example", which the model does not import/);
  const withSubgraph = onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
    graph: { node: [{ name: 'loop', opType: 'If', input: ['x'], output: ['y'], attribute: [{ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: { name: 'b' } }] }], input: [{ name: 'x', type: { tensorType: { elemType: DT.BOOL, shape: { dim: [] } } } }], output: [{ name: 'y' }] },
  }).finish();
  loadError(t, withSubgraph, /node loop \(If\) attribute then_branch is a subgraph \(control flow such as If, Loop or Scan\), which Tessera does not support/);
  const withFunction = onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }, { domain: 'local', version: 1 }],
    functions: [{ name: 'MyOp', domain: 'local' }],
    graph: { node: [{ name: 'f', opType: 'MyOp', domain: 'local', input: ['x'], output: ['y'] }], input: [{ name: 'x', type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } }], output: [{ name: 'y' }] },
  }).finish();
  loadError(t, withFunction, /node f \(local\.MyOp\) calls a function defined in the model/);
  loadError(t, onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }],
    graph: { node: [], input: [{ name: 'x', type: { sequenceType: { elemType: { tensorType: { elemType: DT.FLOAT } } } } }], output: [{ name: 'x' }] },
  }).finish(), /graph input x is not a dense tensor/);
});

test('unnamed and repeated node names are made unique; unsorted nodes are sorted', (t) => {
  const g = loadOnnx(onnxModel({
    inputs: [{ name: 'x', dtype: 'f32', shape: [2] }], outputs: [{ name: 'z' }],
    nodes: [{ op: 'Neg', inputs: ['y'], outputs: ['z'], name: 'same' }, { op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'same' }],
  }));
  t.deepEqual(g.nodes.map((n) => [n.op, n.name]), [['Relu', 'same_1'], ['Neg', 'same']]);
});

/** Every outcome of loading and analysing fuzzed bytes must be one of these. */
const CLEAR = [ModelLoadError, GraphError, OpError, ModelCompileError];

test('fuzz: 400 seeded corruptions of the MNIST model each give a graph or a clear error; some compile and run', async (t) => {
  const original = readFileSync(modelPath('mnist_cntk.onnx'));
  const rand = random(20261201);
  const counts = { graphs: 0, analysed: 0, compiled: 0, errors: new Map<string, number>() };
  for (let iter = 0; iter < 400; iter++) {
    const bytes = Uint8Array.from(original);
    const flips = 1 + Math.floor(((rand() + 1) / 2) * 8);
    for (let k = 0; k < flips; k++) {
      const at = Math.floor(((rand() + 1) / 2) * bytes.length);
      bytes[at] = (rand() < 0 ? bytes[at]! ^ (1 << Math.floor(((rand() + 1) / 2) * 8)) : Math.floor(((rand() + 1) / 2) * 256)) & 255;
    }
    try {
      // Every tenth corruption is also truncated.
      const g = loadOnnx(iter % 10 === 0 ? bytes.subarray(0, Math.floor(((rand() + 1) / 2) * bytes.length)) : bytes);
      counts.graphs++;
      optimizeGraph(g, TESSERA_OPS, {});
      counts.analysed++;
      // Every 45th corruption that analyses is compiled and run on zeros too (compiling is the slow part).
      if (counts.analysed % 45 === 1) {
        const m = await compileGraph(g);
        await m.run(Object.fromEntries(m.inputs.map((i) => [i.name, { data: new (modelArrayType(i.dtype) as unknown as new (n: number) => Float32Array)(i.shape.reduce((a, b) => a * b, 1)), shape: i.shape, dtype: i.dtype }])));
        await m.dispose();
        counts.compiled++;
      }
    } catch (e) {
      if (!CLEAR.some((C) => e instanceof C)) {
        t.fail(`iteration ${iter}: ${(e as Error).name}: ${(e as Error).message}\n${(e as Error).stack}`);
        return;
      }
      t.true((e as Error).message.length > 10);
      const name = (e as Error).name;
      counts.errors.set(name, (counts.errors.get(name) ?? 0) + 1);
    }
  }
  t.log(`400 corruptions: ${counts.graphs} decoded, ${counts.analysed} analysed, ${counts.compiled} compiled and run; errors ${JSON.stringify(Object.fromEntries(counts.errors))}`);
  t.true(counts.errors.size > 0);
});
