/**
 * TensorFlow.js (wasm backend, XNNPACK, one thread) running a whole ONNX network, as a benchmark peer
 * for `npm run bench -- --only models`: the model is loaded with Tessera's own loader and graph
 * passes (constants folded, so Shape/Gather chains are gone; BatchNormalization folded into Conv;
 * Identity/Dropout removed), then built op by op from tfjs-core calls (bench/peers/tfjs_model_ops.ts)
 * as a tfjs user would write the network: NHWC from the first convolution on, weights transposed to
 * HWIO at build time, Conv + bias + activation fused into one XNNPACK call, layouts converted only
 * where an op needs ONNX order (bench/peers/tfjs_layout.ts). This is a bench converter, not a
 * product: an op it does not convert is a TfjsConvertError naming it.
 *
 * One timed call (`run`) is the network on the resident inputs, `dataSync()` of every output and the
 * disposal of everything it made (tf.tidy), as the single-op tfjs peer (bench/peers/tfjs.ts) times
 * its ops. Intermediates are disposed as soon as their last reader has run, as tfjs-converter's
 * executor does, so the backend reuses their memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConstTensor, Graph, GraphNode, TensorInfo } from '../../graph/ir.js';
import { opContext, type Sizes } from '../../graph/analysis.js';
import { optimizeGraph } from '../../graph/optimize.js';
import { loadOnnx, loadOnnxFile } from '../../onnx/load.js';
import { Attributes } from '../../ops/attributes.js';
import { TESSERA_OPS } from '../../model/library.js';
import { initTfjs } from './tfjs.js';
import { expandRank, identityLayout, isIdentity, onlyUnitAxesMove, permutationBetween, permuteData, storedShape, type Layout } from './tfjs_layout.js';
import { TFJS_CONVERTERS, TfjsConvertError, f32Data, type BuildContext, type Env, type Operand, type Step } from './tfjs_model_ops.js';

export { TfjsConvertError } from './tfjs_model_ops.js';

export interface TfjsModelOptions {
  /** Values of the model's symbolic dimensions (dim_param), e.g. `{ batch: 1 }`. */
  readonly sizes?: Sizes;
  /**
   * Graph passes to leave out, by name (graph/optimize.ts PASSES), e.g. 'fold BatchNormalization into
   * Conv' to run BatchNormalization as its own op. Tessera's epilogue fusion never runs here: the
   * peer fuses what tfjs's kernels fuse.
   */
  readonly skipPasses?: readonly string[];
}

