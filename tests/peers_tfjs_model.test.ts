/**
 * The TensorFlow.js model peer (bench/peers/tfjs_model.ts) against onnxruntime-node, rtol 1e-3 /
 * atol 1e-4: the four bench networks once each on real inputs (UltraFace also with its
 * BatchNormalizations left unfolded), then single operators and small chains built with onnx-proto
 * for the attribute paths the networks do not take (property tests over convolution and pooling
 * geometry), the refusals, the layout algebra against plain index loops, and onnxruntime-web's cold
 * start measurement.
 */
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tfjsModel, TfjsConvertError, type TfjsModelOptions } from '../bench/peers/tfjs_model.ts';
import { expandRank, onlyUnitAxesMove, permuteData, permutationBetween } from '../bench/peers/tfjs_layout.ts';
import { ortWebColdStart, ortWebWasmSize } from '../bench/peers/ort_cold_start.ts';
import { MODEL_WORKLOADS } from '../bench/models.ts';
import { topK } from '../examples/model_images.ts';
import { random } from '../examples/random.ts';
import { onnxModel, type InitSpec, type ModelSpec, type NodeSpec } from './helpers/onnx_graph.ts';
import { assertOutputsClose, ortRun } from './helpers/ort_model.ts';
import { requireSharedData } from './helpers/environment.ts';
import type { ModelTensor } from '../runtime/model_tensors.ts';

const RTOL = 1e-3, ATOL = 1e-4;
const data = requireSharedData(import.meta.url, ...MODEL_WORKLOADS.map((w) => w.file), 'models/mnist_cntk.onnx', 'images/dog.jpg', 'images/astronaut.png');
const shared = (p: string) => fileURLToPath(new URL(`../../shared/data/${p}`, import.meta.url));

type Feeds = Record<string, { data: Float32Array; shape: readonly number[] }>;

/** Runs `model` in the peer and in onnxruntime-node and asserts the outputs agree; returns the peer's stats. */
async function agreesWithOrt(t: ExecutionContext, model: Uint8Array | string, feeds: Feeds, what: string, options: TfjsModelOptions = {}) {
  const net = await tfjsModel(model, feeds, options);
  try {
    const got = net.result();
    const mine: Record<string, ModelTensor> = Object.fromEntries(net.outputs.map((o) => [o.name, { data: got[o.name]!, shape: o.shape, dtype: 'f32' as const }]));
    assertOutputsClose(t, mine, await ortRun(model, feeds), RTOL, ATOL, what);
    net.run();   // the timed call runs too, and leaves the outputs as they were
    t.deepEqual(net.result(), got, `${what}: a second call gives the same outputs`);
    return { stats: net.stats, outputs: got };
  } finally {
    net.dispose();
  }
}

// The bench's own workloads (bench/models.ts): dog.jpg for SqueezeNet, astronaut.png for UltraFace, seeded inputs for the rest.
// Every network needs exactly one transpose (the NCHW input to NHWC); each Relu/Clip that follows a Conv or Gemm alone is fused.
const EXPECTED: Record<string, { fused: number }> = { squeezenet: { fused: 26 }, ultraface: { fused: 36 }, mobilenetv2: { fused: 35 }, resnet18: { fused: 9 } };
for (const w of MODEL_WORKLOADS) {
  data.test(`${w.label}: the tfjs network matches onnxruntime-node, NHWC throughout`, async (t) => {
    const { stats, outputs } = await agreesWithOrt(t, shared(w.file), { [w.input]: { data: w.data(), shape: w.shape } }, w.label);
    t.log(JSON.stringify(stats));
    t.is(stats.transposes, 1);
    t.is(stats.fusedActivations, EXPECTED[w.key]!.fused);
    if (w.key === 'squeezenet') t.is(topK(outputs.softmaxout_1!, 1)[0], 207, 'dog.jpg is a golden retriever');
  });
}

data.test('UltraFace with BatchNormalization left unfolded: the converter computes it per channel in NHWC', async (t) => {
  const w = MODEL_WORKLOADS.find((m) => m.key === 'ultraface')!;
  const { stats } = await agreesWithOrt(t, shared(w.file), { [w.input]: { data: w.data(), shape: w.shape } }, 'unfolded', { skipPasses: ['fold BatchNormalization into Conv'] });
  t.is(stats.transposes, 1);
  t.true(stats.steps > 92, `${stats.steps} steps: each BatchNormalization is a step of its own`);
});

