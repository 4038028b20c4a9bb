/**
 * BatchNormalization (inference) after a Conv folded into the Conv's weights and bias, per output
 * channel m with s = scale[m] / sqrt(var[m] + epsilon):  W'[m] = W[m] * s,  B'[m] = (B[m] - mean[m]) * s
 * + bias[m]  (ONNX BatchNormalization; onnxruntime's ConvBNFusion). Applies when the Conv's output
 * feeds only the BatchNormalization, every parameter is constant, and the op is in inference mode
 * (training_mode 0, and spatial 1 at opsets 7-8).
 */
import type { ConstData, ConstTensor, Graph, GraphNode } from '../ir.js';
import type { Analysis } from '../analysis.js';
import { freshName, dropUnusedConstants } from '../rewrite.js';
import { readersOf } from '../topo.js';
import type { GraphPass } from './pass.js';

const FLOAT = new Set(['f32', 'f16', 'f64']);

function attrNumber(n: GraphNode, name: string, fallback: number): number {
  const a = n.attrs[name];
  return a && (a.type === 'int' || a.type === 'float') ? a.value : fallback;
}

function sameTypedArray(like: ConstData, values: Float64Array): ConstData {
  return like instanceof Float64Array ? values : Float32Array.from(values);
}

/** The folded Conv, or undefined when `bn` does not qualify. */
function fold(g: Graph, a: Analysis, bn: GraphNode, readers: ReadonlyMap<string, number[]>): { conv: GraphNode; next: GraphNode; weights: ConstTensor; bias: ConstTensor } | undefined {
  if (bn.domain !== '' || bn.op !== 'BatchNormalization') return undefined;
  if (bn.outputs.slice(1).some((o) => o !== '' && (readers.has(o) || g.outputs.some((x) => x.name === o)))) return undefined;
  if (attrNumber(bn, 'training_mode', 0) !== 0 || attrNumber(bn, 'spatial', 1) !== 1) return undefined;
  const x = bn.inputs[0]!;
  const conv = g.nodes.find((n) => n.outputs[0] === x);
  if (!conv || conv.domain !== '' || conv.op !== 'Conv' || readers.get(x)?.length !== 1 || g.outputs.some((o) => o.name === x)) return undefined;
  const [scale, beta, mean, variance] = bn.inputs.slice(1, 5).map((t) => (t ? a.consts.get(t) : undefined));
  const w = a.consts.get(conv.inputs[1] ?? '');
  const b = conv.inputs[2] ? a.consts.get(conv.inputs[2]) : undefined;
  if (!w || !scale || !beta || !mean || !variance || (conv.inputs[2] && !b)) return undefined;
  if (!FLOAT.has(w.dtype) || w.shape.length < 3) return undefined;
  const M = w.shape[0]!;
  if ([scale, beta, mean, variance, ...(b ? [b] : [])].some((t) => t.data.length !== M || !FLOAT.has(t.dtype))) return undefined;
  const eps = attrNumber(bn, 'epsilon', 1e-5);
  const per = w.data.length / M;
  const wd = new Float64Array(w.data.length), bd = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    const s = Number(scale.data[m]) / Math.sqrt(Number(variance.data[m]) + eps);
    for (let i = 0; i < per; i++) wd[m * per + i] = Number(w.data[m * per + i]) * s;
    bd[m] = ((b ? Number(b.data[m]) : 0) - Number(mean.data[m])) * s + Number(beta.data[m]);
  }
  const weights: ConstTensor = { dtype: w.dtype, shape: w.shape, data: sameTypedArray(w.data, wd) };
  const bias: ConstTensor = { dtype: w.dtype, shape: [M], data: sameTypedArray(w.data, bd) };
  return { conv, next: { ...conv, outputs: [bn.outputs[0]!] }, weights, bias };
}

export const foldBatchNorm: GraphPass = {
  name: 'fold BatchNormalization into Conv',
  run(g, a) {
    let out = g;
    for (const bn of g.nodes) {
      const f = fold(out, a, bn, readersOf(out.nodes));
      if (!f) continue;
      const wName = freshName(out, `${f.conv.name}_bn_weights`);
      const initializers = new Map(out.initializers).set(wName, f.weights);
      const bName = freshName({ ...out, initializers }, `${f.conv.name}_bn_bias`);
      initializers.set(bName, f.bias);
      const conv: GraphNode = { ...f.next, inputs: [f.conv.inputs[0]!, wName, bName] };
      out = { ...out, initializers, nodes: out.nodes.filter((n) => n !== bn).map((n) => (n === f.conv ? conv : n)) };
    }
    return out === g ? g : dropUnusedConstants(out);
  },
};
