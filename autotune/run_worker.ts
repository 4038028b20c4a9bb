/**
 * The runner's worker: loads built candidates (WebAssembly modules, or GPU programs), runs each once
 * on the workload's seeded inputs and checks its outputs against the reference, then times it with
 * adaptive repeats (autotune/timing.ts). It imports the runtime only, never the compiler: what it
 * measures is what an application would run. Failures come back as a status (trap, oom, wrong);
 * a kernel that hangs is killed from outside (autotune/runner.ts).
 *
 * Requests (one at a time): init, load, check, time, repeat, unload; see `Request`.
 */
import { WasmKernel, type ResidentTensor } from '../runtime/wasm_kernel.js';
import { ThreadPool } from '../runtime/thread_pool.js';
import { evalShape, type KernelSignature } from '../runtime/signature.js';
import type { Tensor } from '../runtime/tensor.js';
import { acquireGpu, type GpuContext } from '../runtime/webgpu/device.js';
import { GpuKernel, type BoundGpuCall } from '../runtime/webgpu/gpu_kernel.js';
import { GpuBufferError, GpuPipelineError, WgslCompileError } from '../runtime/webgpu/errors.js';
import type { GpuProgram } from '../runtime/webgpu/program.js';
import { dtypeOfArray, type StorageDType, type TypedArray } from '../runtime/dtype.js';
import { PAGE_BYTES, SHARED_MAX_PAGES } from '../runtime/abi.js';
import { serveRequests } from './worker_port.js';
import { mismatch, type Tolerance } from './check.js';
import { timeRepeats, calibrate, type Repeat } from './timing.js';
import type { PrepareBuild } from './build.js';

export interface NamedTensor { readonly name: string; readonly data: TypedArray; readonly shape: readonly number[] }

export type Request =
  | { readonly kind: 'init'; readonly target: 'wasm-simd' | 'webgpu'; readonly threads: number; readonly memoryLimitBytes: number;
      readonly inputs: readonly NamedTensor[]; readonly expected: readonly NamedTensor[]; readonly tolerance: Tolerance }
  | { readonly kind: 'load'; readonly slot: number; readonly binary?: Uint8Array; readonly signature?: KernelSignature;
      /** Indices of the signature's messages that report a failed memory.grow (autotune/build.ts). */
      readonly oomMessages?: readonly number[]; readonly program?: GpuProgram;
      /** The candidate's prepare kernel (autotune/build.ts PrepareBuild), run once when it loads. */
      readonly prepare?: PrepareBuild }
  | { readonly kind: 'check'; readonly slot: number }
  /** Runs the candidate in `slot` once and returns its outputs (the reference, from the default schedule), then takes them as expected. */
  | { readonly kind: 'reference'; readonly slot: number }
  | { readonly kind: 'time'; readonly slot: number; readonly warmupMs: number; readonly minRepeatMs: number; readonly repeats: number; readonly cutoffMs?: number }
  | { readonly kind: 'calibrate'; readonly slot: number; readonly warmupMs: number; readonly minRepeatMs: number }
  | { readonly kind: 'repeat'; readonly slot: number; readonly inner: number }
  | { readonly kind: 'unload'; readonly slot: number };

/** A failed step: the class and what happened. */
export interface Failure { readonly status: 'trap' | 'oom' | 'wrong' | 'compile'; readonly error: string }

/** A thread pool keeps every module it loaded; a fresh pool every so many candidates frees them. */
const POOL_CANDIDATES = 16;

interface Loaded {
  /** Runs once (the check's run) and gives the outputs by name. */
  runOnce(): Promise<Record<string, TypedArray>>;
  readonly repeat: Repeat;
  /** Abort texts of this kernel that mean memory could not grow. */
  readonly oomTexts: readonly string[];
  /** How the last repeat was timed ('wall-clock', or the GPU's method: runtime/webgpu/timing.ts). */
  method(): string;
  dispose(): void;
}

