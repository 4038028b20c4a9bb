/**
 * Elementwise epilogue fusion: a node followed by a chain of elementwise ops (ops/op.ts `elementwise`:
 * Relu, Clip, Add of a bias or a residual, ...) becomes one kernel group, in which the chain is
 * computed inline in the producer's loops (Halide's compute_inline; TVM's FuseOps for injective
 * consumers). A link E joins the group when the group's output feeds only E, as one of E's inputs
 * (any one: the kernel binds inputs by tensor, so MobileNetV2's Add(residual, conv) fuses into the
 * conv as Add(conv, residual) does), is no graph output, and has E's output shape (E does not
 * broadcast it larger).
 * A group runs where its last node stood, so E's other inputs are ready. Alias ops (Reshape & co.)
 * run no kernel and are in no group.
 */
import type { FusionGroup, GraphNode } from '../ir.js';
import { readersOf } from '../topo.js';
import { runsAsAlias } from '../analysis.js';
import type { GraphPass } from './pass.js';

const sameShape = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);

export const fuseEpilogues: GraphPass = {
  name: 'fuse elementwise epilogues',
  run(g, a) {
    const readers = readersOf(g.nodes);
    const grouped = new Set<string>();
    const groups: { nodes: GraphNode[]; last: number }[] = [];
    const single = (n: GraphNode) => n.outputs.length >= 1 && n.outputs[0] !== '' && n.outputs.slice(1).every((o) => o === '');
    g.nodes.forEach((anchor, index) => {
      if (grouped.has(anchor.name) || runsAsAlias(a, anchor)) return;
      const chain = [anchor];
      let last = index;
      grouped.add(anchor.name);
      for (let cur = anchor; single(cur);) {
        const out = cur.outputs[0]!;
        const r = readers.get(out);
        if (r?.length !== 1 || g.outputs.some((o) => o.name === out)) break;
        const next = g.nodes[r[0]!]!;
        const entry = a.entries.get(next.name);
        if (!entry?.elementwise || runsAsAlias(a, next) || grouped.has(next.name) || !single(next)) break;
        if (next.inputs.filter((x) => x === out).length !== 1) break;
        if (!sameShape(a.types.get(out)?.shape, a.types.get(next.outputs[0]!)?.shape)) break;
        chain.push(next);
        grouped.add(next.name);
        last = r[0]!;
        cur = next;
      }
      groups.push({ nodes: chain, last });
    });
    groups.sort((x, y) => x.last - y.last);
    const fusion: FusionGroup[] = groups.map((gr) => ({ nodes: gr.nodes.map((n) => n.name) }));
    return { ...g, groups: fusion };
  },
};
