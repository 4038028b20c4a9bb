/**
 * Runs a compiled model on WebGPU: one device buffer per tensor (aliases share their input's), the
 * weights uploaded once, and per run: the inputs written, every kernel's dispatches recorded into one
 * compute pass (WebGPU orders them and makes each one's writes visible to the next, WebGPU §23.1), the
 * outputs read back. Tensors stay on the device between kernels.
 */
import type { GpuProgram } from './program.js';
import type { GpuContext } from './device.js';
import { GpuKernel } from './gpu_kernel.js';
import { PipelineCache } from './pipeline_cache.js';
import { createEmptyStorageBuffer, createStorageBuffer, readBuffer, writeBuffer } from './buffers.js';
import { encodeDispatches, submit, type DispatchCall } from './dispatch.js';
import { ArgumentError } from '../tensor.js';
import { kernelDType } from '../model_dtype.js';
import type { ModelValueInfo } from '../model_program.js';
import { type ModelTensor, checkFeed, readOutput, writeFeed } from '../model_tensors.js';
import { storageBytes as bytes } from '../dtype.js';
import { loadWeights } from '../weights.js';

export interface GpuTensorSpec extends ModelValueInfo {
  /** The buffer it lives in (an alias names its input's). */
  readonly buffer: string;
}

export interface GpuModelStep {
  readonly kernel: number;
  readonly nodes: readonly string[];
  /** The tensor behind each program argument, by argument name. */
  readonly args: Readonly<Record<string, string>>;
}

export interface GpuModelProgram {
  readonly name: string;
  /** Every tensor kernels read or write, and the model's inputs and outputs. */
  readonly tensors: readonly GpuTensorSpec[];
  /**
   * Constant tensors: bytes [offset, offset + length) of the weights blob, in their kernel dtype, or
   * with `f16` f32 values stored as binary16 bits (length / 2 elements), widened when uploaded.
   */
  readonly constants: readonly { readonly buffer: string; readonly offset: number; readonly length: number; readonly f16?: boolean }[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly kernels: readonly GpuProgram[];
  readonly steps: readonly GpuModelStep[];
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** A constant's bytes as its buffer holds them: stored f16 runs widened to f32. */
function constantBytes(weights: Uint8Array, c: GpuModelProgram['constants'][number]): Uint8Array {
  const stored = weights.subarray(c.offset, c.offset + c.length);
  if (!c.f16) return stored;
  const region = new Uint8Array(2 * c.length);
  loadWeights(stored, [{ offset: 0, count: c.length / 2 }], region, 'constant ' + c.buffer);
  return region;
}

export class GpuModel {
  private constructor(
    readonly program: GpuModelProgram,
    private readonly ctx: GpuContext,
    private readonly buffers: ReadonlyMap<string, GPUBuffer>,
    private readonly calls: readonly DispatchCall[],
    private readonly destroyers: readonly (() => void)[],
  ) {}

  get inputs() { return this.program.inputs.map((n) => this.spec(n)); }
  get outputs() { return this.program.outputs.map((n) => this.spec(n)); }

  private spec(name: string): GpuTensorSpec {
    return this.program.tensors.find((t) => t.name === name)!;
  }

  /**
   * Creates the buffers, uploads the constants and builds every kernel's pipelines and dispatches.
   * @throws ArgumentError when the weights blob is shorter than the constants need; WgslCompileError /
   *   GpuPipelineError when the device refuses a shader; GpuBufferError for a tensor over the device's
   *   buffer limits
   */
  static async create(ctx: GpuContext, program: GpuModelProgram, weights: Uint8Array, cache = new PipelineCache(ctx)): Promise<GpuModel> {
    const need = program.constants.reduce((m, c) => Math.max(m, c.offset + c.length), 0);
    if (weights.byteLength < need) throw new ArgumentError(`${program.name}: the weights blob has ${weights.byteLength} bytes, the constants need ${need}`);
    const buffers = new Map<string, GPUBuffer>();
    const destroyers: (() => void)[] = [() => { for (const b of buffers.values()) b.destroy(); }];
    const constants = new Map(program.constants.map((c) => [c.buffer, c]));
    for (const t of program.tensors) {
      if (buffers.has(t.buffer)) continue;
      const c = constants.get(t.buffer);
      const size = numel(t.shape) * bytes(kernelDType(t.dtype));
      buffers.set(t.buffer, c ? createStorageBuffer(ctx, constantBytes(weights, c), t.buffer) : createEmptyStorageBuffer(ctx, size, t.buffer));
    }
    const byName = new Map(program.tensors.map((t) => [t.name, t]));
    const calls: DispatchCall[] = [];
    for (const step of program.steps) {
      const kernel = await GpuKernel.create(ctx, program.kernels[step.kernel]!, cache);
      const bufs: Record<string, GPUBuffer> = {}, shapes: Record<string, readonly number[]> = {};
      for (const [arg, tensor] of Object.entries(step.args)) {
        const t = byName.get(tensor)!;
        bufs[arg] = buffers.get(t.buffer)!;
        shapes[arg] = t.shape.length ? t.shape : [1];
      }
      const bound = kernel.callsOn(bufs, shapes);
      calls.push(...bound.calls);
      destroyers.push(bound.destroy);
    }
    return new GpuModel(program, ctx, buffers, calls, destroyers);
  }

  /**
   * Runs the model once.
   * @throws ArgumentError naming the input for a missing or unknown name, a wrong dtype or shape
   */
  async run(feeds: Readonly<Record<string, ModelTensor>>): Promise<Record<string, ModelTensor>> {
    const p = this.program;
    for (const k of Object.keys(feeds)) {
      if (!p.inputs.includes(k)) throw new ArgumentError(`${p.name}: unknown input ${k}; the model's inputs are ${p.inputs.join(', ')}`);
    }
    for (const name of p.inputs) {
      const spec = this.spec(name), t = feeds[name];
      if (!t) throw new ArgumentError(`${p.name}: missing input ${name} (${spec.dtype} [${spec.shape.join(', ')}])`);
      checkFeed(p.name, spec, t);
    }
    for (const name of p.inputs) {
      const spec = this.spec(name);
      const staging = new ArrayBuffer(Math.max(4, numel(spec.shape) * bytes(kernelDType(spec.dtype))));
      writeFeed(p.name, spec, feeds[name]!.data, staging, 0);
      await writeBuffer(this.ctx, this.buffers.get(spec.buffer)!, new Uint8Array(staging));
    }
    if (this.calls.length > 0) await submit(this.ctx, [await encodeDispatches(this.ctx, this.calls)]);
    const out: Record<string, ModelTensor> = {};
    for (const name of p.outputs) {
      const spec = this.spec(name);
      const n = numel(spec.shape) * bytes(kernelDType(spec.dtype));
      const raw = await readBuffer(this.ctx, this.buffers.get(spec.buffer)!, Math.ceil(n / 4) * 4);
      out[name] = readOutput(spec, raw, 0);
    }
    return out;
  }

  /** Frees every device buffer of the model. */
  destroy(): void {
    for (const d of this.destroyers) d();
  }
}
