/**
 * Compiled kernels by workload: two groups with the same ops, attributes, input types, constant
 * values, target and threads compile to the same kernel, so it is built once (within a model, across
 * models in one process, and across the conformance tests). Constants are keyed by a hash of their
 * bytes, since an op may bake a constant into its code.
 */
import type { ConstTensor, Graph } from '../graph/ir.js';
import type { Analysis } from '../graph/analysis.js';
import { buildGpuKernel, buildWasmKernel, unusedOutputName, type GpuKernelBuild, type KernelArgs, type KernelJob, type WasmKernelBuild } from './kernel.js';
import type { GpuLimits } from '../runtime/webgpu/device.js';

/** FNV-1a over the constant's bytes, with its dtype, shape and length. */
function hashConst(t: ConstTensor): string {
  const b = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return `${t.dtype}[${t.shape.join(',')}]#${(h >>> 0).toString(16)}:${b.length}`;
}

/**
 * The workload key of a kernel job: everything its definition and schedule can see, with tensor
 * names replaced by their position of first appearance in the job (`local`), so that copies of one
 * workload over other tensors share a key.
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
      const c = a.consts.get(t), ty = a.types.get(t)!;
      return [nameOf(t), ty.dtype, ty.shape, c ? hashConst(c) : null];
    }),
    outputs: n.outputs.map(nameOf),
  }));
  return { key: JSON.stringify({ target, threads, nodes }), local };
}

export class KernelCache {
  private readonly builds = new Map<string, KernelArgs>();
  /** Kernels found built, and kernels built, since the cache was made. */
  hits = 0;
  misses = 0;

  /** The wasm kernel of `job`, compiled once per workload, with `job`'s own argument tensors. */
  wasm(g: Graph, a: Analysis, job: KernelJob, threads: number): WasmKernelBuild {
    return this.get(workloadKey(g, a, job, 'wasm-simd', threads), job, () => buildWasmKernel(g, a, job, threads));
  }

  /** The GPU kernel of `job` for `limits`, compiled once per workload and limits. */
  gpu(g: Graph, a: Analysis, job: KernelJob, limits?: GpuLimits): GpuKernelBuild {
    const w = workloadKey(g, a, job, 'webgpu', 1);
    return this.get({ key: `${JSON.stringify(limits ?? null)}|${w.key}`, local: w.local }, job, () => buildGpuKernel(g, a, job, limits));
  }

  private get<T extends KernelArgs>(w: { key: string; local: Map<string, string> }, job: KernelJob, build: () => T): T {
    const hit = this.builds.get(w.key) as T | undefined;
    if (!hit) {
      this.misses++;
      const b = build();
      // Stored with local tensor names; unused outputs by their output index.
      const unusedByName = new Map(b.unused.map((u) => [u.name, u.output]));
      this.builds.set(w.key, { ...b, tensors: b.tensors.map((t) => (unusedByName.has(t) ? `#unused${unusedByName.get(t)}` : w.local.get(t)!)), unused: b.unused.map((u) => ({ name: `#unused${u.output}`, output: u.output })) });
      return b;
    }
    this.hits++;
    const actual = new Map([...w.local].map(([t, l]) => [l, t]));
    const unusedName = (output: number) => unusedOutputName(job.nodes[0]!, output);
    const real = (t: string) => (t.startsWith('#unused') ? unusedName(Number(t.slice('#unused'.length))) : actual.get(t)!);
    return { ...hit, tensors: hit.tensors.map(real), unused: hit.unused.map((u) => ({ name: unusedName(u.output), output: u.output })) };
  }
}
