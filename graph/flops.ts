/**
 * Floating-point work of a node, for profiles and task weights: a multiply-add counts 2. Counted for
 * the ops whose time is their arithmetic (convolutions, matrix products); other ops count one
 * operation per output element, which is what elementwise ops, pooling windows aside, do.
 */
import { type Graph, type GraphNode, elementCount } from './ir.js';
import type { Analysis } from './analysis.js';

type FlopRule = (n: GraphNode, shapeOf: (t: string) => readonly number[] | undefined) => number | undefined;

/** Conv: 2 x output elements x (C / group) x kernel window (ONNX Conv: W is [M, C/group, k...]). */
const conv: FlopRule = (n, shapeOf) => {
  const w = shapeOf(n.inputs[1]!), y = shapeOf(n.outputs[0]!);
  if (!w || !y) return undefined;
  return 2 * elementCount(y) * elementCount(w.slice(1));
};

/** ConvTranspose: every input element meets the whole [C, M/group, k...] weight slice of its channel. */
const convTranspose: FlopRule = (n, shapeOf) => {
  const x = shapeOf(n.inputs[0]!), w = shapeOf(n.inputs[1]!);
  if (!x || !w) return undefined;
  return 2 * elementCount(x) * elementCount(w.slice(1));
};

/** MatMul, Gemm: 2 x output elements x the contracted length (the last axis of A, or its first when transA). */
const matmul: FlopRule = (n, shapeOf) => {
  const a = shapeOf(n.inputs[0]!), y = shapeOf(n.outputs[0]!);
  if (!a || !y) return undefined;
  const transA = n.op === 'Gemm' && n.attrs.transA?.type === 'int' && n.attrs.transA.value === 1;
  const k = a.length === 1 ? a[0]! : transA ? a[0]! : a[a.length - 1]!;
  return 2 * elementCount(y) * k;
};

const FLOP_RULES: Readonly<Record<string, FlopRule>> = { Conv: conv, ConvTranspose: convTranspose, MatMul: matmul, Gemm: matmul };

/**
 * @param n a node of `g` with the types of `a`
 * @returns its floating-point operations (a multiply-add is 2), or one per output element for ops
 *   without a rule; 0 when its output shapes are unknown
 */
export function nodeFlops(_g: Graph, a: Analysis, n: GraphNode): number {
  const shapeOf = (t: string) => (t === '' ? undefined : a.types.get(t)?.shape);
  const rule = FLOP_RULES[n.op];
  const counted = rule?.(n, shapeOf);
  if (counted !== undefined) return counted;
  return n.outputs.reduce((sum, o) => sum + elementCount(shapeOf(o) ?? [0]), 0);
}
