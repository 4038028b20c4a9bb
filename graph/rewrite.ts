/** Small rewrites the passes share: renaming a tensor, bypassing a node, dropping unused constants. */
import type { ConstTensor, Graph, GraphNode } from './ir.js';

/** `g` with every read of tensor `from` reading `to` instead (writes and graph outputs unchanged). */
export function redirectReads(g: Graph, from: string, to: string): Graph {
  return { ...g, nodes: g.nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((x) => (x === from ? to : x)) } : n)) };
}

/** `g` with tensor `from` called `to` everywhere: reads, writes and graph outputs. */
export function renameTensor(g: Graph, from: string, to: string): Graph {
  const r = (x: string) => (x === from ? to : x);
  return {
    ...g,
    nodes: g.nodes.map((n) => (n.inputs.includes(from) || n.outputs.includes(from) ? { ...n, inputs: n.inputs.map(r), outputs: n.outputs.map(r) } : n)),
    outputs: g.outputs.map((o) => (o.name === from ? { ...o, name: to } : o)),
  };
}

const isGraphOutput = (g: Graph, t: string) => g.outputs.some((o) => o.name === t);

/**
 * Removes `node`, whose output `output` equals its input `input`, so readers of the output read the
 * input. When the output is a graph output, the input's producer writes the output's name instead;
 * that is impossible when the input is a graph input, an initializer or itself a graph output.
 * @returns the rewritten graph, or undefined when the node must stay
 */
export function bypassNode(g: Graph, node: GraphNode, input: string, output: string): Graph | undefined {
  const rest: Graph = { ...g, nodes: g.nodes.filter((n) => n !== node) };
  if (!isGraphOutput(g, output)) return redirectReads(rest, output, input);
  const producedByNode = g.nodes.some((n) => n !== node && n.outputs.includes(input));
  if (!producedByNode || isGraphOutput(g, input)) return undefined;
  return renameTensor(rest, input, output);
}

/** `g` without initializers that no node reads and no graph output names. */
export function dropUnusedConstants(g: Graph): Graph {
  const used = new Set<string>([...g.nodes.flatMap((n) => n.inputs), ...g.outputs.map((o) => o.name)]);
  const initializers = new Map<string, ConstTensor>();
  for (const [k, v] of g.initializers) if (used.has(k)) initializers.set(k, v);
  return initializers.size === g.initializers.size ? g : { ...g, initializers };
}

/** A tensor name not yet used in `g`, from `base`. */
export function freshName(g: Graph, base: string): string {
  const used = new Set<string>([...g.initializers.keys(), ...g.inputs.map((i) => i.name), ...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  let name = base;
  for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
  return name;
}

/**
 * `g` with some graph inputs bound to constant values: they become initializers (TVM's
 * freeze_params), so shape inference and folding see them.
 */
export function bindInputs(g: Graph, values: ReadonlyMap<string, ConstTensor>): Graph {
  if (values.size === 0) return g;
  const initializers = new Map(g.initializers);
  for (const [k, v] of values) initializers.set(k, v);
  return { ...g, inputs: g.inputs.filter((i) => !values.has(i.name)), initializers };
}