/** A graph input or output: its ONNX name and static shape (f32). */
export interface TfjsValueInfo {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface TfjsModel {
  readonly inputs: readonly TfjsValueInfo[];
  readonly outputs: readonly TfjsValueInfo[];
  /** How the network was built: tfjs steps per inference, activations fused into a Conv or Gemm, transposes inserted. */
  readonly stats: { readonly steps: number; readonly fusedActivations: number; readonly transposes: number };
  /** One timed call: the network, dataSync() of every output, and disposal. */
  run(): void;
  /**
   * One untimed call that also checks every step's output shape against shape inference.
   * @returns every output by name, in ONNX (row-major, NCHW) order, copied out
   * @throws TfjsConvertError naming the node whose tfjs output shape disagrees with the ONNX one
   */
  result(): Record<string, Float32Array>;
  /** Releases the resident inputs and weights; the model cannot run afterwards. */
  dispose(): void;
}

interface BuiltStep extends Step {
  /** The node (the first of those it computes), for messages. */
  readonly node: GraphNode;
  /** Computed tensors the step reads. */
  readonly reads: readonly string[];
}

const PEER = 'tfjs peer';

/**
 * Builds an ONNX model as a tfjs-core network on the wasm backend (initialised here as
 * bench/peers/tfjs.ts does), with `feeds` resident as its inputs.
 * @param model the .onnx file's bytes, or its path
 * @param feeds every graph input by name: f32 data, row-major, in the ONNX shape the model declares
 * @throws ModelLoadError / GraphError / OpError as Tessera's loader and passes do; Error naming an input
 *   that is missing, unknown or of the wrong shape; TfjsConvertError for an op or attribute the peer does
 *   not convert and for tensors other than f32 computed at run time
 */
export async function tfjsModel(model: Uint8Array | string, feeds: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>, options: TfjsModelOptions = {}): Promise<TfjsModel> {
  return tfjsGraph(typeof model === 'string' ? loadOnnxFile(model) : loadOnnx(model), feeds, options);
}

/**
 * Builds a loaded graph (onnx/load.ts) as tfjsModel does.
 * @throws as tfjsModel, less the loading errors
 */
export async function tfjsGraph(loaded: Graph, feeds: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>, options: TfjsModelOptions = {}): Promise<TfjsModel> {
  await initTfjs();
  const { graph, analysis } = optimizeGraph(loaded, TESSERA_OPS, { sizes: options.sizes, skip: [...(options.skipPasses ?? []), 'fuse elementwise epilogues'] });
  const resident: tf.Tensor[] = [];
  try {
    return build({ graph, types: analysis.types, consts: analysis.consts }, feeds, resident);
  } catch (e) {
    tf.dispose(resident);
    throw e;
  }
}

/** Shape inference's results, which every part of the build reads. */
interface Typed {
  readonly graph: Graph;
  readonly types: ReadonlyMap<string, TensorInfo>;
  readonly consts: ReadonlyMap<string, ConstTensor>;
}

function typeOf(a: Typed, name: string): TensorInfo {
  const t = a.types.get(name);
  if (!t) throw new Error(`${PEER}: tensor ${name} has no inferred type`);
  return t;
}

function build(a: Typed, feeds: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>, resident: tf.Tensor[]): TfjsModel {
  const g = a.graph;
  const inputs: TfjsValueInfo[] = g.inputs.map((i) => ({ name: i.name, shape: typeOf(a, i.name).shape }));
  const inputTensors = residentInputs(a, inputs, feeds, resident);
  const converted = new Converted(a, inputs, (t) => { resident.push(t); return t; });
  g.nodes.forEach((node, index) => converted.add(node, index));
  const { steps, layouts, stats } = converted;
  stats.steps = steps.length;

  const outputs: TfjsValueInfo[] = g.outputs.map((o) => {
    if (!layouts.has(o.name)) throw new Error(`${PEER}: graph output ${o.name} is not computed at run time (a constant or an input); the peer runs computed outputs only`);
    return { name: o.name, shape: typeOf(a, o.name).shape };
  });
  const graphOutputs = new Set(outputs.map((o) => o.name));
  const lastRead = new Map<string, number>();
  steps.forEach((s, i) => s.reads.forEach((x) => lastRead.set(x, i)));
  const restore = outputs.map((o) => conversionToOnnx(layouts.get(o.name)!, o.shape));

  /** The network on the inputs; with `check`, every step's output shape is compared with ONNX's. */
  function forward(check: boolean): tf.Tensor[] {
    const env = new Map<string, tf.Tensor>(inputTensors);
    const fed = new Set<tf.Tensor>(inputTensors.values());
    steps.forEach((step, i) => {
      const ys = tf.tidy(() => step.run(env));
      step.outputs.forEach((o, k) => {
        const y = ys[k];
        if (check) checkShape(a, step, o, y);
        env.set(o.name, y!);
      });
      // A tensor can sit under several names (a Transpose moves no data): dispose it when the last goes.
      for (const x of step.reads) {
        if (lastRead.get(x) !== i || graphOutputs.has(x)) continue;
        const t = env.get(x)!;
        env.delete(x);
        if (!fed.has(t) && ![...env.values()].includes(t)) t.dispose();
      }
    });
    return outputs.map((o, k) => restore[k]!(env.get(o.name)!));
  }

  let disposed = false;
  const alive = () => { if (disposed) throw new Error(`${PEER}: the model was disposed`); };
  return {
    inputs, outputs, stats,
    run() {
      alive();
      tf.tidy(() => { for (const y of forward(false)) y.dataSync(); });
    },
    result() {
      alive();
      return tf.tidy(() => {
        const ys = forward(true);
        return Object.fromEntries(outputs.map((o, k) => [o.name, Float32Array.from(ys[k]!.dataSync() as Float32Array)]));
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose(resident);
    },
  };
}

/** The feeds as resident tensors, after checking that they are the model's inputs in its shapes. */
function residentInputs(a: Typed, inputs: readonly TfjsValueInfo[], feeds: Readonly<Record<string, { data: Float32Array; shape: readonly number[] }>>, resident: tf.Tensor[]): Map<string, tf.Tensor> {
  for (const name of Object.keys(feeds)) {
    if (!inputs.some((i) => i.name === name)) throw new Error(`${PEER}: feeds.${name}: the model has no input ${name} (its inputs: ${inputs.map((i) => i.name).join(', ')})`);
  }
  const tensors = new Map<string, tf.Tensor>();
  for (const i of inputs) {
    const feed = feeds[i.name];
    if (!feed) throw new Error(`${PEER}: input ${i.name} is not fed`);
    const dtype = typeOf(a, i.name).dtype;
    if (dtype !== 'f32') throw new Error(`${PEER}: input ${i.name} is ${dtype}; the peer feeds f32 inputs only`);
    if (feed.shape.join(',') !== i.shape.join(',') || feed.data.length !== i.shape.reduce((x, y) => x * y, 1)) {
      throw new Error(`${PEER}: input ${i.name} has shape [${feed.shape.join(', ')}] and ${feed.data.length} values; the model declares [${i.shape.join(', ')}]`);
    }
    const t = tf.tensor(feed.data, [...i.shape]);
    resident.push(t);
    tensors.set(i.name, t);
  }
  return tensors;
}

/** @throws TfjsConvertError naming the step's node when `y` is not `o` stored in its layout */
function checkShape(a: Typed, step: BuiltStep, o: Step['outputs'][number], y: tf.Tensor | undefined): void {
  const onnx = typeOf(a, o.name).shape;
  const want = storedShape(onnx, o.layout);
  if (y && y.shape.join(',') === want.join(',')) return;
  throw new TfjsConvertError(step.node.name, step.node.op, a.graph.opsets.get(step.node.domain) ?? 0,
    `tfjs computed ${o.name} with shape [${y?.shape.join(', ')}], expected [${want.join(', ')}] (ONNX [${onnx.join(', ')}] in layout [${o.layout.join(', ')}])`);
}

/** The nodes converted so far: their steps, the stored layout of every computed tensor, the stats. */
class Converted {
  readonly steps: BuiltStep[] = [];
  readonly layouts: Map<string, Layout>;
  readonly stats = { steps: 0, fusedActivations: 0, transposes: 0 };
  private readonly readers = new Map<string, GraphNode[]>();
  private readonly graphOutputs: ReadonlySet<string>;
  private readonly absorbed = new Set<string>();
  private readonly constants = new Map<string, tf.Tensor>();

  /** @param keep makes a tensor resident (released with the model) */
  constructor(private readonly a: Typed, inputs: readonly TfjsValueInfo[], private readonly keep: (t: tf.Tensor) => tf.Tensor) {
    this.layouts = new Map(inputs.map((i) => [i.name, identityLayout(i.shape.length)]));
    for (const n of a.graph.nodes) for (const x of n.inputs) if (x) this.readers.set(x, [...(this.readers.get(x) ?? []), n]);
    this.graphOutputs = new Set(a.graph.outputs.map((o) => o.name));
  }

  /**
   * Converts `node` (the `index`th of the graph) into a step, unless a previous step absorbed it or
   * all its outputs are constants.
   * @throws TfjsConvertError for an op without a converter, a tensor other than f32 computed at run
   *   time, or what the converter refuses
   */
  add(node: GraphNode, index: number): void {
    const { consts } = this.a;
    if (this.absorbed.has(node.name)) return;
    if (node.outputs.every((o) => !o || consts.has(o))) return;
    const opset = this.a.graph.opsets.get(node.domain) ?? 0;
    const fail = (reason: string) => new TfjsConvertError(node.name, node.op, opset, reason);
    const converter = node.domain === '' ? TFJS_CONVERTERS.get(node.op) : undefined;
    if (!converter) throw fail(`the peer has no tfjs conversion of ${node.domain ? `${node.domain}.` : ''}${node.op}; it converts ${[...TFJS_CONVERTERS.keys()].sort().join(', ')}`);
    for (const t of [...node.inputs.filter((x) => x && !consts.has(x)), ...node.outputs.filter((o) => o)]) {
      const dtype = typeOf(this.a, t).dtype;
      if (dtype !== 'f32') throw fail(`tensor ${t} is ${dtype}; the peer computes f32 tensors only`);
    }
    const covered: GraphNode[] = [node];
    const step = converter(this.context(node, index, opset, fail, covered));
    const produced = new Set(covered.flatMap((n) => n.outputs));
    const reads = [...new Set(covered.flatMap((n) => n.inputs).filter((x) => x && !consts.has(x) && !produced.has(x)))];
    this.steps.push({ ...step, node, reads });
    for (const o of step.outputs) this.layouts.set(o.name, o.layout);
  }

  private context(node: GraphNode, index: number, opset: number, fail: (reason: string) => TfjsConvertError, covered: GraphNode[]): BuildContext {
    const { types, consts } = this.a;
    const op = opContext(node, index, opset, types, consts);
    const layoutOf = (i: number): Layout => {
      const name = node.inputs[i];
      const l = name ? this.layouts.get(name) : undefined;
      if (!l) throw fail(`input ${i} (${name || 'omitted'}) is not a tensor computed at run time`);
      return l;
    };
    return {
      node, opset,
      attrs: new Attributes(op, Object.keys(node.attrs)),
      opContext: op,
      type: (name) => typeOf(this.a, name),
      has: (i) => !!node.inputs[i],
      constant: (i) => (node.inputs[i] ? consts.get(node.inputs[i]!) : undefined),
      constantNamed: (name) => consts.get(name),
      layoutOf,
      input: (i, layout) => {
        const name = node.inputs[i];
        if (!name) throw fail(`input ${i} is omitted`);
        const c = consts.get(name);
        return c ? this.constantIn(name, c, layout, fail) : this.conversion(name, layoutOf(i), layout, fail);
      },
      resident: (data, shape) => this.keep(tf.tensor(data, [...shape])),
      soleReader: () => {
        const out = node.outputs[0]!;
        const r = this.readers.get(out) ?? [];
        const othersUsed = node.outputs.slice(1).some((o) => o && (this.readers.has(o) || this.graphOutputs.has(o)));
        return r.length === 1 && !this.graphOutputs.has(out) && !othersUsed ? r[0] : undefined;
      },
      absorb: (reader) => { this.absorbed.add(reader.name); covered.push(reader); this.stats.fusedActivations++; },
      error: fail,
    };
  }

  /** A constant broadcast to the rank of `layout` and permuted into it, made resident once per layout. */
  private constantIn(name: string, c: ConstTensor, layout: Layout, fail: (reason: string) => TfjsConvertError): Operand {
    const key = `${name}|${layout.join(',')}`;
    let t = this.constants.get(key);
    if (!t) {
      if (c.shape.length > layout.length) throw fail(`constant ${name} of rank ${c.shape.length} is read at rank ${layout.length}`);
      const shape = [...new Array<number>(layout.length - c.shape.length).fill(1), ...c.shape];
      t = this.keep(tf.tensor(permuteData(f32Data(c), shape, layout), storedShape(shape, layout)));
      this.constants.set(key, t);
    }
    const r = t;
    return () => r;
  }

  /** A computed tensor read in `to`: broadcast to its rank by a reshape, then reshaped or transposed. */
  private conversion(name: string, from: Layout, to: Layout, fail: (reason: string) => TfjsConvertError): Operand {
    if (from.length > to.length) throw fail(`input ${name} of rank ${from.length} is read at rank ${to.length}`);
    const shape = typeOf(this.a, name).shape;
    const expanded = expandRank(from, to.length);
    const full = [...new Array<number>(to.length - from.length).fill(1), ...shape];
    const src = storedShape(full, expanded), dst = storedShape(full, to);
    const q = permutationBetween(expanded, to);
    const read = (env: Env) => env.get(name)!;
    if (isIdentity(q)) return from.length === to.length ? read : (env) => tf.reshape(read(env), src);
    if (onlyUnitAxesMove(src, q)) return (env) => tf.reshape(read(env), dst);
    this.stats.transposes++;
    return from.length === to.length ? (env) => tf.transpose(read(env), q) : (env) => tf.transpose(tf.reshape(read(env), src), q);
  }
}

/** The conversion of a graph output stored in `layout` back to ONNX order. */
function conversionToOnnx(layout: Layout, shape: readonly number[]): (t: tf.Tensor) => tf.Tensor {
  const q = permutationBetween(layout, identityLayout(layout.length));
  if (isIdentity(q)) return (t) => t;
  if (onlyUnitAxesMove(storedShape(shape, layout), q)) return (t) => tf.reshape(t, [...shape]);
  return (t) => tf.transpose(t, q);
}
