/**
 * Constant folding: a node every one of whose outputs the analysis could compute (graph/analysis.ts,
 * each entry's `fold`) is removed and its outputs become initializers; constants nothing reads go.
 * At static shapes this removes the Shape -> Gather -> Unsqueeze -> Concat chains before Reshape.
 */
import type { ConstTensor, Graph } from '../ir.js';
import { dropUnusedConstants } from '../rewrite.js';
import type { GraphPass } from './pass.js';

export const foldConstants: GraphPass = {
  name: 'fold constants',
  run(g, a) {
    const folded = g.nodes.filter((n) => n.outputs.some((o) => o !== '') && n.outputs.every((o) => o === '' || a.consts.has(o)));
    if (folded.length === 0) return dropUnusedConstants(g);
    const initializers = new Map<string, ConstTensor>(g.initializers);
    for (const n of folded) for (const o of n.outputs) if (o !== '') initializers.set(o, a.consts.get(o)!);
    const out: Graph = { ...g, initializers, nodes: g.nodes.filter((n) => !folded.includes(n)) };
    return dropUnusedConstants(out);
  },
};
