/**
 * Runs a compiled WebAssembly kernel: instantiates it over a WebAssembly.Memory, places the tensors in
 * linear memory (tensors allocated with `alloc` already live there and are not copied), calls it,
 * and hands outputs back. Needs only the module bytes and its signature, never the compiler.
 */
import type { TypedArray, DType } from '../ir/dtype.js';
import { arrayTypeOf, bytes } from '../ir/dtype.js';
import type { KernelSignature } from './signature.js';
import { type Tensor, ArgumentError, numel } from './tensor.js';
import { bindArguments } from './bind.js';
import type { ThreadPool } from './thread_pool.js';
import { relaxedSimdSupported } from './wasm_features.js';

export class KernelError extends Error {
  override name = 'KernelError';
}

const PAGE = 65536;
const RESERVED = 1024;
const align16 = (n: number) => (n + 15) & ~15;

/** A tensor whose data lives in a kernel's linear memory; its view follows memory growth. */
export class ResidentTensor implements Tensor {
  private view: TypedArray | undefined;
  constructor(private readonly memory: WebAssembly.Memory, readonly dtype: Exclude<DType, 'bool'>, readonly address: number, readonly shape: readonly number[]) {}
  get data(): TypedArray {
    if (!this.view || this.view.buffer !== this.memory.buffer) {
      const T = arrayTypeOf(this.dtype);
      this.view = new T(this.memory.buffer, this.address, numel(this.shape));
    }
    return this.view;
  }
}

/** Scratch stack each thread of a parallel loop gets (bytes); memory grows to fit. */
export const THREAD_SCRATCH_BYTES = 8 << 20;
/** Maximum pages of the shared memory of a threaded kernel (as the module declares it). */
const SHARED_MAX_PAGES = 16384;

/**
 * Refuses a kernel that uses WebAssembly features this engine lacks, before compiling it (the
 * engine's own error would be a bare "invalid opcode").
 * @throws KernelError naming the kernel, the feature and the remedies
 */
function checkEngineFeatures(sig: KernelSignature): void {
  if (sig.fma === 'relaxed' && !relaxedSimdSupported()) {
    throw new KernelError(`${sig.name}: the kernel was compiled with fma 'relaxed' and uses f32x4.relaxed_madd, but this WebAssembly engine has no relaxed SIMD (Node 20: run node with --experimental-wasm-relaxed-simd); compile it with fma: 'none' or 'auto' for this engine`);
  }
}

/** A memory that fits the kernel: shared when it has parallel tasks. */
function memoryFor(sig: KernelSignature): WebAssembly.Memory {
  return sig.tasks?.length
    ? new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 16, maximum: 65536 });
}

export class WasmKernel {
  readonly memory: WebAssembly.Memory;
  private main!: (...args: number[]) => void;
  private tasks: ((sp: number, closure: number, start: number, end: number) => void)[] = [];
  private threads?: { pool: ThreadPool; slot: number };
  private residentTop = RESERVED;

  private constructor(readonly signature: KernelSignature, readonly module: WebAssembly.Module, memory: WebAssembly.Memory) {
    this.memory = memory;
  }

  private attach(instance: WebAssembly.Instance): this {
    this.main = instance.exports[this.signature.entry] as (...args: number[]) => void;
    this.tasks = (this.signature.tasks ?? []).map((t) => instance.exports[t] as (sp: number, c: number, s: number, e: number) => void);
    return this;
  }

  /** Imports a kernel module needs: memory, env.abort raising the signature's messages, parallel loops. */
  private imports(): WebAssembly.Imports {
    const sig = this.signature;
    const math: Record<string, WebAssembly.ImportValue> = {};
    for (const fn of sig.mathImports) math[fn] = (Math as unknown as Record<string, WebAssembly.ImportValue>)[fn]!;
    return {
      env: {
        memory: this.memory,
        abort: (i: number) => { throw new KernelError(`${sig.name}: ${sig.messages[i] ?? `abort ${i}`}`); },
        parallel_for: (task: number, closure: number, min: number, extent: number, sp: number) => this.parallelFor(task, closure, min, extent, sp),
      },
      Math: math,
    };
  }

  private parallelFor(task: number, closure: number, min: number, extent: number, sp: number): void {
    const run = this.tasks[task]!;
    if (!this.threads) { run(sp, closure, min, min + extent); return; }
    this.threads.pool.parallelFor({ slot: this.threads.slot, task, closure, start: min, end: min + extent, spBase: sp, spStride: THREAD_SCRATCH_BYTES }, run);
  }

