/** The graph as text, one node a line, for the debug dump after each pass. */
import type { AttrValue, Graph, TensorInfo } from './ir.js';

function attrText(a: AttrValue): string {
  switch (a.type) {
    case 'tensor': return `tensor<${a.value.dtype}[${a.value.shape.join(',')}]>`;
    case 'tensors': return `tensors(${a.value.length})`;
    case 'string': return JSON.stringify(a.value);
    case 'ints': case 'floats': return `[${a.value.join(',')}]`;
    case 'strings': return `[${a.value.map((s) => JSON.stringify(s)).join(',')}]`;
    default: return String(a.value);
  }
}

const typeText = (t: TensorInfo | undefined) => (t ? `${t.dtype}[${t.shape.join(',')}]` : '?');

/**
 * @param types tensor types to print beside each output (from graph/analysis.ts), when known
 * @returns `%out = Op(%a, %b) {attr=...} : f32[1,64,56,56]` lines, inputs and initializers first,
 *   fusion groups marked `[group k]`
 */
export function printGraph(g: Graph, types?: ReadonlyMap<string, TensorInfo>): string {
  const lines: string[] = [];
  const group = new Map<string, number>();
  g.groups?.forEach((gr, k) => gr.nodes.forEach((n) => group.set(n, k)));
  for (const i of g.inputs) lines.push(`input %${i.name} : ${types?.has(i.name) ? typeText(types.get(i.name)) : `${i.dtype ?? '?'}[${i.shape?.map((d) => d ?? '?').join(',') ?? '?'}]`}`);
  for (const [name, t] of g.initializers) lines.push(`const %${name} : ${t.dtype}[${t.shape.join(',')}]`);
  for (const n of g.nodes) {
    const attrs = Object.entries(n.attrs).map(([k, v]) => `${k}=${attrText(v)}`).join(', ');
    const outs = n.outputs.map((o) => (o === '' ? '_' : `%${o}`)).join(', ');
    const ins = n.inputs.map((x) => (x === '' ? '_' : `%${x}`)).join(', ');
    const k = group.get(n.name);
    lines.push(`${outs} = ${n.domain ? `${n.domain}.` : ''}${n.op}(${ins})${attrs ? ` {${attrs}}` : ''} : ${n.outputs.filter((o) => o !== '').map((o) => typeText(types?.get(o))).join(', ')}  # ${n.name}${k !== undefined ? ` [group ${k}]` : ''}`);
  }
  lines.push(`output ${g.outputs.map((o) => `%${o.name}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
