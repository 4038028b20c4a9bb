/**
 * The execution plan of an optimized graph: which nodes run as which kernel, in order, and which
 * nodes only alias their input. Groups come from the fusion pass (graph/ir.ts FusionGroup) or, without
 * it, one per node; a group runs where its last node stood.
 */
import { type Graph, type GraphNode, elementCount } from '../graph/ir.js';
import { type Analysis, runsAsAlias } from '../graph/analysis.js';
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
  const isAlias = (n: GraphNode) => runsAsAlias(a, n);
  for (const n of g.nodes) if (isAlias(n) && n.outputs[0]) aliases.push([n.inputs[0]!, n.outputs[0]]);
  const groups = g.groups ?? g.nodes.filter((n) => !isAlias(n)).map((n) => ({ nodes: [n.name] }));
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const kernels = groups
    .map((gr) => gr.nodes.map((name) => byName.get(name)!))
    .filter((nodes) => nodes.length > 0 && !isAlias(nodes[0]!) && nodes.some((n) => n.outputs.some((o) => o !== '' && !a.consts.has(o))))
    // A kernel whose outputs have no elements has nothing to compute.
    .filter((nodes) => nodes.at(-1)!.outputs.some((o) => o !== '' && elementCount(a.types.get(o)!.shape) > 0))
    .map((nodes) => ({ nodes, indices: nodes.map((n) => index.get(n.name)!) }));
  return { kernels, aliases };
}
