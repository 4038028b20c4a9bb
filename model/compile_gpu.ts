/**
 * A graph to a WebGPU model (runtime/webgpu/gpu_model.ts): one GPU program per fusion group, the
 * tensors chained between them as device buffers (aliases share their input's buffer), constants
 * uploaded once.
 */
import type { Graph } from '../graph/ir.js';
import type { Analysis } from '../graph/analysis.js';
import { acquireGpu, type GpuContext } from '../runtime/webgpu/device.js';
import { GpuModel, type GpuModelProgram, type GpuTensorSpec } from '../runtime/webgpu/gpu_model.js';
import { ArgumentError } from '../runtime/tensor.js';
import { executionPlan } from './plan.js';
import { buildGpuKernel, type GpuKernelBuild } from './kernel.js';
import type { KernelCache } from './kernel_cache.js';
import { kernelBytes, kernelConstBytes, placeTensors } from './memory.js';
import type { CompiledModel } from './compile_onnx.js';
import { type WeightsStorage, halfBits, storedAsHalf } from './half_weights.js';

export interface GpuModelBuild {
  readonly program: GpuModelProgram;
  readonly weights: Uint8Array;
  readonly notes: readonly string[];
  /** Bytes of the activation buffers (one per tensor), and the lower bound of any plan (graph/memory_plan.ts). */
  readonly bufferBytes: number;
  readonly lowerBoundBytes: number;
}

/**
 * @throws OpError, ModelCompileError (a kernel), GraphError (a constant out of the kernels' range)
 */
export function buildGpuModel(g: Graph, a: Analysis, context: GpuContext | undefined, cache?: KernelCache, storage: WeightsStorage = 'f32'): GpuModelBuild {
  const plan = executionPlan(g, a);
  const limits = context?.limits;
  const builds: GpuKernelBuild[] = plan.kernels.map((job) => (cache ? cache.gpu(g, a, job, limits) : buildGpuKernel(g, a, job, limits)));
  const aliasOf = new Map(plan.aliases.map(([i, o]) => [o, i]));
  const root = (t: string) => { let r = t; while (aliasOf.has(r)) r = aliasOf.get(r)!; return r; };
  const tensors = new Map<string, GpuTensorSpec>();
  const extraShapes = new Map<string, { dtype: GpuTensorSpec['dtype']; shape: readonly number[] }>();
  const see = (t: string) => {
    if (tensors.has(t)) return;
    const ty = a.types.get(t) ?? extraShapes.get(t)!;
    tensors.set(t, { name: t, dtype: ty.dtype, shape: [...ty.shape], buffer: root(t) });
    if (root(t) !== t) see(root(t));
  };
  builds.forEach((b) => b.unused.forEach((u) => {
    const arg = b.program.args[b.tensors.indexOf(u.name)]!;
    extraShapes.set(u.name, { dtype: arg.dtype === 'f32' ? 'f32' : arg.dtype, shape: arg.shape.map(Number) });
  }));
  builds.forEach((b) => b.tensors.forEach(see));
  g.inputs.forEach((i) => see(i.name));
  g.outputs.forEach((o) => see(o.name));
  const constNames = [...new Set([...tensors.values()].map((t) => t.buffer).filter((b) => g.initializers.has(b)))];
  const notes: string[] = [];
  const chunks = constNames.map((n) => {
    const t = g.initializers.get(n)!, bytes = kernelConstBytes(n, t);
    if (!storedAsHalf(t.dtype, storage)) return { bytes, f16: false };
    const bits = halfBits(new Float32Array(bytes.slice().buffer));
    if (!bits) { notes.push(`weights f16: constant ${n} stays f32: a value exceeds binary16's largest, 65504`); return { bytes, f16: false }; }
    return { bytes: new Uint8Array(bits.buffer), f16: true };
  });
  const constants: GpuModelProgram['constants'][number][] = [];
  let offset = 0;
  constNames.forEach((n, i) => {
    const { bytes, f16 } = chunks[i]!;
    constants.push({ buffer: n, offset, length: bytes.byteLength, ...(f16 ? { f16 } : {}) });
    offset += Math.ceil(bytes.byteLength / 4) * 4;
  });
  const weights = new Uint8Array(offset);
  constants.forEach((c, i) => weights.set(chunks[i]!.bytes, c.offset));
  // Groups of one workload share a program (the kernel cache's hits): the artifact holds each once.
  const texts: string[] = [], distinct: GpuModelProgram['kernels'][number][] = [];
  const kernelOf = builds.map((b) => {
    const text = JSON.stringify(b.program);
    let k = texts.indexOf(text);
    if (k < 0) { k = texts.length; texts.push(text); distinct.push(b.program); }
    return k;
  });
  const program: GpuModelProgram = {
    name: g.name || 'model',
    tensors: [...tensors.values()], constants,
    inputs: g.inputs.map((i) => i.name), outputs: g.outputs.map((o) => o.name),
    kernels: distinct,
    steps: builds.map((b, k) => ({ kernel: kernelOf[k]!, nodes: plan.kernels[k]!.nodes.map((n) => n.name), args: Object.fromEntries(b.program.args.map((arg, i) => [arg.name, b.tensors[i]!])) })),
  };
  // One buffer per tensor: the bytes they take, and the least that any reuse of buffers could reach.
  const activation = [...new Map([...tensors.values()].filter((t) => !g.initializers.has(t.buffer)).map((t) => [t.buffer, t])).values()];
  const bufferBytes = activation.reduce((sum, t) => sum + kernelBytes(t), 0);
  const steps = builds.map((b) => ({
    reads: b.tensors.filter((_, i) => b.program.args[i]!.role === 'input'),
    writes: b.tensors.filter((_, i) => b.program.args[i]!.role === 'output'),
    inPlace: [],
  }));
  const extra = new Map([...extraShapes].map(([n, t]) => [n, kernelBytes(t)]));
  const { lowerBoundBytes } = placeTensors(g, a, steps, plan.aliases, extra);
  return { program, weights, notes: [...builds.flatMap((b) => b.notes), ...notes], bufferBytes, lowerBoundBytes };
}

/** Compiles and creates a WebGPU model (compile_onnx.ts compileGraph's webgpu target). */
export async function compileGpuModel(g: Graph, a: Analysis, cache: KernelCache | undefined, context?: GpuContext, storage: WeightsStorage = 'f32'): Promise<CompiledModel> {
  const ctx = context ?? await acquireGpu();
  const build = buildGpuModel(g, a, ctx, cache, storage);
  const model = await GpuModel.create(ctx, build.program, build.weights);
  let disposed = false;
  return {
    target: 'webgpu',
    inputs: model.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })),
    outputs: model.outputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })),
    run: async (feeds) => {
      if (disposed) throw new ArgumentError(`${build.program.name}: the model was disposed`);
      return model.run(feeds);
    },
    profile: () => Promise.reject(new ArgumentError(`${build.program.name}: profile times the kernels of wasm-simd models; a WebGPU model's dispatches run asynchronously on the device (time them with the bench's timestamp queries, bench/webgpu.ts)`)),
    plan: { peakBytes: build.bufferBytes, lowerBoundBytes: build.lowerBoundBytes },
    graph: g,
    kernelCount: build.program.steps.length,
    notes: build.notes,
    tuned: [],
    webgpu: { program: build.program, weights: build.weights },
    dispose: async () => { disposed = true; model.destroy(); if (!context) ctx.destroy(); },
  };
}
