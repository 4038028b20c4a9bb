/**
 * Two Transposes in a row compose: y = T2(T1(x)) has perm q[i] = p1[p2[i]] (ONNX Transpose: output
 * dimension i is input dimension perm[i]; the default perm reverses). An identity q removes both, any
 * other q leaves one Transpose. Applies when T1's output feeds only T2.
 */
import type { Graph, GraphNode } from '../ir.js';
import type { Analysis } from '../analysis.js';
import { bypassNode } from '../rewrite.js';
import { readersOf } from '../topo.js';
import type { GraphPass } from './pass.js';

function perm(n: GraphNode, rank: number): number[] {
  const p = n.attrs.perm;
  return p && p.type === 'ints' ? [...p.value] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
}

const isTranspose = (n: GraphNode | undefined): n is GraphNode => n !== undefined && n.domain === '' && n.op === 'Transpose';

function cancel(g: Graph, a: Analysis, t2: GraphNode): Graph | undefined {
  if (!isTranspose(t2)) return undefined;
  const mid = t2.inputs[0]!;
  const t1 = g.nodes.find((n) => n.outputs[0] === mid);
  if (!isTranspose(t1) || readersOf(g.nodes).get(mid)?.length !== 1 || g.outputs.some((o) => o.name === mid)) return undefined;
  const rank = a.types.get(t1.inputs[0]!)?.shape.length;
  if (rank === undefined) return undefined;
  const p1 = perm(t1, rank), p2 = perm(t2, rank);
  const q = p2.map((i) => p1[i]!);
  const withoutT1: Graph = { ...g, nodes: g.nodes.filter((n) => n !== t1) };
  const t2Now = withoutT1.nodes.find((n) => n.name === t2.name)!;
  if (q.every((v, i) => v === i)) return bypassNode(withoutT1, t2Now, t1.inputs[0]!, t2.outputs[0]!);
  const merged: GraphNode = { ...t2Now, inputs: [t1.inputs[0]!], attrs: { ...t2Now.attrs, perm: { type: 'ints', value: q } } };
  return { ...withoutT1, nodes: withoutT1.nodes.map((n) => (n === t2Now ? merged : n)) };
}

export const cancelTransposes: GraphPass = {
  name: 'cancel Transpose pairs',
  run(g, a) {
    let out = g;
    for (const { name } of g.nodes) {
      const t2 = out.nodes.find((n) => n.name === name);
      if (t2) out = cancel(out, a, t2) ?? out;
    }
    return out;
  },
};
