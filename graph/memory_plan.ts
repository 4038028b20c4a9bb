/**
 * Activation memory planned ahead of time: every tensor that kernels write gets an offset in one arena
 * from its lifetime (the steps from the one that writes it to the last that reads it). Tensors that
 * share storage (an alias such as Reshape's output, or an elementwise output written in place over an
 * input read for the last time) are planned as one block over the union of their lifetimes. Blocks are
 * placed largest first, each at the smallest gap between blocks live at the same time that fits it,
 * else after them: TFLite's arena planner (greedy by size, best fit; Pisarchyk & Lee, "Efficient
 * Memory Management for Deep Neural Net Inference", 2020). The lower bound is the largest sum of bytes
 * live at one step; no plan can use less.
 */

/** A tensor to place: its size and the steps it is live in, inclusive. */
export interface TensorLifetime {
  readonly name: string;
  /** Bytes (rounded up to the alignment by the planner). */
  readonly bytes: number;
  /** The step that writes it (-1: before the first step, as a model input). */
  readonly first: number;
  /** The last step that reads it (a model output: the last step, or later). */
  readonly last: number;
}

export interface ArenaPlan {
  /** Byte offset of each tensor in the arena, a multiple of the alignment. */
  readonly offsets: ReadonlyMap<string, number>;
  /** Arena bytes the plan needs: the end of its highest block. */
  readonly peakBytes: number;
  /** The largest sum of (aligned) bytes live at one step. */
  readonly lowerBoundBytes: number;
  /** The blocks: tensors sharing storage, with the union of their lifetimes. */
  readonly blocks: readonly { readonly tensors: readonly string[]; readonly offset: number; readonly bytes: number; readonly first: number; readonly last: number }[];
}

export class MemoryPlanError extends Error {
  override name = 'MemoryPlanError';
}

const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

interface Block { tensors: string[]; bytes: number; first: number; last: number; offset: number }

/**
 * Plans the arena.
 * @param tensors every tensor to place, names distinct
 * @param shares pairs [a, b]: b lives in a's storage (an alias or in-place write); chains allowed
 * @param alignment bytes every offset is a multiple of (16 for SIMD loads; WebGPU wants 256)
 * @throws MemoryPlanError for a repeated name, a share naming an unknown tensor, a negative or
 *   fractional size, or a lifetime that ends before it starts
 */
export function planArena(tensors: readonly TensorLifetime[], shares: readonly (readonly [string, string])[] = [], alignment = 16): ArenaPlan {
  const index = new Map<string, number>();
  tensors.forEach((t, i) => {
    if (index.has(t.name)) throw new MemoryPlanError(`tensor ${t.name} is listed twice`);
    if (!Number.isInteger(t.bytes) || t.bytes < 0) throw new MemoryPlanError(`tensor ${t.name} has ${t.bytes} bytes; sizes are whole non-negative numbers`);
    if (t.last < t.first) throw new MemoryPlanError(`tensor ${t.name} is last read at step ${t.last}, before it is written at step ${t.first}`);
    index.set(t.name, i);
  });
  const parent = tensors.map((_, i) => i);
  const root = (i: number): number => { while (parent[i] !== i) { parent[i] = parent[parent[i]!]!; i = parent[i]!; } return i; };
  for (const [a, b] of shares) {
    const ia = index.get(a), ib = index.get(b);
    if (ia === undefined || ib === undefined) throw new MemoryPlanError(`share [${a}, ${b}] names a tensor that is not planned: ${ia === undefined ? a : b}`);
    parent[root(ib)] = root(ia);
  }
  const byRoot = new Map<number, Block>();
  tensors.forEach((t, i) => {
    const r = root(i);
    const b = byRoot.get(r);
    const bytes = roundUp(t.bytes, alignment);
    if (!b) byRoot.set(r, { tensors: [t.name], bytes, first: t.first, last: t.last, offset: -1 });
    else { b.tensors.push(t.name); b.bytes = Math.max(b.bytes, bytes); b.first = Math.min(b.first, t.first); b.last = Math.max(b.last, t.last); }
  });
  const blocks = [...byRoot.values()];
  const order = [...blocks].sort((x, y) => y.bytes - x.bytes || x.first - y.first || (x.tensors[0]! < y.tensors[0]! ? -1 : 1));
  const placed: Block[] = [];
  for (const b of order) {
    const live = placed.filter((p) => p.first <= b.last && b.first <= p.last).sort((x, y) => x.offset - y.offset);
    let end = 0, best = -1, bestGap = Infinity;
    for (const p of live) {
      const gap = p.offset - end;
      if (gap >= b.bytes && gap < bestGap) { best = end; bestGap = gap; }
      end = Math.max(end, p.offset + p.bytes);
    }
    b.offset = best >= 0 ? best : end;
    placed.push(b);
  }
  const offsets = new Map<string, number>();
  for (const b of blocks) for (const t of b.tensors) offsets.set(t, b.offset);
  const peakBytes = blocks.reduce((m, b) => Math.max(m, b.offset + b.bytes), 0);
  // Live bytes change only where a block starts, so the maximum is at some block's first step.
  let lowerBoundBytes = 0;
  for (const s of new Set(blocks.map((b) => b.first))) {
    lowerBoundBytes = Math.max(lowerBoundBytes, blocks.reduce((sum, b) => sum + (b.first <= s && s <= b.last ? b.bytes : 0), 0));
  }
  return { offsets, peakBytes, lowerBoundBytes, blocks: blocks.map((b) => ({ ...b })) };
}
