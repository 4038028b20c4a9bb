/**
 * Runs a compiled WebAssembly kernel: instantiates it over a WebAssembly.Memory, places the tensors in
 * linear memory (tensors allocated with `alloc` already live there and are not copied), calls it,
 * and hands outputs back. Needs only the module bytes and its signature, never the compiler. The
 * imports, the entry point and the memory layout are those of runtime/abi.ts.
 */
import { type StorageDType, type TypedArray, storageArrayType, storageBytes } from './dtype.js';
import type { KernelSignature } from './signature.js';
import { type Tensor, ArgumentError, numel } from './tensor.js';
import { bindArguments } from './bind.js';
import type { ThreadPool } from './thread_pool.js';
import { relaxedSimdSupported } from './wasm_features.js';
import {
  ABORT_IMPORT, IMPORT_MODULE, INITIAL_PAGES, MATH_IMPORT_MODULE, MAX_PAGES, MEMORY_IMPORT, PAGE_BYTES, PARALLEL_FOR_IMPORT,
  RESERVED_BYTES, SHARED_MAX_PAGES, TENSOR_ALIGNMENT, THREAD_SCRATCH_BYTES,
} from './abi.js';

export class KernelError extends Error {
  override name = 'KernelError';
}

const alignTensor = (n: number) => Math.ceil(n / TENSOR_ALIGNMENT) * TENSOR_ALIGNMENT;

/**
 * A tensor whose data lives in a WebAssembly memory at `address`; its view follows memory growth.
 * Passed to a kernel over the same memory it is not copied; passed to any other kernel it is copied
 * in (and, as an output, back) like any other tensor.
 */
export class ResidentTensor implements Tensor {
  private view: TypedArray | undefined;
  constructor(readonly memory: WebAssembly.Memory, readonly dtype: StorageDType, readonly address: number, readonly shape: readonly number[]) {}
  /** @throws ArgumentError when the tensor does not lie inside its memory (a bad address) */
  get data(): TypedArray {
    if (!this.view || this.view.buffer !== this.memory.buffer) {
      const end = this.address + this.byteLength;
      if (!Number.isInteger(this.address) || this.address < 0 || this.address % storageBytes(this.dtype) !== 0 || end > this.memory.buffer.byteLength) {
        throw new ArgumentError(`resident tensor at bytes ${this.address}..${end} does not lie inside its memory of ${this.memory.buffer.byteLength} bytes (or is not aligned to its ${this.dtype} elements)`);
      }
      const T = storageArrayType(this.dtype);
      this.view = new T(this.memory.buffer, this.address, numel(this.shape));
    }
    return this.view;
  }
  /** Bytes it occupies. */
  get byteLength(): number { return numel(this.shape) * storageBytes(this.dtype); }
}

/**
 * Where the next resident tensor goes in each memory: one bump allocator per memory, shared by every
 * kernel instantiated over it, so that two kernels on one memory never place tensors on each other's.
 */
const residentTops = new WeakMap<WebAssembly.Memory, number>();
const residentTop = (memory: WebAssembly.Memory): number => residentTops.get(memory) ?? RESERVED_BYTES;

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

/** Whether the kernel's module imports a shared memory. */
export const importsSharedMemory = (sig: Pick<KernelSignature, 'tasks' | 'sharedMemory'>): boolean => sig.sharedMemory === true || (sig.tasks?.length ?? 0) > 0;

/**
 * A new memory of the kind the kernel imports: shared (SHARED_MAX_PAGES at most) when it has
 * parallel tasks or was compiled with `sharedMemory`, else unshared (MAX_PAGES at most).
 */
export function memoryFor(sig: Pick<KernelSignature, 'tasks' | 'sharedMemory'>): WebAssembly.Memory {
  return importsSharedMemory(sig)
    ? new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: SHARED_MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES });
}

