/**
 * Artifacts of kind 'model': a whole compiled model. For WebAssembly SIMD, one binary per kernel,
 * the weights blob and the model program (runtime/model_program.ts); loading instantiates every kernel
 * over one memory (shared, on a thread pool, when it was compiled for threads) and copies the weights
 * in once. For WebGPU, the programs of the kernels and the constants' bytes.
 */
import {
  type ArtifactBase, type DataFileEntry, type GpuModelDescription, type ModelDescription, type WasmModelDescription,
  ArtifactError,
} from './abi.js';
import { type ArtifactFileReader, checkFileName } from './artifact_files.js';
import { type JsonObject, JsonCheck } from './json_check.js';
import { binaries, gpuProgram, missingFeatures, signature, type KernelLoadOptions } from './kernel_artifact.js';
import { MODEL_DTYPES, type ModelDType } from './model_dtype.js';
import type { ModelStep, ModelTensorSpec, WasmModelProgram } from './model_program.js';
import type { ModelTensor } from './model_tensors.js';
import { WasmModel, type ModelValueInfo } from './wasm_model.js';
import { ThreadPool } from './thread_pool.js';
import { engineWasmFeatures } from './wasm_features.js';
import { GpuModel, type GpuModelProgram } from './webgpu/gpu_model.js';
import { type HalfRun, storedWeightsBytes } from './weights.js';
import { acquireGpu } from './webgpu/device.js';

/** A loaded model: run it on feeds by input name. */
export interface LoadedModel {
  readonly kind: 'model';
  readonly target: 'wasm-simd' | 'webgpu';
  readonly description: ModelDescription;
  readonly inputs: readonly ModelValueInfo[];
  readonly outputs: readonly ModelValueInfo[];
  /**
   * Runs the model once.
   * @throws ArgumentError naming the input for a missing or unknown name, a wrong dtype or shape
   */
  run(feeds: Readonly<Record<string, ModelTensor>>): Promise<Record<string, ModelTensor>>;
  /** Stops the thread pool or releases the device the loader created. */
  close(): Promise<void>;
}

// --- checking ---------------------------------------------------------------------------------------

const ints = (c: JsonCheck, v: unknown, path: string, min = 0) => c.array(v, path).map((x, i) => c.integer(x, `${path}[${i}]`, min));
const dtype = (c: JsonCheck, v: unknown, path: string): ModelDType => c.oneOf(v, path, MODEL_DTYPES);

function tensorSpec(c: JsonCheck, v: unknown, path: string): ModelTensorSpec {
  const t = c.object(v, path);
  return { name: c.string(t.name, `${path}.name`), dtype: dtype(c, t.dtype, `${path}.dtype`), shape: ints(c, t.shape, `${path}.shape`), address: c.integer(t.address, `${path}.address`, 0) };
}

function dataFile(c: JsonCheck, v: unknown, path: string): DataFileEntry {
  const f = c.object(v, path);
  const file = c.string(f.file, `${path}.file`);
  checkFileName(file, c.where);
  return { file, bytes: c.integer(f.bytes, `${path}.bytes`, 0) };
}

function halfRuns(c: JsonCheck, v: unknown, path: string): HalfRun[] {
  return c.array(v, path).map((x, i) => {
    const r = c.object(x, `${path}[${i}]`);
    return { offset: c.integer(r.offset, `${path}[${i}].offset`, 0), count: c.integer(r.count, `${path}[${i}].count`, 0) };
  });
}

function modelSteps(c: JsonCheck, v: unknown, path: string, kernels: WasmModelProgram['kernels']): ModelStep[] {
  return c.array(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const s = c.object(x, p);
    const kernel = c.integer(s.kernel, `${p}.kernel`, 0);
    if (kernel >= kernels.length) c.fail(`${p}.kernel`, `the index of one of the ${kernels.length} kernels`, kernel);
    const addresses = ints(c, s.addresses, `${p}.addresses`);
    if (addresses.length !== kernels[kernel]!.args.length) c.fail(`${p}.addresses`, `${kernels[kernel]!.args.length} addresses (one per argument of kernel ${kernel})`, s.addresses);
    const params = ints(c, s.params, `${p}.params`, -Infinity);
    if (params.length !== kernels[kernel]!.params.length) c.fail(`${p}.params`, `${kernels[kernel]!.params.length} size parameters`, s.params);
    return { kernel, nodes: c.strings(s.nodes, `${p}.nodes`), params, addresses };
  });
}

