/**
 * Runs a compiled model (model_program.ts) on WebAssembly: every kernel instantiated over one memory
 * (shared when the model runs threads), the weights copied in once, and per run: the inputs copied to
 * their planned addresses, each kernel called at its planned addresses in order, the outputs copied
 * out. Nothing is allocated in wasm memory per run; no tensor moves between kernels.
 */
import { WasmKernel } from './wasm_kernel.js';
import { MAX_PAGES, PAGE_BYTES, SHARED_MAX_PAGES, THREAD_SCRATCH_BYTES } from './abi.js';
import type { ThreadPool } from './thread_pool.js';
import { ArgumentError } from './tensor.js';
import type { ModelTensorSpec, ModelValueInfo, WasmModelProgram } from './model_program.js';
import { type ModelTensor, checkFeed, readOutput, writeFeed } from './model_tensors.js';
import { loadWeights } from './weights.js';


export type { ModelValueInfo } from './model_program.js';

export class ModelRuntimeError extends Error {
  override name = 'ModelRuntimeError';
}

const info = (s: ModelTensorSpec): ModelValueInfo => ({ name: s.name, dtype: s.dtype, shape: [...s.shape] });

/** One step's time in a profile (WasmModel.profile). */
export interface StepProfile {
  /** Index of the step in `program.steps` (the order the model runs them). */
  readonly step: number;
  /** The graph nodes the step's kernel computes. */
  readonly nodes: readonly string[];
  /** Index into `program.kernels`. */
  readonly kernel: number;
  /** Median over the runs of the step's wall time, milliseconds. */
  readonly medianMs: number;
  /** Fastest run's time, milliseconds. */
  readonly minMs: number;
}

export interface WasmModelOptions {
  /** Runs the kernels' parallel loops on this pool (the program must have been compiled with threads > 1). */
  readonly pool?: ThreadPool;
}

export class WasmModel {
  readonly inputs: readonly ModelValueInfo[];
  readonly outputs: readonly ModelValueInfo[];

  private constructor(readonly program: WasmModelProgram, readonly memory: WebAssembly.Memory, private readonly kernels: readonly WasmKernel[]) {
    this.inputs = program.inputs.map(info);
    this.outputs = program.outputs.map(info);
  }

  /**
   * Instantiates every kernel over one memory, copies the weights in (widening those stored as f16)
   * and runs the prepare steps once.
   * @param binaries one WebAssembly module per `program.kernels` entry
   * @param weights the stored weights (runtime/weights.ts), placed at `program.memory.weightsAddress`
   * @throws ModelRuntimeError for a binary count that disagrees with the program, or a pool given to a
   *   program compiled for one thread; ArtifactError for weights whose length or f16 runs do not fit
   *   the program's weights region; KernelError when a kernel needs a WebAssembly feature this engine
   *   lacks, or a prepare step fails
   */
  static async create(program: WasmModelProgram, binaries: readonly Uint8Array[], weights: Uint8Array, options: WasmModelOptions = {}): Promise<WasmModel> {
    if (binaries.length !== program.kernels.length) throw new ModelRuntimeError(`${program.name}: ${binaries.length} kernel binaries for ${program.kernels.length} kernels`);
    const threaded = program.threads > 1;
    if (options.pool && !threaded) throw new ModelRuntimeError(`${program.name} was compiled for one thread; compile it with threads > 1 to run it on a pool`);
    const m = program.memory;
    const scratch = THREAD_SCRATCH_BYTES * Math.max(1, options.pool?.threads ?? 1);
    const initial = Math.ceil((m.scratchAddress + scratch) / PAGE_BYTES);
    const memory = threaded
      ? new WebAssembly.Memory({ initial, maximum: SHARED_MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial, maximum: MAX_PAGES });
    loadWeights(weights, m.f16Weights ?? [], new Uint8Array(memory.buffer, m.weightsAddress, m.weightsBytes), program.name);
    const kernels = await Promise.all(program.kernels.map((sig, i) => WasmKernel.instantiateAsync(binaries[i]!, sig, memory)));
    if (options.pool) for (const k of kernels) await k.useThreadPool(options.pool);
    for (const step of program.prepare ?? []) kernels[step.kernel]!.callAt(m.scratchAddress, step.params, step.addresses);
    return new WasmModel(program, memory, kernels);
  }

  /** The arena plan's peak bytes and lower bound. */
  get plan(): WasmModelProgram['plan'] { return this.program.plan; }

  /**
   * Runs the model once.
   * @param feeds a tensor per input, by name (f16 as Uint16Array bits, int64 as BigInt64Array)
   * @returns every output by name, in new arrays of the outputs' dtypes
   * @throws ArgumentError naming the input for a missing or unknown name, a wrong dtype or shape, or an
   *   int64 value outside the i32 range kernels hold; KernelError when a kernel fails
   */
  run(feeds: Readonly<Record<string, ModelTensor>>): Record<string, ModelTensor> {
    const p = this.program;
    for (const k of Object.keys(feeds)) {
      if (!p.inputs.some((i) => i.name === k)) throw new ArgumentError(`${p.name}: unknown input ${k}; the model's inputs are ${p.inputs.map((i) => i.name).join(', ')}`);
    }
    for (const spec of p.inputs) {
      const t = feeds[spec.name];
      if (!t) throw new ArgumentError(`${p.name}: missing input ${spec.name} (${spec.dtype} [${spec.shape.join(', ')}])`);
      checkFeed(p.name, spec, t);
    }
    for (const spec of p.inputs) writeFeed(p.name, spec, feeds[spec.name]!.data, this.memory.buffer, spec.address);
    const scratch = p.memory.scratchAddress;
    for (const step of p.steps) this.kernels[step.kernel]!.callAt(scratch, step.params, step.addresses);
    return this.readOutputs();
  }

  /**
   * Times every step of the model: `runs` inferences on `feeds` after one warm-up inference, each
   * step's kernel call timed on its own (performance.now around it; with a pool, the call includes
   * waiting for its workers).
   * @param runs inferences to take the median over (default 10)
   * @returns one entry per step, in run order
   * @throws as `run`; ArgumentError for `runs` that is not a positive integer
   */
  profile(feeds: Readonly<Record<string, ModelTensor>>, runs = 10): StepProfile[] {
    if (!Number.isInteger(runs) || runs < 1) throw new ArgumentError(`${this.program.name}: profile runs must be a positive integer, got ${runs}`);
    this.run(feeds);
    const p = this.program, scratch = p.memory.scratchAddress;
    const times = p.steps.map(() => new Float64Array(runs));
    for (let r = 0; r < runs; r++) {
      p.steps.forEach((step, i) => {
        const t0 = performance.now();
        this.kernels[step.kernel]!.callAt(scratch, step.params, step.addresses);
        times[i]![r] = performance.now() - t0;
      });
    }
    return p.steps.map((step, i) => {
      const sorted = [...times[i]!].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const medianMs = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      return { step: i, nodes: step.nodes, kernel: step.kernel, medianMs, minMs: sorted[0]! };
    });
  }

  private readOutputs(): Record<string, ModelTensor> {
    const p = this.program;
    const buffer = this.memory.buffer;
    const out: Record<string, ModelTensor> = {};
    for (const spec of p.outputs) out[spec.name] = readOutput(spec, buffer, spec.address);
    return out;
  }
}