export class WasmKernel {
  readonly memory: WebAssembly.Memory;
  private main!: (...args: number[]) => void;
  private tasks: ((sp: number, closure: number, start: number, end: number) => void)[] = [];
  private threads?: { pool: ThreadPool; slot: number };

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
      [IMPORT_MODULE]: {
        [MEMORY_IMPORT]: this.memory,
        [ABORT_IMPORT]: (i: number) => { throw new KernelError(`${sig.name}: ${sig.messages[i] ?? `abort ${i}`}`); },
        [PARALLEL_FOR_IMPORT]: (task: number, closure: number, min: number, extent: number, sp: number) => this.parallelFor(task, closure, min, extent, sp),
      },
      [MATH_IMPORT_MODULE]: math,
    };
  }

  private parallelFor(task: number, closure: number, min: number, extent: number, sp: number): void {
    const run = this.tasks[task]!;
    if (!this.threads) { run(sp, closure, min, min + extent); return; }
    this.threads.pool.parallelFor({ slot: this.threads.slot, task, closure, start: min, end: min + extent, spBase: sp, spStride: THREAD_SCRATCH_BYTES }, run);
  }

  /**
   * Compiles and instantiates synchronously (Node; browsers limit synchronous compiles to 4 KB).
   * @param memory the memory to run over (default: a new one, `memoryFor(sig)`); several kernels may
   *   share one (it must be shared exactly when `importsSharedMemory(sig)`), see `callAt`
   * @throws KernelError when the kernel needs a WebAssembly feature this engine lacks (signature.fma
   *   'relaxed' without relaxed SIMD); the engine's CompileError / LinkError for a binary that does not
   *   parse or a memory of the wrong kind
   */
  static instantiate(binary: Uint8Array, sig: KernelSignature, memory = memoryFor(sig)): WasmKernel {
    checkEngineFeatures(sig);
    const module = new WebAssembly.Module(binary as BufferSource);
    const k = new WasmKernel(sig, module, memory);
    return k.attach(new WebAssembly.Instance(module, k.imports()));
  }

  /** As `instantiate`, compiling off the calling thread (browsers' main threads need this for large modules). */
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
    if (bytesNeeded > have) this.memory.grow(Math.ceil((bytesNeeded - have) / PAGE_BYTES));
  }

  /**
   * A tensor in this kernel's memory: passing it to `run` of this kernel, or of any kernel over the
   * same memory, copies nothing. Lives as long as the memory.
   * @throws ArgumentError for a bad shape
   */
  alloc(dtype: StorageDType, shape: readonly number[]): ResidentTensor {
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ArgumentError(`alloc: bad shape [${shape.join(', ')}]`);
    const address = residentTop(this.memory);
    const top = alignTensor(address + numel(shape) * storageBytes(dtype));
    this.ensure(top);
    residentTops.set(this.memory, top);
    return new ResidentTensor(this.memory, dtype, address, shape);
  }

  /** Whether `t` lives in this kernel's memory, where `run` passes its address instead of copying it. */
  private isResidentHere(t: Tensor): t is ResidentTensor {
    return t instanceof ResidentTensor && t.memory === this.memory && t.address >= RESERVED_BYTES;
  }

  /**
   * The low-level call: runs the kernel on tensors already placed in its memory, with no argument
   * checks and no copies (a model runtime that plans one memory for many kernels uses this).
   * The convention is runtime/abi.ts's: `params` in `signature.params` order, one address per
   * argument in `signature.args` order, each 16-byte aligned and holding the argument's elements
   * row-major; the kernel uses memory from `scratchAddress` upwards for its own buffers (under a
   * thread pool, THREAD_SCRATCH_BYTES more per participant) and grows the memory when it needs to.
   * @param scratchAddress bytes; above every argument the call must not clobber
   * @param params the size parameters (positive integers)
   * @param argAddresses byte addresses of the arguments
   * @throws ArgumentError when the counts do not match the signature or an address is not a
   *   non-negative 32-bit integer; KernelError for a failed runtime check or a trap
   */
  callAt(scratchAddress: number, params: readonly number[], argAddresses: readonly number[]): void {
    const sig = this.signature;
    if (params.length !== sig.params.length) throw new ArgumentError(`${sig.name}: callAt takes ${sig.params.length} size parameter(s) (${sig.params.join(', ')}), got ${params.length}`);
    if (argAddresses.length !== sig.args.length) throw new ArgumentError(`${sig.name}: callAt takes ${sig.args.length} argument address(es) (${sig.args.map((a) => a.name).join(', ')}), got ${argAddresses.length}`);
    const bad = [scratchAddress, ...argAddresses].find((a) => !Number.isInteger(a) || a < 0 || a > 0xffffffff);
    if (bad !== undefined) throw new ArgumentError(`${sig.name}: callAt: address ${bad} is not a byte address of a 32-bit memory`);
    try {
      this.main(scratchAddress, ...params, ...argAddresses);
    } catch (e) {
      if (e instanceof KernelError) throw e;
      throw new KernelError(`${sig.name}: the kernel trapped: ${(e as Error).message}`);
    }
  }

  /**
   * Runs the kernel. Tensors that live in this kernel's memory (`alloc`) are passed by address; every
   * other tensor, a resident tensor of another memory included, is copied in (inputs) and out (outputs).
   * @param inputs a tensor per input, by name
   * @param outputs optional output tensors by name; allocated (shape from the size parameters) if absent
   * @returns the output tensors by name
   * @throws ArgumentError for bad arguments (named); KernelError for a failed runtime check or a trap
   */
  run(inputs: Readonly<Record<string, Tensor>>, outputs: Readonly<Record<string, Tensor>> = {}): Record<string, Tensor> {
    const sig = this.signature;
    const { params, tensors } = bindArguments(sig, inputs, outputs);
    let top = residentTop(this.memory);
    const addresses: number[] = [];
    const copies: [Tensor, number][] = [];
    const inputsToCopy: [Tensor, number][] = [];
    tensors.forEach((t, i) => {
      if (this.isResidentHere(t)) {
        addresses.push(t.address);
        return;
      }
      addresses.push(top);
      copies.push([t, top]);
      if (sig.args[i]!.role === 'input') inputsToCopy.push([t, top]);
      top = alignTensor(top + t.data.byteLength);
    });
    this.ensure(top + PAGE_BYTES);
    const buf = this.memory.buffer;
    for (const [t, at] of inputsToCopy) {
      new Uint8Array(buf, at, t.data.byteLength).set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    this.callAt(top, sig.params.map((p) => params.get(p)!), addresses);
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
