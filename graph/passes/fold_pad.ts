/**
 * A zero constant Pad of the spatial dimensions in front of a Conv becomes the Conv's own padding
 * (onnxruntime's PadFusion): Conv pads [b1..bn, e1..en] grow by the Pad's. Applies when the Pad feeds
 * only that Conv as its data input, its mode is constant with value 0, it pads neither batch nor
 * channels and no side by a negative amount, it names no `axes`, and the Conv's auto_pad is NOTSET.
 */
import type { Graph, GraphNode } from '../ir.js';
import type { Analysis } from '../analysis.js';
import { readersOf } from '../topo.js';
import type { GraphPass } from './pass.js';

/** The Pad's amounts for every dimension (begins then ends), or undefined when not constant zero padding. */
function zeroPads(p: GraphNode, a: Analysis, opset: number): number[] | undefined {
  const mode = p.attrs.mode;
  if (mode && (mode.type !== 'string' || mode.value !== 'constant')) return undefined;
  if (opset < 11) {
    const pads = p.attrs.pads ?? p.attrs.paddings;
    const value = p.attrs.value;
    if (value && (value.type !== 'float' || value.value !== 0)) return undefined;
    return pads && pads.type === 'ints' ? [...pads.value] : undefined;
  }
  if (p.inputs[3]) return undefined;
  const pads = a.consts.get(p.inputs[1] ?? '');
  if (!pads) return undefined;
  if (p.inputs[2]) {
    const v = a.consts.get(p.inputs[2]);
    if (!v || v.data.length !== 1 || Number(v.data[0]) !== 0) return undefined;
  }
  return Array.from(pads.data as ArrayLike<number | bigint>, Number);
}

function fold(g: Graph, a: Analysis, conv: GraphNode, readers: ReadonlyMap<string, number[]>): GraphNode | undefined {
  if (conv.domain !== '' || conv.op !== 'Conv') return undefined;
  const autoPad = conv.attrs.auto_pad;
  if (autoPad && (autoPad.type !== 'string' || autoPad.value !== 'NOTSET')) return undefined;
  const x = conv.inputs[0]!;
  const pad = g.nodes.find((n) => n.outputs[0] === x);
  if (!pad || pad.domain !== '' || pad.op !== 'Pad' || readers.get(x)?.length !== 1 || g.outputs.some((o) => o.name === x)) return undefined;
  if (conv.inputs.slice(1).includes(x)) return undefined;
  const pads = zeroPads(pad, a, g.opsets.get('') ?? 0);
  const rank = a.types.get(x)?.shape.length;
  if (!pads || rank === undefined || pads.length !== 2 * rank || rank < 3) return undefined;
  const spatial = rank - 2;
  if (pads[0] !== 0 || pads[1] !== 0 || pads[rank] !== 0 || pads[rank + 1] !== 0 || pads.some((v) => v < 0)) return undefined;
  const own = conv.attrs.pads?.type === 'ints' ? conv.attrs.pads.value : new Array<number>(2 * spatial).fill(0);
  if (own.length !== 2 * spatial) return undefined;
  const merged = own.map((v, i) => v + (i < spatial ? pads[2 + i]! : pads[rank + 2 + (i - spatial)]!));
  return { ...conv, inputs: [pad.inputs[0]!, ...conv.inputs.slice(1)], attrs: { ...conv.attrs, pads: { type: 'ints', value: merged } } };
}

export const foldPad: GraphPass = {
  name: 'fold Pad into Conv',
  run(g, a) {
    let out = g;
    for (const { name } of g.nodes) {
      const conv = out.nodes.find((n) => n.name === name)!;
      const next = fold(out, a, conv, readersOf(out.nodes));
      if (!next) continue;
      const padNode = out.nodes.find((n) => n.outputs[0] === conv.inputs[0])!;
      out = { ...out, nodes: out.nodes.filter((n) => n !== padNode).map((n) => (n === conv ? next : n)) };
    }
    return out;
  },
};
