/**
 * Artifacts of kind 'kernel': one compiled pipeline, for WebAssembly SIMD (a signature and one or more
 * binaries, the first that this engine runs is taken) or for WebGPU (a GpuProgram). Checks a
 * description read from JSON and loads it into a callable kernel.
 */
import {
  type ArtifactBase, type GpuKernelDescription, type KernelDescription, type WasmBinaryEntry, type WasmKernelDescription,
  ArtifactError, WASM_FEATURES,
} from './abi.js';
import type { ArtifactFileReader } from './artifact_files.js';
import { checkFileName } from './artifact_files.js';
import { type JsonObject, JsonCheck } from './json_check.js';
import { isStorageDType, STORAGE_DTYPES } from './dtype.js';
import type { ArgSpec, KernelSignature, ShapeExpr } from './signature.js';
import type { Tensor } from './tensor.js';
import { WasmKernel } from './wasm_kernel.js';
import type { ThreadPool } from './thread_pool.js';
import { engineWasmFeatures } from './wasm_features.js';
import type { GpuProgram, HostCondition } from './webgpu/program.js';
import { GpuKernel } from './webgpu/gpu_kernel.js';
import { acquireGpu, type GpuContext } from './webgpu/device.js';
import type { PipelineCache } from './webgpu/pipeline_cache.js';

/** How to load a kernel artifact. */
export interface KernelLoadOptions {
  /** Run the kernel's parallel loops on this pool (WebAssembly). */
  readonly threadPool?: ThreadPool;
  /** Instantiate over this memory, shared with other kernels (WebAssembly; see WasmKernel.callAt). */
  readonly memory?: WebAssembly.Memory;
  /** The WebGPU device to run on (default: a new one from `acquireGpu()`, closed by `close()`). */
  readonly gpu?: GpuContext;
  readonly pipelineCache?: PipelineCache;
}