  /**
   * Compiles and instantiates synchronously (Node; browsers limit synchronous compiles to 4 KB).
   * @throws KernelError when the kernel needs a WebAssembly feature this engine lacks (signature.fma
   *   'relaxed' without relaxed SIMD)
   */
  static instantiate(binary: Uint8Array, sig: KernelSignature, memory = memoryFor(sig)): WasmKernel {
    checkEngineFeatures(sig);
    const module = new WebAssembly.Module(binary as BufferSource);
    const k = new WasmKernel(sig, module, memory);
    return k.attach(new WebAssembly.Instance(module, k.imports()));
  }

  static async instantiateAsync(binary: Uint8Array, sig: KernelSignature, memory = memoryFor(sig)): Promise<WasmKernel> {
    checkEngineFeatures(sig);
    const module = await WebAssembly.compile(binary as BufferSource);
    const k = new WasmKernel(sig, module, memory);
    return k.attach(await WebAssembly.instantiate(module, k.imports()));
  }

  /**
   * Runs this kernel's parallel loops on `pool` from now on (each worker instantiates the module
   * over this kernel's shared memory). Without a pool they run on the caller.
   * @throws ThreadPoolError when a worker cannot instantiate the module
   */
  async useThreadPool(pool: ThreadPool): Promise<void> {
    const tasks = this.signature.tasks ?? [];
    if (tasks.length === 0) return;
    const slot = await pool.load(this.module, this.memory, { tasks, messages: this.signature.messages, mathImports: this.signature.mathImports });
    this.threads = { pool, slot };
  }

  private ensure(bytesNeeded: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytesNeeded > have) this.memory.grow(Math.ceil((bytesNeeded - have) / PAGE));
  }

  /**
   * A tensor in this kernel's memory: passing it to `run` copies nothing. Lives as long as the kernel.
   * @throws ArgumentError for a bad shape
   */
  alloc(dtype: Exclude<DType, 'bool'>, shape: readonly number[]): ResidentTensor {
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ArgumentError(`alloc: bad shape [${shape.join(', ')}]`);
    const address = this.residentTop;
    this.residentTop = align16(address + numel(shape) * bytes(dtype));
    this.ensure(this.residentTop);
    return new ResidentTensor(this.memory, dtype, address, shape);
  }

  /**
   * Calls the kernel on tensors already in its memory, at the given byte addresses, copying and
   * checking nothing: the caller (a model's runtime, which planned every address ahead of time) vouches
   * for the arguments. `scratch` is where the kernel's stack starts; memory above it grows as needed.
   * @param params size parameters in `signature.params` order
   * @param addresses one per `signature.args` entry, in order
   * @throws KernelError for a failed runtime check or a trap
   */
  callAt(scratch: number, params: readonly number[], addresses: readonly number[]): void {
    try {
      this.main(scratch, ...params, ...addresses);
    } catch (e) {
      if (e instanceof KernelError) throw e;
      throw new KernelError(`${this.signature.name}: the kernel trapped: ${(e as Error).message}`);
    }
  }

  /**
   * Runs the kernel.
   * @param inputs a tensor per input, by name
   * @param outputs optional output tensors by name; allocated (shape from the size parameters) if absent
   * @returns the output tensors by name
   * @throws ArgumentError for bad arguments (named); KernelError for a failed runtime check or a trap
   */
  run(inputs: Readonly<Record<string, Tensor>>, outputs: Readonly<Record<string, Tensor>> = {}): Record<string, Tensor> {
    const sig = this.signature;
    const { params, tensors } = bindArguments(sig, inputs, outputs);
    let top = this.residentTop;
    const addresses: number[] = [];
    const copies: [Tensor, number][] = [];
    const inputsToCopy: [Tensor, number][] = [];
    tensors.forEach((t, i) => {
      if (t instanceof ResidentTensor && (t as ResidentTensor).address >= RESERVED) {
        addresses.push(t.address);
        return;
      }
      addresses.push(top);
      copies.push([t, top]);
      if (sig.args[i]!.role === 'input') inputsToCopy.push([t, top]);
      top = align16(top + t.data.byteLength);
    });
    this.ensure(top + PAGE);
    const buf = this.memory.buffer;
    for (const [t, at] of inputsToCopy) {
      new Uint8Array(buf, at, t.data.byteLength).set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    try {
      this.main(top, ...sig.params.map((p) => params.get(p)!), ...addresses);
    } catch (e) {
      if (e instanceof KernelError) throw e;
      throw new KernelError(`${sig.name}: the kernel trapped: ${(e as Error).message}`);
    }
    const out: Record<string, Tensor> = {};
    const after = this.memory.buffer;
    sig.args.forEach((a, i) => {
      if (a.role !== 'output') return;
      const t = tensors[i]!;
      const copy = copies.find(([c]) => c === t);
      if (copy) {
        new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).set(new Uint8Array(after, copy[1], t.data.byteLength));
      }
      out[a.name] = t;
    });
    return out;
  }
}
