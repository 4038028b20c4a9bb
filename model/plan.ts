/**
 * The execution plan of an optimized graph: which nodes run as which kernel, in order, and which
 * nodes only alias their input. Groups come from the fusion pass (graph/ir.ts FusionGroup) or, without
 * it, one per node; a group runs where its last node stood.
 */
import type { Graph, GraphNode } from '../graph/ir.js';
import type { Analysis } from '../graph/analysis.js';
import type { KernelJob } from './kernel.js';

export interface ExecutionPlan {
  readonly kernels: readonly KernelJob[];
  /** Pairs [input, output] of alias nodes, in graph order. */
  readonly aliases: readonly (readonly [string, string])[];
}

/** The kernels and aliases of `g`; nodes whose outputs are all constant need neither. */
export function executionPlan(g: Graph, a: Analysis): ExecutionPlan {
  const index = new Map(g.nodes.map((n, i) => [n.name, i]));
  const aliases: [string, string][] = [];
  // An alias entry with further outputs (Dropout's mask) runs as a kernel, which computes them all.
  const isAlias = (n: GraphNode) => a.entries.get(n.name)?.aliasesInput === true && n.outputs.slice(1).every((o) => o === '');
  for (const n of g.nodes) if (isAlias(n) && n.outputs[0]) aliases.push([n.inputs[0]!, n.outputs[0]]);
  const groups = g.groups ?? g.nodes.filter((n) => !isAlias(n)).map((n) => ({ nodes: [n.name] }));
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const kernels = groups
    .map((gr) => gr.nodes.map((name) => byName.get(name)!))
    .filter((nodes) => nodes.length > 0 && !isAlias(nodes[0]!) && nodes.some((n) => n.outputs.some((o) => o !== '' && !a.consts.has(o))))
    .map((nodes) => ({ nodes, indices: nodes.map((n) => index.get(n.name)!) }));
  return { kernels, aliases };
}
