/**
 * Where every tensor of a compiled model lives in its one memory: constants that kernels read in the
 * weights region (converted once to their kernel dtypes), everything kernels write, and the model's
 * inputs, in the activation arena at offsets planned from lifetimes (graph/memory_plan.ts). Alias ops
 * (Reshape & co.) share their input's storage; an elementwise kernel writes over an input of its shape
 * and dtype that no later step reads (in place).
 */
import { bytes as dtypeBytes } from '../ir/dtype.js';
import { type ConstTensor, type Graph, elementCount, kernelDType } from '../graph/ir.js';
import type { StorageDType } from '../runtime/dtype.js';
import type { Analysis } from '../graph/analysis.js';
import { type TensorLifetime, planArena } from '../graph/memory_plan.js';
import { GraphError } from '../graph/errors.js';
import { RESERVED_BYTES, TENSOR_ALIGNMENT } from '../runtime/abi.js';
import type { TensorSlice } from './plan.js';

/** What the layout needs to know of one step (one kernel call). */
export interface StepUse {
  /** Tensors the kernel reads, in any order. */
  readonly reads: readonly string[];
  /** Tensors it writes. */
  readonly writes: readonly string[];
  /** Inputs whose storage its (single) output may take, when legal (elementwise kernels). */
  readonly inPlace: readonly string[];
}

export interface MemoryPlacement {
  /** Byte address of every tensor a step reads or writes, and of every model input and output. */
  readonly address: ReadonlyMap<string, number>;
  readonly weights: Uint8Array;
  /** Each constant in the weights region: its bytes [offset, offset + bytes) of `weights`, in its kernel dtype. */
  readonly constants: readonly { readonly name: string; readonly offset: number; readonly bytes: number; readonly dtype: StorageDType }[];
  readonly weightsAddress: number;
  readonly arenaAddress: number;
  readonly arenaBytes: number;
  readonly scratchAddress: number;
  readonly peakBytes: number;
  readonly lowerBoundBytes: number;
  /** Pairs [a, b]: b was placed in a's storage in place of a copy. */
  readonly inPlace: readonly (readonly [string, string])[];
}

const ALIGN = TENSOR_ALIGNMENT;
const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** The bytes a tensor of this type takes in a kernel (a scalar takes one element). */
export function kernelBytes(info: { dtype: Parameters<typeof kernelDType>[0]; shape: readonly number[] }): number {
  return elementCount(info.shape) * dtypeBytes(kernelDType(info.dtype));
}

/**
 * The constant's data as its kernel dtype holds it, little-endian bytes.
 * @throws GraphError naming the tensor when an int64/uint64 value does not fit 32 bits
 */
export function kernelConstBytes(name: string, t: ConstTensor): Uint8Array {
  const kt = kernelDType(t.dtype);
  let data: ArrayBufferView;
  if (t.dtype === 'i64' || t.dtype === 'u64') {
    const src = t.data as BigInt64Array | BigUint64Array;
    const out = t.dtype === 'i64' ? new Int32Array(src.length) : new Uint32Array(src.length);
    const [lo, hi] = t.dtype === 'i64' ? [-2147483648n, 2147483647n] : [0n, 4294967295n];
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (v < lo || v > hi) throw new GraphError(`constant ${name} (${t.dtype}) holds ${v} at element ${i}, outside the ${kt} range Tessera's kernels hold ${t.dtype} values in`);
      out[i] = Number(v);
    }
    data = out;
  } else data = t.data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

class Blocks {
  private readonly parent = new Map<string, string>();
  private readonly last = new Map<string, number>();
  root(t: string): string {
    let r = t;
    while (this.parent.has(r)) r = this.parent.get(r)!;
    return r;
  }
  union(into: string, t: string): void {
    const a = this.root(into), b = this.root(t);
    if (a === b) return;
    this.parent.set(b, a);
    this.last.set(a, Math.max(this.last.get(a) ?? -Infinity, this.last.get(b) ?? -Infinity));
  }
  lastOf(t: string): number { return this.last.get(this.root(t)) ?? -Infinity; }
  read(t: string, step: number): void { const r = this.root(t); this.last.set(r, Math.max(this.last.get(r) ?? -Infinity, step)); }
}

/**
 * Places the model's tensors.
 * @param steps the kernel calls in order
 * @param aliases pairs [input, output] of alias ops (output 0 is input 0's data), in graph order
 * @param extraBytes bytes of tensors without a graph type (outputs a node omits)
 * @param prepared bytes of each tensor a prepare kernel writes once at load (model/kernel.ts
 *   PrepareKernelBuild): placed after the weights, outside the arena, and in no weights file
 * @param slices tensors stored inside another (model/plan.ts, zero-copy concatenation)
 * @throws GraphError when a constant's int64 values do not fit the kernels' i32
 */
