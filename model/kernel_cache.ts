/**
 * Compiled kernels by workload: two groups with the same ops, attributes, input types, target and
 * threads, and the same values of the constants their entries read, compile to the same kernel, so it
 * is built once (within a model, across models in one process, and across the conformance tests).
 *
 * Constants are inputs like any other to a kernel (their data lies in the model's memory), so their
 * values do not enter the key, except where an op bakes one into its code (Clip's bounds, Pad's
 * value, a Reshape's shape): a build records the constants its entries read while defining and
 * scheduling it (kernel.ts ConstReadListener), and a later group takes it only when those constants
 * hold the same bytes. The two fire modules of each SqueezeNet stage, or ResNet's repeated blocks,
 * then share their kernels whatever their weights.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ConstTensor, Graph } from '../graph/ir.js';
import type { Analysis } from '../graph/analysis.js';
import {
  buildGpuKernel, buildWasmKernel, preparedTensorName, unusedOutputName,
  type ConstReadListener, type GpuKernelBuild, type KernelArgs, type KernelJob, type WasmKernelBuild,
} from './kernel.js';
import type { GpuLimits } from '../runtime/webgpu/device.js';
import { kernelChoice, type KernelTuning } from './kernel_records.js';

const hashes = new WeakMap<ConstTensor, string>();

/** SHA-256 of the constant's bytes, with its dtype and shape (memoized per tensor). */
function hashConst(t: ConstTensor): string {
  let h = hashes.get(t);
  if (h === undefined) {
    h = `${t.dtype}[${t.shape.join(',')}]#${bytesToHex(sha256(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)))}`;
    hashes.set(t, h);
  }
  return h;
}

/**
 * The workload key of a kernel job: everything its definition and schedule can see but the values of
 * constant inputs (only whether an input is constant), with tensor names replaced by their position
 * of first appearance in the job (`local`), so that copies of one workload over other tensors share
 * a key. Tensor-valued attributes are keyed by their bytes.
 */
export function workloadKey(g: Graph, a: Analysis, job: KernelJob, target: string, threads: number): { key: string; local: Map<string, string> } {
  const local = new Map<string, string>();
  const nameOf = (t: string) => { if (t === '') return ''; let n = local.get(t); if (!n) { n = `t${local.size}`; local.set(t, n); } return n; };
  const nodes = job.nodes.map((n) => ({
    op: n.op, domain: n.domain, opset: g.opsets.get(n.domain),
    attrs: Object.entries(n.attrs).sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([k, v]) => [k, v.type === 'tensor' ? hashConst(v.value) : v.type === 'tensors' ? v.value.map(hashConst) : v.value]),
    inputs: n.inputs.map((t) => {
      if (t === '') return '';
      const ty = a.types.get(t)!;
      return [nameOf(t), ty.dtype, ty.shape, a.consts.has(t)];
    }),
    outputs: n.outputs.map(nameOf),
  }));
  return { key: JSON.stringify({ target, threads, nodes }), local };
}

/** A build stored with local tensor names, and the constants it read: [local name, hash of the bytes]. */
interface CachedBuild {
  readonly build: KernelArgs;
  readonly constReads: readonly (readonly [string, string])[];
}

export class KernelCache {
  private readonly builds = new Map<string, CachedBuild[]>();
  /** Kernels found built, and kernels built, since the cache was made. */
  hits = 0;
  misses = 0;

  /**
   * The wasm kernel of `job`, compiled once per workload and tuning record, with `job`'s own argument
   * tensors. With `tuning`, the best record of the job's workloads (one per implementation of its
   * anchor; model/kernel_records.ts kernelChoice) is compiled instead of the op's schedule, and the
   * record's id is part of the key.
   */
  wasm(g: Graph, a: Analysis, job: KernelJob, threads: number, tuning?: KernelTuning, prepack = true): WasmKernelBuild {
    const choice = tuning && kernelChoice(g, a, job, threads, tuning);
    const w = workloadKey(g, a, job, 'wasm-simd', threads);
    const key = `${prepack ? '' : 'no-prepack|'}${choice?.record ? `record=${choice.record.id}|` : ''}${w.key}`;
    return this.get(a, { key, local: w.local }, job, (onRead) => buildWasmKernel(g, a, job, threads, onRead, choice, prepack));
  }

  /** The GPU kernel of `job` for `limits`, compiled once per workload and limits. */
  gpu(g: Graph, a: Analysis, job: KernelJob, limits?: GpuLimits): GpuKernelBuild {
    const w = workloadKey(g, a, job, 'webgpu', 1);
    return this.get(a, { key: `${JSON.stringify(limits ?? null)}|${w.key}`, local: w.local }, job, (onRead) => buildGpuKernel(g, a, job, limits, onRead));
  }

  private get<T extends KernelArgs>(a: Analysis, w: { key: string; local: Map<string, string> }, job: KernelJob, build: (onRead: ConstReadListener) => T): T {
    const actual = new Map([...w.local].map(([t, l]) => [l, t]));
    const sameConst = ([l, hash]: readonly [string, string]) => { const c = a.consts.get(actual.get(l)!); return c !== undefined && hashConst(c) === hash; };
    const candidates = this.builds.get(w.key) ?? [];
    const hit = candidates.find((c) => c.constReads.every(sameConst))?.build as T | undefined;
    if (!hit) {
      this.misses++;
      const read = new Set<string>();
      const b = build((t) => read.add(t));
      // Stored with local tensor names; unused outputs by their output index.
      const unusedByName = new Map(b.unused.map((u) => [u.name, u.output]));
      // (and the prepared tensors of its group by their index).
      const preparedIndex = new Map((b as Partial<WasmKernelBuild>).prepare?.prepared.map((x, k) => [x.name, k]) ?? []);
      const local = (t: string) => (unusedByName.has(t) ? `#unused${unusedByName.get(t)}` : preparedIndex.has(t) ? `#prepared${preparedIndex.get(t)}` : w.local.get(t)!);
      const stored = { ...b, tensors: b.tensors.map(local), unused: b.unused.map((u) => ({ name: `#unused${u.output}`, output: u.output })), ...withPrepare(b, local) };
      const constReads = [...read].map((t) => [w.local.get(t)!, hashConst(a.consts.get(t)!)] as const);
      this.builds.set(w.key, [...candidates, { build: stored, constReads }]);
      return b;
    }
    this.hits++;
    const unusedName = (output: number) => unusedOutputName(job.nodes[0]!, output);
    const real = (t: string) => (t.startsWith('#unused') ? unusedName(Number(t.slice('#unused'.length)))
      : t.startsWith('#prepared') ? preparedTensorName(job.nodes[0]!, Number(t.slice('#prepared'.length))) : actual.get(t)!);
    return { ...hit, tensors: hit.tensors.map(real), unused: hit.unused.map((u) => ({ name: unusedName(u.output), output: u.output })), ...withPrepare(hit, real) };
  }
}

/** A build's prepare kernel (kernel.ts PrepareKernelBuild) with its tensors renamed by `rename`. */
function withPrepare<T extends KernelArgs>(b: T, rename: (t: string) => string): Partial<WasmKernelBuild> {
  const p = (b as Partial<WasmKernelBuild>).prepare;
  return p ? { prepare: { ...p, tensors: p.tensors.map(rename), prepared: p.prepared.map((x) => ({ ...x, name: rename(x.name) })) } } : {};
}