// Small models: graph input x, nodes, output y.
const seeded = (seed: number, n: number, scale = 1) => { const r = random(seed); return Array.from({ length: n }, () => r() * scale); };
const f32 = (name: string, shape: number[], seed: number, scale = 1): InitSpec => ({ name, dtype: 'f32', shape, data: seeded(seed, shape.reduce((a, b) => a * b, 1), scale) });
const scalar = (name: string, value: number): InitSpec => ({ name, dtype: 'f32', shape: [], data: [value] });
const i64 = (name: string, values: number[]): InitSpec => ({ name, dtype: 'i64', shape: [values.length], data: values });
function small(nodes: NodeSpec[], xShape: number[], initializers: InitSpec[] = [], opset = 13, extraInputs: ModelSpec['inputs'] = []): { model: Uint8Array; feeds: Feeds } {
  const model = onnxModel({ opset, nodes, inputs: [{ name: 'x', dtype: 'f32', shape: xShape }, ...extraInputs], outputs: [{ name: 'y', dtype: 'f32' }], initializers });
  const feeds: Feeds = { x: { data: Float32Array.from(seeded(99, xShape.reduce((a, b) => a * b, 1))), shape: xShape } };
  for (const e of extraInputs) feeds[e.name] = { data: Float32Array.from(seeded(7, (e.shape as number[]).reduce((a, b) => a * b, 1))), shape: e.shape as number[] };
  return { model, feeds };
}
/** A 1x1 Conv in front, so the op under test reads an NHWC tensor as in a network. */
const lift = (C: number, out = 'h'): { node: NodeSpec; init: InitSpec } => ({ node: { op: 'Conv', inputs: ['x', 'lift_w'], outputs: [out] }, init: f32('lift_w', [C, C, 1, 1], 3, 0.5) });

test('Conv geometry (property): groups, depthwise multipliers, strides, dilations, explicit and auto pads, fused activations', async (t) => {
  const layer = fc.record({
    C: fc.integer({ min: 1, max: 4 }), groupKind: fc.constantFrom('one', 'depthwise', 'split'), mult: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 4, max: 10 }), w: fc.integer({ min: 4, max: 10 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 2 }), d: fc.integer({ min: 1, max: 2 }), pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
    autoPad: fc.constantFrom('NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'), bias: fc.boolean(), act: fc.constantFrom('', 'Relu', 'Clip6', 'Sigmoid', 'LeakyRelu'),
  });
  await fc.assert(fc.asyncProperty(layer, async (l) => {
    const C = l.groupKind === 'split' ? 2 * l.C : l.C;
    const group = l.groupKind === 'one' ? 1 : l.groupKind === 'depthwise' ? C : 2;
    const M = group * l.mult * (l.groupKind === 'split' ? 2 : 1);
    const padded = l.autoPad === 'NOTSET' ? [l.h + l.pads[0]! + l.pads[2]!, l.w + l.pads[1]! + l.pads[3]!] : [l.h, l.w];
    const same = l.autoPad === 'SAME_UPPER' || l.autoPad === 'SAME_LOWER';
    if (!same && ((l.kh - 1) * l.d + 1 > padded[0]! || (l.kw - 1) * l.d + 1 > padded[1]!)) return;
    if (same && l.d > 1) return;   // the reference refuses it ('Dilation not supported for AutoPadType::SAME_UPPER or AutoPadType::SAME_LOWER')
    const attrs: NodeSpec['attrs'] = { group, strides: [l.s, l.s], dilations: [l.d, l.d], kernel_shape: [l.kh, l.kw] };
    if (l.autoPad === 'NOTSET') attrs.pads = l.pads; else attrs.auto_pad = l.autoPad;
    // Weights up to 2 in magnitude, so outputs reach past 6 and Clip(0, 6) clips.
    const init = [f32('w', [M, C / group, l.kh, l.kw], 5, 2), ...(l.bias ? [f32('b', [M], 6)] : []), scalar('zero', 0), scalar('six', 6)];
    const conv: NodeSpec = { op: 'Conv', inputs: ['x', 'w', ...(l.bias ? ['b'] : [])], outputs: [l.act ? 'c' : 'y'], attrs };
    const act: NodeSpec[] = !l.act ? [] : l.act === 'Clip6'
      ? [{ op: 'Clip', inputs: ['c', 'zero', 'six'], outputs: ['y'] }]
      : [{ op: l.act, inputs: ['c'], outputs: ['y'], ...(l.act === 'LeakyRelu' ? { attrs: { alpha: { float: 0.2 } } } : {}) }];
    const { model, feeds } = small([conv, ...act], [1, C, l.h, l.w], init);
    await agreesWithOrt(t, model, feeds, JSON.stringify(l));
  }), { numRuns: 24, seed: 11 });
  t.pass();
});

