/**
 * The execution plan of an optimized graph: which nodes run as which kernel, in order, and which
 * nodes only alias their input. Groups come from the fusion pass (graph/ir.ts FusionGroup) or, without
 * it, one per node; a group runs where its last node stood.
 */
import { type Graph, type GraphNode, elementCount } from '../graph/ir.js';
import { type Analysis, opContext, runsAsAlias } from '../graph/analysis.js';
import type { KernelJob } from './kernel.js';

export interface ExecutionPlan {
  readonly kernels: readonly KernelJob[];
  /** Pairs [input, output] of alias nodes, in graph order. */
  readonly aliases: readonly (readonly [string, string])[];
  /**
   * Tensors stored inside another (zero-copy concatenation): `tensor` lives at element `offset` of
   * `of`, whose node runs no kernel; empty unless the plan was asked for them.
   */
  readonly slices: readonly TensorSlice[];
}

export interface TensorSlice { readonly tensor: string; readonly of: string; readonly offset: number }

export interface PlanOptions {
  /**
   * Store the inputs of a node whose output holds them as contiguous blocks (OpEntry.inputsInOutput:
   * Concat) inside that output, the kernels that write them writing there, and run no kernel for it
   * (one memory: wasm). Only inputs that kernels write, that are no model input, output or constant,
   * no alias and no other such output, each in one place.
   */
  readonly zeroCopy?: boolean;
}

/** The kernels, aliases and slices of `g`; nodes whose outputs are all constant need none. */
export function executionPlan(g: Graph, a: Analysis, o: PlanOptions = {}): ExecutionPlan {
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
  if (!o.zeroCopy) return { kernels, aliases, slices: [] };
  const written = new Set(kernels.flatMap((k) => k.nodes.flatMap((n) => n.outputs)));
  const fixed = new Set([...g.inputs.map((i) => i.name), ...g.outputs.map((x) => x.name), ...aliases.flatMap(([i, x]) => [i, x])]);
  const slices: TensorSlice[] = [];
  const sliced = new Set<string>(), holders = new Set<string>();
  const zeroCopy = kernels.filter((k) => {
    if (k.nodes.length !== 1) return false;
    const n = k.nodes[0]!, out = n.outputs[0];
    const offsets = a.entries.get(n.name)?.inputsInOutput?.(opContext(n, k.indices[0]!, g.opsets.get(n.domain)!, a.types, a.consts));
    if (!offsets || !out || fixed.has(out) || sliced.has(out)) return false;
    const ins = n.inputs;
    const ok = ins.every((t, i) => t !== '' && ins.indexOf(t) === i && written.has(t) && !a.consts.has(t) && !fixed.has(t) && !sliced.has(t) && !holders.has(t));
    if (!ok) return false;
    ins.forEach((t, i) => { slices.push({ tensor: t, of: out, offset: offsets[i]! }); sliced.add(t); });
    holders.add(out);
    return true;
  });
  return { kernels: kernels.filter((k) => !zeroCopy.includes(k)), aliases, slices };
}
