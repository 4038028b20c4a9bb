/**
 * Shape inference with constant propagation: walks the nodes in order, calling each operator entry's
 * inferShapes (ops/op.ts) on the input types found so far and its fold on the constant inputs, so the
 * Shape -> Gather -> Unsqueeze -> Concat chains that feed Reshape fold to constants at static shapes
 * (as onnxruntime's and TVM's front ends do). Graph inputs get their declared shapes with symbolic
 * dimensions (dim_param) bound by `sizes`.
 */
import type { ConstTensor, Graph, GraphNode, TensorInfo, ValueDecl } from './ir.js';
import type { OpContext, OpEntry } from '../ops/op.js';
import { GraphError } from './errors.js';
import { type OpLibrary, unsupportedReason } from './library.js';

/** Every tensor's type, and the value of every tensor known at compile time. */
export interface Analysis {
  readonly types: ReadonlyMap<string, TensorInfo>;
  readonly consts: ReadonlyMap<string, ConstTensor>;
  /** The entry of each node, by node name. */
  readonly entries: ReadonlyMap<string, OpEntry>;
}

/** Symbolic dimension values by dim_param name, e.g. `{ batch: 1 }`. */
export type Sizes = Readonly<Record<string, number>>;

/** Every dim_param a graph's inputs use, in first-seen order. */
export function symbolicDims(g: Graph): string[] {
  const out: string[] = [];
  for (const i of g.inputs) for (const d of i.shape ?? []) if (typeof d === 'string' && !out.includes(d)) out.push(d);
  return out;
}

/**
 * The static type of a graph input.
 * @throws GraphError naming the input and dimension when a symbolic dimension is not in `sizes`, or a
 *   dimension or the whole shape is not declared
 */
export function bindInput(decl: ValueDecl, sizes: Sizes): TensorInfo {
  if (!decl.shape) throw new GraphError(`graph input ${decl.name} declares no shape; Tessera compiles static shapes only`);
  const shape = decl.shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (d === undefined) throw new GraphError(`graph input ${decl.name} dimension ${i} has neither a size nor a name (dim_value or dim_param); Tessera compiles static shapes only`);
    const v = sizes[d];
    if (v === undefined) throw new GraphError(`graph input ${decl.name} dimension ${i} is the symbolic size ${JSON.stringify(d)}; bind it at compile time with { sizes: { ${/^[A-Za-z_$][\w$]*$/.test(d) ? d : JSON.stringify(d)}: N } } (on the command line: --size ${d}=N)`);
    return v;
  });
  return { dtype: decl.dtype!, shape };
}

/**
 * @throws GraphError when a name in `sizes` is no symbolic dimension of the model, or a value is not a
 *   positive integer
 */
export function checkSizes(g: Graph, sizes: Sizes): void {
  const dims = symbolicDims(g);
  for (const [k, v] of Object.entries(sizes)) {
    if (!dims.includes(k)) throw new GraphError(`sizes.${k}: the model has no symbolic dimension ${JSON.stringify(k)} (${dims.length ? `it has ${dims.map((d) => JSON.stringify(d)).join(', ')}` : 'all its input dimensions are fixed'})`);
    if (!Number.isInteger(v) || v < 1) throw new GraphError(`sizes.${k} must be a positive integer, got ${v}`);
  }
}

/** A valid identifier naming a node's stages: its op and index (`conv12`). */
export function stagePrefix(node: GraphNode, index: number): string {
  return `${node.op.replace(/[^A-Za-z0-9_]/g, '').toLowerCase() || 'op'}${index}`;
}

/** The context an entry sees for `node`, from the types and constants known so far. */
export function opContext(node: GraphNode, index: number, opset: number, types: ReadonlyMap<string, TensorInfo>, consts: ReadonlyMap<string, ConstTensor>): OpContext {
  return {
    node, opset, prefix: stagePrefix(node, index),
    inputs: node.inputs.map((x) => (x === '' ? undefined : types.get(x))),
    consts: node.inputs.map((x) => (x === '' ? undefined : consts.get(x))),
  };
}

/** The entry for `node`, or a GraphError naming the node, its op and opset, and what is supported. */
export function entryFor(lib: OpLibrary, g: Graph, node: GraphNode): { entry: OpEntry; opset: number } {
  const opset = g.opsets.get(node.domain);
  if (opset === undefined) throw new GraphError(`node ${node.name} (${node.op}) is in domain ${JSON.stringify(node.domain)}, which the model does not import`);
  const entry = lib.lookup(node.domain, node.op, opset);
  if (!entry) throw new GraphError(`node ${node.name} (${node.op}, opset ${opset}): ${unsupportedReason(lib, node.domain, node.op, opset)}`);
  return { entry, opset };
}

/**
 * Infers every tensor's type and folds what is constant.
 * @throws GraphError for unbound or undeclared input dimensions, ops the library lacks, or an entry
 *   returning a type for a tensor it was not asked for; OpError (from the entry) for attributes or
 *   input types the op's spec forbids
 */
export function analyze(g: Graph, lib: OpLibrary, sizes: Sizes = {}): Analysis {
  const types = new Map<string, TensorInfo>();
  const consts = new Map<string, ConstTensor>();
  const entries = new Map<string, OpEntry>();
  for (const i of g.inputs) types.set(i.name, bindInput(i, sizes));
  for (const [name, t] of g.initializers) { types.set(name, { dtype: t.dtype, shape: t.shape }); consts.set(name, t); }
  g.nodes.forEach((node, index) => {
    const { entry, opset } = entryFor(lib, g, node);
    entries.set(node.name, entry);
    const ctx = opContext(node, index, opset, types, consts);
    node.inputs.forEach((x, k) => {
      if (x !== '' && !ctx.inputs[k]) throw new GraphError(`node ${node.name} (${node.op}) reads tensor ${JSON.stringify(x)} before it is defined`);
    });
    const infos = entry.inferShapes(ctx);
    node.outputs.forEach((o, k) => {
      if (o === '') return;
      const t = infos[k];
      if (!t) throw new GraphError(`node ${node.name} (${node.op}, opset ${opset}) has output ${k} (${o}), but the op defines ${infos.length} output(s)`);
      types.set(o, t);
    });
    const folded = entry.fold?.(ctx);
    if (folded) node.outputs.forEach((o, k) => { if (o !== '' && folded[k]) consts.set(o, folded[k]!); });
  });
  return { types, consts, entries };
}

/**
 * Whether `node` runs no kernel and its output 0 is its input 0's storage: its entry says
 * `aliasesInput` and it has no other output in use (a Dropout whose mask is wanted computes it).
 */
export function runsAsAlias(a: Analysis, node: GraphNode): boolean {
  return a.entries.get(node.name)?.aliasesInput === true && node.outputs.slice(1).every((o) => o === '');
}