test('MaxPool geometry (property): kernels, strides, pads, ceil_mode and auto_pad at opset 12', async (t) => {
  const pool = fc.record({
    h: fc.integer({ min: 3, max: 11 }), w: fc.integer({ min: 3, max: 11 }), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }),
    pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }), ceil: fc.constantFrom(0, 1), autoPad: fc.constantFrom('NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'),
  });
  await fc.assert(fc.asyncProperty(pool, async (p) => {
    const pads = p.pads.map((x) => Math.min(x, p.k - 1));
    // The reference computes SAME pads without ONNX's max(0, ...) and refuses the negative ones.
    if (p.autoPad.startsWith('SAME') && [p.h, p.w].some((n) => (Math.ceil(n / p.s) - 1) * p.s + p.k - n < 0)) return;
    const attrs: NodeSpec['attrs'] = { kernel_shape: [p.k, p.k], strides: [p.s, p.s], ceil_mode: p.ceil };
    if (p.autoPad === 'NOTSET') attrs.pads = pads; else attrs.auto_pad = p.autoPad;
    const { node, init } = lift(3);
    const { model, feeds } = small([node, { op: 'MaxPool', inputs: ['h'], outputs: ['y'], attrs }], [1, 3, p.h, p.w], [init], 12);
    await agreesWithOrt(t, model, feeds, JSON.stringify(p));
  }), { numRuns: 20, seed: 12 });
  t.pass();
});

test('Softmax: opset 11 normalises axis..rank-1 jointly, opset 13 one axis, on NHWC and ONNX-ordered inputs', async (t) => {
  const { node, init } = lift(4);
  for (const [opset, axis] of [[11, 1], [11, 2], [11, -1], [13, 1], [13, 2], [13, -1], [13, 0]] as const) {
    const { model, feeds } = small([node, { op: 'Softmax', inputs: ['h'], outputs: ['y'], attrs: { axis } }], [1, 4, 3, 5], [init], opset);
    await agreesWithOrt(t, model, feeds, `opset ${opset} axis ${axis}`);
  }
  const { model, feeds } = small([{ op: 'Softmax', inputs: ['x'], outputs: ['y'] }], [2, 3, 4], [], 9);
  await agreesWithOrt(t, model, feeds, 'opset 9 default axis on a graph input');
});

test('Slice: attributes (opset 9), constant inputs with negative starts, steps and axes (opset 13), on an NHWC tensor', async (t) => {
  const { node, init } = lift(4);
  const cases: [number, NodeSpec, InitSpec[]][] = [
    [9, { op: 'Slice', inputs: ['h'], outputs: ['y'], attrs: { starts: [1, 0], ends: [3, 100], axes: [1, 3] } }, []],
    [13, { op: 'Slice', inputs: ['h', 'st', 'en', 'ax', 'sp'], outputs: ['y'] }, [i64('st', [-1, 0, 5]), i64('en', [-100, 3, 1]), i64('ax', [1, 2, -1]), i64('sp', [-2, 2, -1])]],
    [13, { op: 'Slice', inputs: ['h', 'st', 'en'], outputs: ['y'] }, [i64('st', [0, 1, 1, 2]), i64('en', [1, 3, 4, 1_000_000_000])]],
  ];
  for (const [opset, slice, inits] of cases) {
    const { model, feeds } = small([node, slice], [1, 4, 5, 6], [init, ...inits], opset);
    await agreesWithOrt(t, model, feeds, JSON.stringify(slice.attrs ?? inits.map((i) => i.data)));
  }
});