/** A loaded WebAssembly kernel: call it with input tensors by name, as a compiled pipeline. */
export interface LoadedWasmKernel {
  (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
  readonly target: 'wasm-simd';
  readonly description: WasmKernelDescription;
  /** The binary the loader took. */
  readonly binary: WasmBinaryEntry;
  readonly kernel: WasmKernel;
  /** Nothing to release for WebAssembly (the pool, if any, is the caller's). */
  close(): void;
}

/** A loaded WebGPU kernel: call it with input tensors; it resolves to the outputs. */
export interface LoadedGpuKernel {
  (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  readonly target: 'webgpu';
  readonly description: GpuKernelDescription;
  readonly kernel: GpuKernel;
  /** Destroys the device when the loader acquired it (not one passed as `gpu`). */
  close(): void;
}

export type LoadedKernel = LoadedWasmKernel | LoadedGpuKernel;

// --- checking ---------------------------------------------------------------------------------------

const SHAPE_OPS = ['add', 'sub', 'mul', 'div', 'min', 'max'] as const;
const CMP_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;

function shapeExpr(c: JsonCheck, v: unknown, path: string): ShapeExpr {
  if (typeof v === 'number') return c.integer(v, path);
  if (typeof v === 'string') return v;
  const o = c.object(v, path);
  return { op: c.oneOf(o.op, `${path}.op`, SHAPE_OPS), a: shapeExpr(c, o.a, `${path}.a`), b: shapeExpr(c, o.b, `${path}.b`) };
}

function hostCondition(c: JsonCheck, v: unknown, path: string): HostCondition {
  if (typeof v === 'boolean') return v;
  const o = c.object(v, path);
  const op = c.oneOf(o.op, `${path}.op`, ['and', 'or', 'not', ...CMP_OPS]);
  if (op === 'not') return { op, a: hostCondition(c, o.a, `${path}.a`) };
  if (op === 'and' || op === 'or') return { op, a: hostCondition(c, o.a, `${path}.a`), b: hostCondition(c, o.b, `${path}.b`) };
  return { op, a: shapeExpr(c, o.a, `${path}.a`), b: shapeExpr(c, o.b, `${path}.b`) };
}

export function argSpecs(c: JsonCheck, v: unknown, path: string): ArgSpec[] {
  return c.array(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const a = c.object(x, p);
    if (!isStorageDType(a.dtype)) c.fail(`${p}.dtype`, `one of ${STORAGE_DTYPES.join(', ')}`, a.dtype);
    return {
      name: c.string(a.name, `${p}.name`), dtype: a.dtype, role: c.oneOf(a.role, `${p}.role`, ['input', 'output']),
      shape: c.array(a.shape, `${p}.shape`).map((s, d) => shapeExpr(c, s, `${p}.shape[${d}]`)),
    };
  });
}

function mathImports(c: JsonCheck, v: unknown, path: string): string[] {
  return c.strings(v, path).map((fn, i) => {
    if (!Object.hasOwn(Math, fn) || typeof (Math as unknown as Record<string, unknown>)[fn] !== 'function') c.fail(`${path}[${i}]`, 'the name of a Math function', fn);
    return fn;
  });
}

/** Checks a kernel signature read from JSON at `path` (a model's kernels are at `model.kernels[i]`). */
export function signature(c: JsonCheck, v: unknown, path = 'signature'): Omit<KernelSignature, 'fma'> {
  const s = c.object(v, path);
  return {
    name: c.string(s.name, `${path}.name`), entry: c.string(s.entry, `${path}.entry`),
    params: c.strings(s.params, `${path}.params`), args: argSpecs(c, s.args, `${path}.args`),
    messages: c.strings(s.messages, `${path}.messages`), mathImports: mathImports(c, s.mathImports, `${path}.mathImports`),
    ...(s.tasks === undefined ? {} : { tasks: c.strings(s.tasks, `${path}.tasks`) }),
    ...(s.sharedMemory === undefined ? {} : { sharedMemory: c.boolean(s.sharedMemory, `${path}.sharedMemory`) }),
  };
}

export function binaries(c: JsonCheck, v: unknown): WasmBinaryEntry[] {
  const list = c.array(v, 'binaries');
  if (list.length === 0) c.fail('binaries', 'a non-empty array', v);
  return list.map((x, i) => {
    const b = c.object(x, `binaries[${i}]`);
    const file = c.string(b.file, `binaries[${i}].file`);
    checkFileName(file, c.where);
    // Features this runtime does not know stay in the list: the loader then skips the binary.
    return { file, bytes: c.integer(b.bytes, `binaries[${i}].bytes`, 8), features: c.strings(b.features, `binaries[${i}].features`) as WasmBinaryEntry['features'] };
  });
}

/** Checks a GPU program read from JSON at `path` (a model's kernels are at `model.kernels[i]`). */
export function gpuProgram(c: JsonCheck, v: unknown, path = 'program'): GpuProgram {
  const p = c.object(v, path);
  const kernels = c.array(p.kernels, `${path}.kernels`).map((x, i) => {
    const kp = `${path}.kernels[${i}]`;
    const k = c.object(x, kp);
    const size = c.array(k.workgroupSize, `${kp}.workgroupSize`).map((n, d) => c.integer(n, `${kp}.workgroupSize[${d}]`, 1));
    if (size.length !== 3) c.fail(`${kp}.workgroupSize`, 'three integers', k.workgroupSize);
    return {
      name: c.string(k.name, `${kp}.name`), wgsl: c.string(k.wgsl, `${kp}.wgsl`), workgroupSize: size as [number, number, number],
      grid: c.array(k.grid, `${kp}.grid`).map((g, d) => shapeExpr(c, g, `${kp}.grid[${d}]`)),
      usesParams: c.boolean(k.usesParams, `${kp}.usesParams`), bindings: c.strings(k.bindings, `${kp}.bindings`),
    };
  });
  return {
    name: c.string(p.name, `${path}.name`), params: c.strings(p.params, `${path}.params`), args: argSpecs(c, p.args, `${path}.args`),
    intermediates: c.array(p.intermediates, `${path}.intermediates`).map((x, i) => {
      const m = c.object(x, `${path}.intermediates[${i}]`);
      return { name: c.string(m.name, `${path}.intermediates[${i}].name`), elements: shapeExpr(c, m.elements, `${path}.intermediates[${i}].elements`) };
    }),
    kernels,
    steps: c.array(p.steps, `${path}.steps`).map((x, i) => {
      const sp = `${path}.steps[${i}]`;
      const s = c.object(x, sp);
      const kind = c.oneOf(s.kind, `${sp}.kind`, ['check', 'launch']);
      if (kind === 'check') return { kind, cond: hostCondition(c, s.cond, `${sp}.cond`), message: c.string(s.message, `${sp}.message`) };
      const kernel = c.integer(s.kernel, `${sp}.kernel`, 0);
      if (kernel >= kernels.length) c.fail(`${sp}.kernel`, `the index of one of the ${kernels.length} kernels`, kernel);
      return { kind, kernel };
    }),
  };
}

/**
 * Checks the kernel-specific fields of a description whose common fields `base` were checked.
 * @throws ArtifactError naming the field and what it must be
 */
export function checkKernelDescription(json: JsonObject, base: ArtifactBase, where: string): KernelDescription {
  const c = new JsonCheck(where);
  if (base.target === 'webgpu') return { ...base, kind: 'kernel', target: 'webgpu', program: gpuProgram(c, json.program) };
  return { ...base, kind: 'kernel', target: 'wasm-simd', signature: signature(c, json.signature), binaries: binaries(c, json.binaries) };
}

// --- loading ----------------------------------------------------------------------------------------

const TEXT_FEATURES = new Set<string>(WASM_FEATURES);

/** Why `entry` cannot run here, or undefined when every feature it needs is this engine's. */
export function missingFeatures(entry: WasmBinaryEntry, have: ReadonlySet<string>): string | undefined {
  const missing = entry.features.filter((f) => !have.has(f));
  if (missing.length === 0) return undefined;
  const named = missing.map((f) => (TEXT_FEATURES.has(f) ? f : `${f} (a feature this runtime does not know)`));
  const hint = missing.includes('threads') && !(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated && typeof SharedArrayBuffer === 'undefined'
    ? '; threads need SharedArrayBuffer (a browser page must be cross-origin isolated)' : '';
  const relaxed = missing.includes('relaxed-simd') ? '; relaxed-simd: Chrome 114+, Node 22+, or Node 20 with --experimental-wasm-relaxed-simd' : '';
  return `${entry.file} needs ${named.join(', ')}${hint}${relaxed}`;
}

/**
 * Picks the first binary of `d` that this engine runs: every feature it lists is the engine's and
 * `WebAssembly.validate` accepts its bytes.
 * @throws ArtifactError naming each binary, what it needs, and what this engine has
 */
async function pickBinary(d: WasmKernelDescription, read: ArtifactFileReader, where: string): Promise<{ entry: WasmBinaryEntry; bytes: Uint8Array }> {
  const have = engineWasmFeatures();
  const reasons: string[] = [];
  for (const entry of d.binaries) {
    const missing = missingFeatures(entry, have);
    if (missing) { reasons.push(missing); continue; }
    const bytes = await read(entry.file);
    if (bytes.byteLength !== entry.bytes) throw new ArtifactError(`${where}: ${entry.file} has ${bytes.byteLength} bytes, but the description says ${entry.bytes}; it is not the binary this description was written with`);
    if (!WebAssembly.validate(bytes as BufferSource)) { reasons.push(`${entry.file} does not validate on this engine (WebAssembly.validate)`); continue; }
    return { entry, bytes };
  }
  throw new ArtifactError(`${where}: no binary of ${d.name} runs on this WebAssembly engine: ${reasons.join('; ')}. This engine has: ${[...have].join(', ') || 'no WebAssembly'}`);
}

async function loadWasm(d: WasmKernelDescription, read: ArtifactFileReader, o: KernelLoadOptions, where: string): Promise<LoadedWasmKernel> {
  const { entry, bytes } = await pickBinary(d, read, where);
  const sig: KernelSignature = { ...d.signature, fma: entry.features.includes('relaxed-simd') ? 'relaxed' : 'none' };
  const kernel = await WasmKernel.instantiateAsync(bytes, sig, o.memory);
  if (o.threadPool) await kernel.useThreadPool(o.threadPool);
  const run = (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>) => kernel.run(inputs, outputs);
  return Object.assign(run, { target: 'wasm-simd' as const, description: d, binary: entry, kernel, close: () => {} });
}

async function loadGpu(d: GpuKernelDescription, o: KernelLoadOptions): Promise<LoadedGpuKernel> {
  const ctx = o.gpu ?? await acquireGpu();
  try {
    const kernel = await GpuKernel.create(ctx, d.program, o.pipelineCache);
    const run = (inputs: Readonly<Record<string, Tensor>>, outputs?: Readonly<Record<string, Tensor>>) => kernel.run(inputs, outputs);
    return Object.assign(run, { target: 'webgpu' as const, description: d, kernel, close: () => { if (!o.gpu) ctx.destroy(); } });
  } catch (e) {
    if (!o.gpu) ctx.destroy();
    throw e;
  }
}

/**
 * Loads a checked kernel description: WebAssembly (the first binary this engine runs, over
 * `options.memory` or a new memory, on `options.threadPool` when given) or WebGPU (on `options.gpu`
 * or a new device).
 * @throws ArtifactError when no binary runs here or a file is missing or wrong; KernelError,
 *   ThreadPoolError, GpuUnavailableError, WgslCompileError from the runtime
 */
export function loadKernelArtifact(d: KernelDescription, read: ArtifactFileReader, options: KernelLoadOptions, where: string): Promise<LoadedKernel> {
  return d.target === 'webgpu' ? loadGpu(d, options) : loadWasm(d, read, options, where);
}