let config: Extract<Request, { kind: 'init' }> | undefined;
let pool: ThreadPool | undefined;
let poolUses = 0;
let gpu: GpuContext | undefined;
const loaded = new Map<number, Loaded>();

function classify(e: unknown, oomTexts: readonly string[] = []): Failure {
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  if (e instanceof RangeError || e instanceof GpuBufferError) return { status: 'oom', error: message };
  // A kernel's abort raises its message (KernelError, on the caller) or carries it (ThreadPoolError, from a worker).
  if (e instanceof Error && oomTexts.some((t) => e.message.endsWith(t))) return { status: 'oom', error: message };
  // The device refused a shader the compiler made (a compiler bug, but the candidate's, not the run's).
  if (e instanceof WgslCompileError || e instanceof GpuPipelineError || e instanceof WebAssembly.CompileError) return { status: 'compile', error: message };
  // KernelError, ThreadPoolError, WebAssembly.RuntimeError, GpuKernelError and the rest: the run failed.
  return { status: 'trap', error: message };
}

const byteView = (a: TypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function threadPool(threads: number): Promise<ThreadPool> {
  if (pool && poolUses >= POOL_CANDIDATES) { await pool.close(); pool = undefined; }
  if (!pool) { pool = await ThreadPool.create(threads); poolUses = 0; }
  poolUses++;
  return pool;
}

async function loadWasm(binary: Uint8Array, sig: KernelSignature, oomMessages: readonly number[], prepare?: PrepareBuild): Promise<Loaded> {
  const c = config!;
  const pages = Math.max(1, Math.floor(c.memoryLimitBytes / PAGE_BYTES));
  const shared = (sig.tasks?.length ?? 0) > 0 || sig.sharedMemory === true;
  const memory = shared
    ? new WebAssembly.Memory({ initial: Math.min(16, pages), maximum: Math.min(pages, SHARED_MAX_PAGES), shared: true })
    : new WebAssembly.Memory({ initial: Math.min(16, pages), maximum: pages });
  const kernel = await WasmKernel.instantiateAsync(binary, sig, memory);
  if (shared && c.threads > 1) await kernel.useThreadPool(await threadPool(c.threads));
  const resident = (t: NamedTensor): ResidentTensor => kernel.alloc(dtypeOfArray(t.data) as StorageDType, t.shape);
  const inputs: Record<string, ResidentTensor> = {}, outputs: Record<string, ResidentTensor> = {};
  for (const t of c.inputs) { const r = resident(t); byteView(r.data).set(byteView(t.data)); inputs[t.name] = r; }
  for (const t of c.expected) outputs[t.name] = resident(t);
  if (prepare) {
    // What the prepare kernel computes from the constant inputs, once: inputs of every call after.
    const p = await WasmKernel.instantiateAsync(prepare.binary, prepare.signature, memory);
    if (shared && c.threads > 1) await p.useThreadPool(await threadPool(c.threads));
    const prepared: Record<string, ResidentTensor> = {};
    for (const a of prepare.signature.args) if (a.role === 'output') prepared[a.name] = kernel.alloc(a.dtype, a.shape.map((d) => evalShape(d, new Map())));
    p.run(Object.fromEntries(prepare.signature.args.filter((a) => a.role === 'input').map((a) => [a.name, inputs[a.name]!])), prepared);
    Object.assign(inputs, prepared);
  }
  const call = () => kernel.run(inputs, outputs);
  return {
    runOnce: async () => {
      // Elements a kernel forgets to write read as NaN (floats) or all ones (integers), not as a plausible 0.
      for (const o of Object.values(outputs)) byteView(o.data).fill(0xff);
      call();
      return Object.fromEntries(Object.entries(outputs).map(([n, t]) => [n, t.data]));
    },
    repeat: (inner) => {
      const t0 = performance.now();
      for (let i = 0; i < inner; i++) call();
      return performance.now() - t0;
    },
    oomTexts: oomMessages.map((i) => sig.messages[i]!).filter((m) => m !== undefined),
    method: () => 'wall-clock',
    dispose: () => {},
  };
}

async function loadGpu(program: GpuProgram): Promise<Loaded> {
  const c = config!;
  gpu ??= await acquireGpu();
  const kernel = await GpuKernel.create(gpu, program);
  const inputs: Record<string, Tensor> = Object.fromEntries(c.inputs.map((t) => [t.name, { data: t.data, shape: t.shape }]));
  const outputs: Record<string, Tensor> = Object.fromEntries(c.expected.map((t) => [t.name, { data: new (t.data.constructor as new (n: number) => TypedArray)(t.data.length), shape: t.shape }]));
  const call: BoundGpuCall = kernel.bind(inputs, outputs);
  let method = 'timestamp-query';
  return {
    runOnce: async () => {
      await call.run();
      const out = await call.read();
      return Object.fromEntries(Object.entries(out).map(([n, t]) => [n, t.data]));
    },
    repeat: async (inner) => {
      let ms = 0;
      for (let i = 0; i < inner; i++) {
        const t = await call.time();
        ms += t.ms;
        method = t.method;
      }
      return ms;
    },
    oomTexts: [],
    method: () => method,
    dispose: () => call.destroy(),
  };
}

function slot(n: number): Loaded {
  const l = loaded.get(n);
  if (!l) throw new Error(`run worker: slot ${n} holds no candidate`);
  return l;
}

async function handle(r: Request): Promise<unknown> {
  switch (r.kind) {
    case 'init':
      config = r;
      return { ok: true };
    case 'load': {
      loaded.get(r.slot)?.dispose();
      loaded.delete(r.slot);
      try {
        const l = r.program ? await loadGpu(r.program) : await loadWasm(r.binary!, r.signature!, r.oomMessages ?? [], r.prepare);
        loaded.set(r.slot, l);
        return { ok: true };
      } catch (e) {
        return classify(e);
      }
    }
    case 'check': {
      const l = slot(r.slot);
      const t0 = performance.now();
      let got: Record<string, TypedArray>;
      try {
        got = await l.runOnce();
      } catch (e) {
        return classify(e, l.oomTexts);
      }
      const ms = performance.now() - t0;
      for (const want of config!.expected) {
        const problem = mismatch(want.name, got[want.name]!, want.data, want.shape, config!.tolerance);
        if (problem) return { status: 'wrong', error: problem } satisfies Failure;
      }
      return { ok: true, ms };
    }
    case 'reference': {
      let got: Record<string, TypedArray>;
      try {
        got = await slot(r.slot).runOnce();
      } catch (e) {
        return classify(e, slot(r.slot).oomTexts);
      }
      const expected = config!.expected.map((t) => ({ name: t.name, shape: t.shape, data: got[t.name]!.slice() }));
      config = { ...config!, expected };
      return { ok: true, outputs: expected };
    }
    case 'time':
      try {
        return { ok: true, ...(await timeRepeats(slot(r.slot).repeat, r)), method: slot(r.slot).method() };
      } catch (e) {
        return classify(e, loaded.get(r.slot)?.oomTexts);
      }
    case 'calibrate':
      try {
        return { ok: true, inner: await calibrate(slot(r.slot).repeat, r) };
      } catch (e) {
        return classify(e, loaded.get(r.slot)?.oomTexts);
      }
    case 'repeat':
      try {
        return { ok: true, ms: await slot(r.slot).repeat(r.inner) };
      } catch (e) {
        return classify(e, loaded.get(r.slot)?.oomTexts);
      }
    case 'unload':
      loaded.get(r.slot)?.dispose();
      loaded.delete(r.slot);
      return { ok: true };
  }
}

void serveRequests(async (m) => ({ value: await handle(m as Request) }));