test('Gemm: transA/transB, alpha/beta, every C shape, B computed at run time, a fused Relu', async (t) => {
  const M = 3, K = 5, N = 4;
  const variants: { attrs: NodeSpec['attrs']; c?: number[]; bInput?: boolean; relu?: boolean }[] = [
    { attrs: { transB: 1 }, c: [N], relu: true },
    { attrs: { transA: 1, alpha: { float: 0.5 }, beta: { float: 2 } }, c: [1, N] },
    { attrs: { beta: { float: -1 } }, c: [M, N] },
    { attrs: { transA: 1, transB: 1 }, c: [M, 1] },
    { attrs: {}, c: [] },
    { attrs: { alpha: { float: 3 } } },
    { attrs: { transB: 1, alpha: { float: 2 } }, c: [N], bInput: true },
  ];
  for (const v of variants) {
    const transA = (v.attrs as Record<string, unknown>).transA === 1, transB = (v.attrs as Record<string, unknown>).transB === 1;
    const bShape = transB ? [N, K] : [K, N];
    const inits = [...(v.bInput ? [] : [f32('B', bShape, 2)]), ...(v.c ? [f32('C', v.c, 3)] : [])];
    const gemm: NodeSpec = { op: 'Gemm', inputs: ['x', 'B', ...(v.c ? ['C'] : [])], outputs: [v.relu ? 'g' : 'y'], attrs: v.attrs };
    const nodes = v.relu ? [gemm, { op: 'Relu', inputs: ['g'], outputs: ['y'] }] : [gemm];
    const { model, feeds } = small(nodes, transA ? [K, M] : [M, K], inits, 13, v.bInput ? [{ name: 'B', dtype: 'f32', shape: bShape }] : []);
    const { stats } = await agreesWithOrt(t, model, feeds, JSON.stringify(v));
    if (v.relu) t.is(stats.fusedActivations, 1);
  }
});

test('MatMul: numpy semantics, 1-D operands and broadcast batches', async (t) => {
  for (const [a, b] of [[[2, 3, 4], [4, 5]], [[4], [2, 4, 5]], [[3, 4], [4]], [[2, 1, 3, 4], [5, 4, 6]]]) {
    const { model, feeds } = small([{ op: 'MatMul', inputs: ['x', 'B'], outputs: ['y'] }], a!, [f32('B', b!, 4)]);
    await agreesWithOrt(t, model, feeds, `${JSON.stringify(a)} x ${JSON.stringify(b)}`);
  }
});

