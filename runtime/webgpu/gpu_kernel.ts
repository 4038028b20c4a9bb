/**
 * Runs a compiled GPU program (program.ts) on a device: binds the caller's tensors (bind.ts checks
 * them and infers the sizes), makes the host's checks, uploads the inputs, launches every kernel in
 * order in one compute pass (WebGPU orders dispatches of a pass and makes each one's storage writes
 * visible to the next: WebGPU §23.1 usage scopes), and reads the outputs back.
 */
import { storageArrayType, storageBytes } from '../dtype.js';
import { bindArguments } from '../bind.js';
import { evalShape } from '../signature.js';
import { type Tensor, ArgumentError, numel } from '../tensor.js';
import type { GpuContext } from './device.js';
import { PipelineCache } from './pipeline_cache.js';
import { createEmptyStorageBuffer, createStorageBuffer, createUniformBuffer, readBuffer } from './buffers.js';
import { type DispatchCall, encodeDispatches, submit } from './dispatch.js';
import { type GpuTiming, timeDispatches } from './timing.js';
import { type GpuProgram, evalCondition } from './program.js';

/** A run-time check of the program failed (the message says which). */
export class GpuKernelError extends Error {
  override name = 'KernelError';
}

/** A call bound to device buffers: launch it, time it, read its outputs, then destroy it. */
export interface BoundGpuCall {
  readonly calls: readonly DispatchCall[];
  /** Launches every kernel once and waits for the device. */
  run(): Promise<void>;
  /** Launches once under a timer (timestamp queries when the device has them). */
  time(): Promise<GpuTiming>;
  /** Copies the outputs back into their tensors. */
  read(): Promise<Record<string, Tensor>>;
  destroy(): void;
}

export class GpuKernel {
  private constructor(readonly ctx: GpuContext, readonly program: GpuProgram, private readonly pipelines: readonly GPUComputePipeline[]) {}

  /**
   * Compiles every kernel's shader and pipeline (cached by shader text in `cache`).
   * @throws WgslCompileError / GpuPipelineError when the device refuses a shader (a compiler bug)
   */
  static async create(ctx: GpuContext, program: GpuProgram, cache: PipelineCache = new PipelineCache(ctx)): Promise<GpuKernel> {
    const pipelines = await Promise.all(program.kernels.map((k) => cache.get(k.wgsl, 'main', `${program.name}/${k.name}`)));
    return new GpuKernel(ctx, program, pipelines);
  }

  /**
   * Uploads the inputs and allocates outputs and intermediates on the device.
   * @param inputs a tensor per input, by name; `outputs` optionally receive the results
   * @throws ArgumentError for wrong tensors (bind.ts); GpuKernelError when a host check fails
   */
  bind(inputs: Readonly<Record<string, Tensor>>, outputs: Readonly<Record<string, Tensor>> = {}): BoundGpuCall {
    const p = this.program, ctx = this.ctx;
    const { params, tensors } = bindArguments(p, inputs, outputs);
    const created: GPUBuffer[] = [];
    const track = (b: GPUBuffer) => { created.push(b); return b; };
    const buffers = new Map<string, GPUBuffer>();
    p.args.forEach((a, i) => {
      const t = tensors[i]!;
      buffers.set(a.name, track(a.role === 'input' ? createStorageBuffer(ctx, t.data, a.name) : createEmptyStorageBuffer(ctx, t.data.length * storageBytes(a.dtype), a.name)));
    });
    let inner: { calls: DispatchCall[]; destroy(): void };
    try {
      inner = this.dispatchesOn(buffers, params);
    } catch (e) {
      for (const b of created) b.destroy();
      throw e;
    }
    const calls = inner.calls;
    return {
      calls,
      run: async () => { await submit(ctx, [await encodeDispatches(ctx, calls)]); },
      time: () => timeDispatches(ctx, calls),
      read: async () => {
        const out: Record<string, Tensor> = {};
        for (const [i, a] of p.args.entries()) {
          if (a.role !== 'output') continue;
          const t = tensors[i]!;
          const raw = await readBuffer(ctx, buffers.get(a.name)!, t.data.length * storageBytes(a.dtype));
          t.data.set(new (storageArrayType(a.dtype))(raw, 0, numel(t.shape)) as never);
          out[a.name] = t;
        }
        return out;
      },
      destroy: () => { inner.destroy(); for (const b of created) b.destroy(); },
    };
  }

  /**
   * The dispatches of this program over device buffers the caller owns (a model's tensors, chained
   * between kernels without read-backs): `buffers` holds one per argument, by name, and `shapes` the
   * static shape of each, from which the size parameters are bound. Intermediates and the parameter
   * block are created here and freed by `destroy`.
   * @throws ArgumentError for a missing buffer or shapes that disagree with the program (bind.ts);
   *   GpuKernelError when a host check fails
   */
  callsOn(buffers: Readonly<Record<string, GPUBuffer>>, shapes: Readonly<Record<string, readonly number[]>>): { calls: DispatchCall[]; destroy(): void } {
    const p = this.program, ctx = this.ctx;
    const params = new Map<string, number>();
    for (const a of p.args) {
      const shape = shapes[a.name];
      if (!buffers[a.name] || !shape) throw new ArgumentError(`${p.name}: no device buffer or shape for argument ${a.name}`);
      a.shape.forEach((s, d) => { if (typeof s === 'string') params.set(s, shape[d]!); });
    }
    return this.dispatchesOn(new Map(Object.entries(buffers)), params);
  }

  /** The host checks, then the intermediates, parameter block and dispatches over `buffers` (by argument name). */
  private dispatchesOn(buffers: ReadonlyMap<string, GPUBuffer>, params: ReadonlyMap<string, number>): { calls: DispatchCall[]; destroy(): void } {
    const p = this.program, ctx = this.ctx;
    for (const step of p.steps) {
      if (step.kind === 'check' && !evalCondition(step.cond, params)) throw new GpuKernelError(`${p.name}: ${step.message}`);
    }
    const created: GPUBuffer[] = [];
    const all = new Map<string, GPUBuffer>(buffers);
    for (const m of p.intermediates) {
      const b = createEmptyStorageBuffer(ctx, Math.max(1, evalShape(m.elements, params)) * 4, m.name);
      created.push(b);
      all.set(m.name, b);
    }
    const uniform = p.params.length > 0 ? createUniformBuffer(ctx, Int32Array.from(p.params, (n) => params.get(n)!), 'params') : undefined;
    if (uniform) created.push(uniform);
    const calls: DispatchCall[] = [];
    for (const step of p.steps) {
      if (step.kind !== 'launch') continue;
      const k = p.kernels[step.kernel]!;
      const grid = [0, 1, 2].map((d) => (d < k.grid.length ? evalShape(k.grid[d]!, params) : 1)) as [number, number, number];
      if (grid.some((n) => n <= 0)) continue;
      const bindings = [...(k.usesParams ? [uniform!] : []), ...k.bindings.map((n) => all.get(n)!)];
      calls.push({ pipeline: this.pipelines[step.kernel]!, bindings, workgroups: grid, label: `${p.name}/${k.name}` });
    }
    return { calls, destroy: () => { for (const b of created) b.destroy(); } };
  }

  /**
   * Runs the program once: upload, launch, read back.
   * @returns the output tensors by name
   */
  async run(inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    const call = this.bind(inputs, outputs);
    try {
      await call.run();
      return await call.read();
    } finally {
      call.destroy();
    }
  }
}