export function placeTensors(g: Graph, a: Analysis, steps: readonly StepUse[], aliases: readonly (readonly [string, string])[], extraBytes: ReadonlyMap<string, number> = new Map(), prepared: ReadonlyMap<string, number> = new Map(), slices: readonly TensorSlice[] = []): MemoryPlacement {
  const end = steps.length;
  const aliasOf = new Map<string, string>(aliases.map(([i, o]) => [o, i]));
  const rootAlias = (t: string): string => { let r = t; while (aliasOf.has(r)) r = aliasOf.get(r)!; return r; };
  // A slice lives inside its holder: one block, live from the first write of any part to the last read.
  const sliceOf = new Map(slices.map((x) => [x.tensor, x]));
  const holders = new Set(slices.map((x) => x.of));
  const isConst = (t: string) => g.initializers.has(t);

  // Weights: constants a kernel reads or the model outputs, directly or through aliases.
  const constNames: string[] = [];
  const seeConst = (t: string) => { const r = rootAlias(t); if (isConst(r) && !constNames.includes(r)) constNames.push(r); };
  for (const s of steps) s.reads.forEach(seeConst);
  g.outputs.forEach((o) => seeConst(o.name));
  const address = new Map<string, number>();
  let top = RESERVED_BYTES;
  const constBytes = constNames.map((n) => kernelConstBytes(n, g.initializers.get(n)!));
  constNames.forEach((n, i) => { address.set(n, top); top = roundUp(top + constBytes[i]!.byteLength, ALIGN); });
  const weightsAddress = RESERVED_BYTES, weightsBytes = top - RESERVED_BYTES;
  const weights = new Uint8Array(weightsBytes);
  constNames.forEach((n, i) => weights.set(constBytes[i]!, address.get(n)! - RESERVED_BYTES));
  for (const [n, b] of prepared) { address.set(n, top); top = roundUp(top + b, ALIGN); }

  // Arena: lifetimes of model inputs and of what kernels write; aliases and in-place writes share.
  const lifetimes = new Map<string, { first: number; last: number; bytes: number }>();
  const arenaRoot = (t: string) => { const r = rootAlias(t); return isConst(r) || prepared.has(r) ? undefined : sliceOf.get(r)?.of ?? r; };
  const bytesOf = (t: string) => extraBytes.get(t) ?? kernelBytes(a.types.get(t)!);
  for (const i of g.inputs) lifetimes.set(i.name, { first: -1, last: -1, bytes: bytesOf(i.name) });
  const blocks = new Blocks();
  const shares: [string, string][] = [];
  const inPlace: [string, string][] = [];
  // Last reads first, so in-place decisions see every later use.
  steps.forEach((s, k) => s.reads.forEach((t) => { const r = arenaRoot(t); if (r) blocks.read(r, k); }));
  for (const o of g.outputs) { const r = arenaRoot(o.name); if (r) blocks.read(r, end); }
  steps.forEach((s, k) => {
    for (const t of s.writes) {
      const r = arenaRoot(t)!;
      if (!lifetimes.has(r)) lifetimes.set(r, { first: k, last: k, bytes: bytesOf(r) });
      blocks.read(r, k);
    }
    if (s.writes.length !== 1) return;
    const out = s.writes[0]!;
    if (sliceOf.has(out) || holders.has(out)) return;
    const cand = s.inPlace.map(arenaRoot).find((r) => r !== undefined && !holders.has(r) && blocks.lastOf(r) === k && lifetimes.get(r)!.bytes === bytesOf(out) && blocks.root(r) !== blocks.root(out));
    if (cand) { blocks.union(cand, out); shares.push([cand, out]); inPlace.push([cand, out]); }
  });
  steps.forEach((s, k) => s.reads.forEach((t) => {
    const r = arenaRoot(t);
    if (r && lifetimes.has(r)) lifetimes.get(r)!.last = Math.max(lifetimes.get(r)!.last, k);
  }));
  for (const o of g.outputs) {
    const r = arenaRoot(o.name);
    if (r && lifetimes.has(r)) lifetimes.get(r)!.last = end;
  }
  const list: TensorLifetime[] = [...lifetimes].map(([name, l]) => ({ name, ...l }));
  const plan = planArena(list, shares, ALIGN);
  const arenaAddress = roundUp(top, 64);
  for (const [name, off] of plan.offsets) address.set(name, arenaAddress + off);
  for (const x of slices) address.set(x.tensor, address.get(x.of)! + x.offset * kernelBytes({ dtype: a.types.get(x.of)!.dtype, shape: [1] }));
  // Every alias output lives where its root does.
  const resolve = (t: string) => { const at = address.get(rootAlias(t)); if (at !== undefined) address.set(t, at); };
  for (const s of steps) { s.reads.forEach(resolve); s.writes.forEach(resolve); }
  g.outputs.forEach((o) => resolve(o.name));
  for (const [, o] of aliases) resolve(o);
  const constants = constNames.map((n, i) => ({ name: n, offset: address.get(n)! - RESERVED_BYTES, bytes: constBytes[i]!.byteLength, dtype: kernelDType(g.initializers.get(n)!.dtype) }));
  return {
    address, weights, constants, weightsAddress, arenaAddress, arenaBytes: plan.peakBytes,
    scratchAddress: roundUp(arenaAddress + plan.peakBytes, ALIGN),
    peakBytes: plan.peakBytes, lowerBoundBytes: plan.lowerBoundBytes, inPlace,
  };
}