function wasmProgram(c: JsonCheck, v: unknown): WasmModelProgram {
  const m = c.object(v, 'model');
  const mem = c.object(m.memory, 'model.memory');
  const layout = Object.fromEntries(['weightsAddress', 'weightsBytes', 'arenaAddress', 'arenaBytes', 'scratchAddress'].map((k) => [k, c.integer(mem[k], `model.memory.${k}`, 0)])) as unknown as WasmModelProgram['memory'];
  const memory = mem.f16Weights === undefined ? layout : { ...layout, f16Weights: halfRuns(c, mem.f16Weights, 'model.memory.f16Weights') };
  const kernels = c.array(m.kernels, 'model.kernels').map((k, i) => ({ ...signature(c, k, `model.kernels[${i}]`), features: c.strings(c.object(k, `model.kernels[${i}]`).features, `model.kernels[${i}].features`) as WasmModelProgram['kernels'][number]['features'] }));
  const steps = modelSteps(c, m.steps, 'model.steps', kernels);
  const prepare = m.prepare === undefined ? undefined : modelSteps(c, m.prepare, 'model.prepare', kernels);
  const plan = c.object(m.plan, 'model.plan');
  return {
    name: c.string(m.name, 'model.name'), threads: c.integer(m.threads, 'model.threads', 1), memory,
    inputs: c.array(m.inputs, 'model.inputs').map((x, i) => tensorSpec(c, x, `model.inputs[${i}]`)),
    outputs: c.array(m.outputs, 'model.outputs').map((x, i) => tensorSpec(c, x, `model.outputs[${i}]`)),
    kernels, steps, ...(prepare ? { prepare } : {}),
    plan: { peakBytes: c.integer(plan.peakBytes, 'model.plan.peakBytes', 0), lowerBoundBytes: c.integer(plan.lowerBoundBytes, 'model.plan.lowerBoundBytes', 0) },
  };
}

function gpuModelProgram(c: JsonCheck, v: unknown): GpuModelProgram {
  const m = c.object(v, 'model');
  const kernels = c.array(m.kernels, 'model.kernels').map((k, i) => gpuProgram(c, k, `model.kernels[${i}]`));
  return {
    name: c.string(m.name, 'model.name'),
    tensors: c.array(m.tensors, 'model.tensors').map((x, i) => {
      const p = `model.tensors[${i}]`;
      const t = c.object(x, p);
      return { name: c.string(t.name, `${p}.name`), dtype: dtype(c, t.dtype, `${p}.dtype`), shape: ints(c, t.shape, `${p}.shape`), buffer: c.string(t.buffer, `${p}.buffer`) };
    }),
    constants: c.array(m.constants, 'model.constants').map((x, i) => {
      const p = `model.constants[${i}]`;
      const k = c.object(x, p);
      const entry = { buffer: c.string(k.buffer, `${p}.buffer`), offset: c.integer(k.offset, `${p}.offset`, 0), length: c.integer(k.length, `${p}.length`, 0) };
      if (k.f16 === undefined) return entry;
      const f16 = c.boolean(k.f16, `${p}.f16`);
      if (f16 && entry.length % 2 !== 0) c.fail(`${p}.length`, 'an even number of bytes (binary16 values)', entry.length);
      return { ...entry, f16 };
    }),
    inputs: c.strings(m.inputs, 'model.inputs'), outputs: c.strings(m.outputs, 'model.outputs'), kernels,
    steps: c.array(m.steps, 'model.steps').map((x, i) => {
      const p = `model.steps[${i}]`;
      const s = c.object(x, p);
      const kernel = c.integer(s.kernel, `${p}.kernel`, 0);
      if (kernel >= kernels.length) c.fail(`${p}.kernel`, `the index of one of the ${kernels.length} kernels`, kernel);
      const args = c.object(s.args, `${p}.args`);
      return { kernel, nodes: c.strings(s.nodes, `${p}.nodes`), args: Object.fromEntries(Object.entries(args).map(([k, t]) => [k, c.string(t, `${p}.args.${k}`)])) };
    }),
  };
}

/**
 * Checks the model-specific fields of a description whose common fields `base` were checked.
 * @throws ArtifactError naming the field and what it must be
 */
