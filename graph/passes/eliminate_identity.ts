/**
 * Identity and inference-mode Dropout pass their input through: readers read the input instead
 * (onnxruntime's EliminateIdentity / EliminateDropout). A Dropout whose mask is read, or whose
 * training_mode is not a constant false, stays.
 */
import type { Graph, GraphNode } from '../ir.js';
import type { Analysis } from '../analysis.js';
import { bypassNode } from '../rewrite.js';
import { readersOf } from '../topo.js';
import type { GraphPass } from './pass.js';

function passesThrough(g: Graph, n: GraphNode, a: Analysis, readers: ReadonlyMap<string, number[]>): boolean {
  if (n.domain !== '' || n.inputs[0] === undefined || n.inputs[0] === '' || !n.outputs[0]) return false;
  if (n.op === 'Identity') return true;
  if (n.op !== 'Dropout') return false;
  const mask = n.outputs[1];
  if (mask && (readers.has(mask) || g.outputs.some((o) => o.name === mask))) return false;
  const training = n.inputs[2];
  if (training) {
    const t = a.consts.get(training);
    if (!t || t.data.length !== 1 || Number(t.data[0]) !== 0) return false;
  }
  return true;
}

export const eliminateIdentity: GraphPass = {
  name: 'eliminate Identity and Dropout',
  run(g, a) {
    let out = g;
    for (const { name } of g.nodes) {
      // Earlier bypasses may have renamed this node's tensors: take its current form.
      const n = out.nodes.find((x) => x.name === name)!;
      if (!passesThrough(out, n, a, readersOf(out.nodes))) continue;
      out = bypassNode(out, n, n.inputs[0]!, n.outputs[0]!) ?? out;
    }
    return out;
  },
};
