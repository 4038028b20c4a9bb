/** Topological order and use lists of a graph's nodes. */
import type { GraphNode } from './ir.js';
import { GraphError } from './errors.js';

/**
 * The nodes in an order where every input is available before it is read (Kahn's algorithm, keeping
 * the given order among nodes that are ready together, so a sorted graph is returned unchanged).
 * @param available tensors defined outside the nodes (graph inputs, initializers)
 * @throws GraphError naming the node and tensor when an input is produced nowhere, a tensor is
 *   produced twice, or the nodes form a cycle
 */
export function topologicalOrder(nodes: readonly GraphNode[], available: ReadonlySet<string>): GraphNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (o === '') continue;
      if (available.has(o)) throw new GraphError(`node ${n.name} (${n.op}) writes tensor ${JSON.stringify(o)}, which is already a graph input or initializer`);
      const other = producer.get(o);
      if (other !== undefined) throw new GraphError(`tensor ${JSON.stringify(o)} is produced twice: by node ${nodes[other]!.name} and by node ${n.name}`);
      producer.set(o, i);
    }
  });
  const waiting = nodes.map((n) => {
    let count = 0;
    for (const x of n.inputs) {
      if (x === '' || available.has(x)) continue;
      if (!producer.has(x)) throw new GraphError(`node ${n.name} (${n.op}) reads tensor ${JSON.stringify(x)}, which no node produces and which is neither a graph input nor an initializer`);
      count++;
    }
    return count;
  });
  const readers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const x of n.inputs) if (x !== '' && !available.has(x)) readers.set(x, [...(readers.get(x) ?? []), i]);
  });
  // A min-heap would give O(n log n); graphs are small and mostly sorted, so scan from the lowest ready index.
  const done = new Array<boolean>(nodes.length).fill(false);
  const ready = new Set<number>();
  waiting.forEach((w, i) => { if (w === 0) ready.add(i); });
  const out: GraphNode[] = [];
  while (ready.size > 0) {
    const i = Math.min(...ready);
    ready.delete(i);
    done[i] = true;
    out.push(nodes[i]!);
    for (const o of nodes[i]!.outputs) {
      for (const r of readers.get(o) ?? []) if (--waiting[r]! === 0) ready.add(r);
    }
  }
  if (out.length !== nodes.length) {
    const stuck = nodes.filter((_, i) => !done[i]).slice(0, 5).map((n) => `${n.name} (${n.op})`);
    throw new GraphError(`the nodes form a cycle; nodes on or after it: ${stuck.join(', ')}`);
  }
  return out;
}

/** For each tensor, the indices of the nodes that read it (in node order; a node reading twice counts once). */
export function readersOf(nodes: readonly GraphNode[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const x of new Set(n.inputs)) if (x !== '') m.set(x, [...(m.get(x) ?? []), i]);
  });
  return m;
}