export function checkModelDescription(json: JsonObject, base: ArtifactBase, where: string): ModelDescription {
  const c = new JsonCheck(where);
  const weights = dataFile(c, json.weights, 'weights');
  if (base.target === 'webgpu') return { ...base, kind: 'model', target: 'webgpu', model: gpuModelProgram(c, json.model), weights };
  const model = wasmProgram(c, json.model);
  const bins = binaries(c, json.binaries);
  if (bins.length !== model.kernels.length) c.fail('binaries', `${model.kernels.length} entries, one per kernel`, json.binaries);
  const stored = storedWeightsBytes(model.memory.weightsBytes, model.memory.f16Weights ?? [], where);
  if (weights.bytes !== stored) c.fail('weights.bytes', `${stored} (model.memory.weightsBytes, with its f16 runs at 2 bytes per element)`, weights.bytes);
  return { ...base, kind: 'model', target: 'wasm-simd', model, binaries: bins, weights };
}

// --- loading ----------------------------------------------------------------------------------------

async function readChecked(read: ArtifactFileReader, entry: DataFileEntry, where: string): Promise<Uint8Array> {
  const bytes = await read(entry.file);
  if (bytes.byteLength !== entry.bytes) throw new ArtifactError(`${where}: ${entry.file} has ${bytes.byteLength} bytes, but the description says ${entry.bytes}; it is not the file this description was written with`);
  return bytes;
}

async function loadWasm(d: WasmModelDescription, read: ArtifactFileReader, o: KernelLoadOptions, where: string): Promise<LoadedModel> {
  if (o.memory) throw new ArtifactError(`${where}: a model makes its own memory (weights, arena and scratch planned together); load it without the memory option`);
  const have = engineWasmFeatures();
  const missing = d.binaries.map((b) => missingFeatures(b, have)).filter((m) => m !== undefined);
  if (missing.length > 0) throw new ArtifactError(`${where}: ${d.name} does not run on this WebAssembly engine: ${missing.join('; ')}. This engine has: ${[...have].join(', ')}`);
  const binaryFiles = await Promise.all(d.binaries.map((b) => readChecked(read, b, where)));
  const weights = await readChecked(read, d.weights, where);
  const threads = d.model.threads;
  if (o.threadPool && threads === 1) throw new ArtifactError(`${where}: ${d.name} was compiled for one thread; compile it with threads > 1 to run it on a pool`);
  const own = threads > 1 && !o.threadPool ? await ThreadPool.create(threads) : undefined;
  try {
    const model = await WasmModel.create(d.model, binaryFiles, weights, { pool: o.threadPool ?? own });
    return {
      kind: 'model', target: 'wasm-simd', description: d, inputs: model.inputs, outputs: model.outputs,
      run: async (feeds) => model.run(feeds),
      close: async () => { await own?.close(); },
    };
  } catch (e) {
    await own?.close();
    throw e;
  }
}

async function loadGpu(d: GpuModelDescription, read: ArtifactFileReader, o: KernelLoadOptions, where: string): Promise<LoadedModel> {
  const weights = await readChecked(read, d.weights, where);
  const ctx = o.gpu ?? await acquireGpu();
  try {
    const model = await GpuModel.create(ctx, d.model, weights, o.pipelineCache);
    const info = (t: { name: string; dtype: ModelDType; shape: readonly number[] }): ModelValueInfo => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] });
    return {
      kind: 'model', target: 'webgpu', description: d, inputs: model.inputs.map(info), outputs: model.outputs.map(info),
      run: (feeds) => model.run(feeds),
      close: async () => { model.destroy(); if (!o.gpu) ctx.destroy(); },
    };
  } catch (e) {
    if (!o.gpu) ctx.destroy();
    throw e;
  }
}

/**
 * Loads a checked model description: WebAssembly (every kernel over one new memory; a thread pool of
 * `model.threads` made for it unless `options.threadPool` is given) or WebGPU (on `options.gpu` or a
 * new device).
 * @throws ArtifactError when a binary needs a feature this engine lacks, a file is missing or of
 *   another length, or options do not fit the model; the runtime's errors from instantiation
 */
export function loadModelArtifact(d: ModelDescription, read: ArtifactFileReader, options: KernelLoadOptions, where: string): Promise<LoadedModel> {
  return d.target === 'webgpu' ? loadGpu(d, read, options, where) : loadWasm(d, read, options, where);
}

/** Whether a loaded artifact is a model (rather than a kernel). */
export function isLoadedModel(x: unknown): x is LoadedModel {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'model';
}