test('elementwise chains across layouts: broadcast constants, Concat with a constant, Transpose then Reshape, Clip bounds, BatchNormalization', async (t) => {
  const { node, init } = lift(3);
  const cases: [string, NodeSpec[], InitSpec[], ModelSpec['inputs']?][] = [
    ['Add of a row [W] and Mul by [C,1,1]', [node, { op: 'Add', inputs: ['h', 'r'], outputs: ['a'] }, { op: 'Mul', inputs: ['a', 'c'], outputs: ['s'] }, { op: 'Sub', inputs: ['s', 'h'], outputs: ['d'] }, { op: 'Div', inputs: ['d', 'c'], outputs: ['y'] }], [f32('r', [5], 8), f32('c', [3, 1, 1], 9)]],
    ['Concat along channels with a constant', [node, { op: 'Concat', inputs: ['h', 'k', 'h'], outputs: ['y'], attrs: { axis: 1 } }], [f32('k', [1, 2, 4, 5], 10)]],
    ['Transpose, Reshape and Flatten', [node, { op: 'Transpose', inputs: ['h'], outputs: ['p'], attrs: { perm: [0, 3, 1, 2] } }, { op: 'Reshape', inputs: ['p', 'sh'], outputs: ['q'] }, { op: 'Exp', inputs: ['q'], outputs: ['e'] }, { op: 'Flatten', inputs: ['e'], outputs: ['y'], attrs: { axis: 2 } }], [i64('sh', [1, 5, -1, 3])]],
    ['Clip with constant bounds, then with a bound computed at run time', [node, { op: 'Clip', inputs: ['h', 'lo', 'hi'], outputs: ['c1'] }, { op: 'Clip', inputs: ['c1', '', 'z'], outputs: ['y'] }], [scalar('lo', -0.3), scalar('hi', 0.4)], [{ name: 'z', dtype: 'f32', shape: [] }]],
    ['Clip whose min exceeds its max: every value is max (ONNX Clip-13)', [node, { op: 'Clip', inputs: ['h', 'hi', 'lo'], outputs: ['y'] }], [scalar('lo', -0.3), scalar('hi', 0.4)]],
    ['BatchNormalization on a pooled tensor, Sigmoid, GlobalAveragePool', [node, { op: 'MaxPool', inputs: ['h'], outputs: ['m'], attrs: { kernel_shape: [2, 2] } }, { op: 'BatchNormalization', inputs: ['m', 'sc', 'bi', 'mu', 'va'], outputs: ['b'], attrs: { epsilon: { float: 1e-3 } } }, { op: 'Sigmoid', inputs: ['b'], outputs: ['g'] }, { op: 'GlobalAveragePool', inputs: ['g'], outputs: ['y'] }],
      [f32('sc', [3], 11), f32('bi', [3], 12), f32('mu', [3], 13), { name: 'va', dtype: 'f32', shape: [3], data: [0.5, 1, 2] }]],
  ];
  for (const [what, nodes, inits, extra] of cases) {
    const { model, feeds } = small(nodes, [1, 3, 4, 5], [init, ...inits], 13, extra);
    await agreesWithOrt(t, model, feeds, what);
  }
});

test('Clip before opset 11: bounds as attributes; Clip(0, 6) after a Conv fuses as relu6, Clip(0, max) as relu', async (t) => {
  const conv = (out: string): NodeSpec => ({ op: 'Conv', inputs: ['x', 'w'], outputs: [out] });
  const w = f32('w', [4, 3, 3, 3], 21, 2);
  for (const [attrs, fused] of [[{ min: { float: 0 }, max: { float: 6 } }, 1], [{ min: { float: 0 } }, 1], [{ min: { float: -1 }, max: { float: 0.5 } }, 0]] as const) {
    const { model, feeds } = small([conv('c'), { op: 'Clip', inputs: ['c'], outputs: ['y'], attrs }], [1, 3, 6, 6], [w], 9);
    const { stats } = await agreesWithOrt(t, model, feeds, JSON.stringify(attrs));
    t.is(stats.fusedActivations, fused, JSON.stringify(attrs));
  }
});

test('refusals name the node, the op and the reason; a bad feed names the input', async (t) => {
  const tanh = small([{ op: 'Tanh', inputs: ['x'], outputs: ['y'], name: 'squash' }], [1, 4]);
  const e1 = await t.throwsAsync(tfjsModel(tanh.model, tanh.feeds), { instanceOf: TfjsConvertError });
  t.regex(e1!.message, /node squash \(Tanh, opset 13\): the peer has no tfjs conversion of Tanh; it converts .*Conv/);
  const dilated = small([{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], name: 'pool', attrs: { kernel_shape: [2, 2], dilations: [2, 2] } }], [1, 2, 6, 6], [], 12);
  await t.throwsAsync(tfjsModel(dilated.model, dilated.feeds), { instanceOf: TfjsConvertError, message: /node pool \(MaxPool, opset 12\): dilations \[2, 2\] are not converted/ });
  const runtimeWeights = small([{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'c' }], [1, 2, 4, 4], [], 13, [{ name: 'w', dtype: 'f32', shape: [3, 2, 1, 1] }]);
  await t.throwsAsync(tfjsModel(runtimeWeights.model, runtimeWeights.feeds), { instanceOf: TfjsConvertError, message: /node c \(Conv, opset 13\): the weights are computed at run time/ });
  const ok = small([{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], [2, 3]);
  await t.throwsAsync(tfjsModel(ok.model, {}), { message: /input x is not fed/ });
  await t.throwsAsync(tfjsModel(ok.model, { x: { data: new Float32Array(6), shape: [3, 2] } }), { message: /input x has shape \[3, 2\] and 6 values; the model declares \[2, 3\]/ });
  await t.throwsAsync(tfjsModel(ok.model, { ...ok.feeds, extra: ok.feeds.x! }), { message: /feeds\.extra: the model has no input extra/ });
  const net = await tfjsModel(ok.model, ok.feeds);
  net.dispose();
  t.throws(() => net.run(), { message: /disposed/ });
});

test('layouts: permuteData is numpy transpose (property, against an index loop); conversions between layouts', (t) => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }).chain((shape) =>
    fc.tuple(fc.constant(shape), fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length, maxLength: shape.length }))), ([shape, perm]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, (_, i) => i);
    const out = permuteData(data, shape, perm);
    const outShape = perm.map((a) => shape[a]!);
    // out[idx] = data[idx mapped back]: output index i along axis k is input index i along axis perm[k].
    for (let o = 0; o < n; o++) {
      let rest = o;
      const idx = new Array<number>(shape.length);
      for (let k = shape.length - 1; k >= 0; k--) { idx[k] = rest % outShape[k]!; rest = Math.floor(rest / outShape[k]!); }
      const src = new Array<number>(shape.length);
      perm.forEach((a, k) => { src[a] = idx[k]!; });
      const flat = src.reduce((acc, v, k) => acc * shape[k]! + v, 0);
      if (out[o] !== data[flat]) return false;
    }
    return true;
  }), { numRuns: 200, seed: 5 });
  t.deepEqual(permutationBetween([0, 2, 3, 1], [0, 1, 2, 3]), [0, 3, 1, 2]);
  t.deepEqual(expandRank([0], 4), [0, 1, 2, 3]);
  t.deepEqual(expandRank([1, 0], 3), [0, 2, 1]);
  t.true(onlyUnitAxesMove([1, 1, 1, 1000], [0, 3, 1, 2]), 'NHWC [1,1,1,1000] to NCHW moves no data');
  t.false(onlyUnitAxesMove([1, 2, 2, 3], [0, 3, 1, 2]));
  t.throws(() => permuteData(new Float32Array(6), [2, 3], [0, 0]), { message: /not a permutation/ });
  t.throws(() => permuteData(new Float32Array(5), [2, 3], [1, 0]), { message: /5 elements does not have shape \[2, 3\]/ });
});

data.test('onnxruntime-web cold start: a fresh process per run, phases that add up; the .wasm size; a failing run is named', (t) => {
  const mnist = shared('models/mnist_cntk.onnx');
  const r = ortWebColdStart(mnist, { name: 'Input3', shape: [1, 1, 28, 28], data: new Float32Array(784) }, 2);
  t.is(r.runs.length, 2);
  t.is(r.threads, 1);
  for (const p of r.runs) {
    t.true(p.importMs > 0 && p.sessionMs > 0 && p.firstRunMs > 0);
    t.true(Math.abs(p.importMs + p.sessionMs + p.firstRunMs - p.totalMs) < 1e-6 * p.totalMs + 1e-6);
  }
  t.is(r.medianMs, (r.runs[0]!.totalMs + r.runs[1]!.totalMs) / 2);
  t.log(`ort-web cold start on MNIST: ${r.runs.map((p) => p.totalMs.toFixed(0)).join(', ')} ms (loaded machine)`);
  const size = ortWebWasmSize();
  t.regex(size.package, /^onnxruntime-web@\d+\.\d+\.\d+$/);
  t.is(size.bytes, statSync(fileURLToPath(new URL(`../node_modules/onnxruntime-web/${size.file}`, import.meta.url))).size);
  t.true(size.gzipBytes > 0 && size.gzipBytes < size.bytes);
  t.throws(() => ortWebColdStart(shared('models/no_such_model.onnx'), { name: 'x', shape: [1], data: new Float32Array(1) }, 1), { message: /cold start 1 of 1 on .*no_such_model\.onnx failed \(exit status 1\): .*ENOENT/ });
  t.throws(() => ortWebColdStart(mnist, { name: 'Input3', shape: [1, 1, 28, 28], data: new Float32Array(784) }, 0), { message: /runs must be a positive integer/ });
});
