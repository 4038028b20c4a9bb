/**
 * The model side of `tessera compile` and `tessera run`: an ONNX file compiled into a model artifact
 * (model/artifact.ts), and a model (an .onnx compiled in memory, or a saved model artifact) run on
 * inputs from .npy files, its outputs written as .npy in their ONNX dtypes.
 */
import { readFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compileOnnx, type CompiledModel } from '../model/compile_onnx.js';
import { saveModelArtifact } from '../model/artifact.js';
import { WEIGHTS_STORAGE } from '../model/half_weights.js';
import type { LoadedModel } from '../runtime/model_artifact.js';
import type { ModelTensor } from '../runtime/model_tensors.js';
import type { ModelValueInfo } from '../runtime/wasm_model.js';
import { decodeModelNpy, encodeModelNpy, NpyError } from '../io/npy.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { type CliIo, CliError, oneOf, pairs, positiveInteger } from './command.js';

export const MODEL_TARGETS = ['wasm-simd', 'webgpu'] as const;

export interface ModelCompileOptions {
  readonly target: string;
  readonly out?: string;
  readonly name?: string;
  /** Threads the kernels are compiled for (a decimal string from the command line). */
  readonly parallel?: string;
  /** NAME=N values of the model's symbolic dimensions. */
  readonly size: readonly string[];
  /** How the weights are stored: f32 or f16 (model/half_weights.ts). */
  readonly weights?: string;
}

/** The compile options of an ONNX model from the command line's. @throws CliError for a bad value */
export function compileOptions(o: ModelCompileOptions) {
  const target = oneOf('--target', o.target, MODEL_TARGETS);
  const threads = o.parallel === undefined ? 1 : positiveInteger('--parallel', o.parallel);
  const sizes = Object.fromEntries([...pairs('--size', o.size)].map(([k, v]) => [k, positiveInteger(`--size ${k}`, v)]));
  const weights = oneOf('--weights', o.weights ?? 'f32', WEIGHTS_STORAGE);
  return { target, threads, sizes, weights };
}

const stem = (path: string) => path.slice(path.lastIndexOf('/') + 1).replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_') || 'model';

/** `tessera compile MODEL.onnx`: compiles and writes the artifact (NAME.json, NAME.kK.wasm, NAME.weights.bin, NAME.js, NAME.d.ts). */
export async function compileModelCommand(modelPath: string, o: ModelCompileOptions, io: CliIo): Promise<void> {
  const options = compileOptions(o);
  const model = await compileOnnx(resolve(io.cwd, modelPath), options);
  try {
    const name = o.name ?? stem(modelPath);
    io.err(`compiled ${modelPath} for ${options.target}${options.target === 'wasm-simd' ? ` (${options.threads} thread${options.threads > 1 ? 's' : ''})` : ''}: ${model.kernelCount} kernels, arena ${model.plan.peakBytes} bytes (lower bound ${model.plan.lowerBoundBytes})${options.weights === 'f16' ? ', weights stored as f16' : ''}\n`);
    for (const note of model.notes.filter((n) => n.startsWith('weights f16:'))) io.err(`${note}\n`);
    for (const path of await saveModelArtifact(model, resolve(io.cwd, o.out ?? name), { name })) io.out(`${path}\n`);
  } finally {
    await model.dispose();
  }
}

export async function readFeed(spec: ModelValueInfo, path: string, cwd: string): Promise<ModelTensor> {
  if (!path.toLowerCase().endsWith('.npy')) throw new CliError(`input ${spec.name}: ${path} is not a .npy file (model inputs are read from .npy files of their dtype, ${spec.dtype})`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(resolve(cwd, path)));
  } catch (e) {
    throw new CliError(`input ${spec.name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return decodeModelNpy(bytes, path);
  } catch (e) {
    if (e instanceof NpyError) throw new CliError(`input ${spec.name}: ${e.message}`);
    throw e;
  }
}

type Runnable = Pick<CompiledModel | LoadedModel, 'inputs' | 'outputs' | 'run'>;

/**
 * Runs `model` on the .npy files of `--input NAME=FILE` and writes every output to OUT/NAME.npy (or
 * the file `--output NAME=FILE` names), all of them or none.
 * @throws CliError for an input not given or not the model's, an unreadable file, an output folder
 *   that cannot be written; ArgumentError (from run) for a file of the wrong dtype or shape
 */
export async function runModel(model: Runnable, name: string, o: { input: readonly string[]; output: readonly string[]; out: string }, io: CliIo): Promise<void> {
  const files = pairs('--input', o.input), outputsTo = pairs('--output', o.output);
  for (const n of files.keys()) if (!model.inputs.some((i) => i.name === n)) throw new CliError(`--input ${n}: ${name} has no input ${n}; its inputs are ${model.inputs.map((i) => i.name).join(', ')}`);
  for (const n of outputsTo.keys()) if (!model.outputs.some((i) => i.name === n)) throw new CliError(`--output ${n}: ${name} has no output ${n}; its outputs are ${model.outputs.map((i) => i.name).join(', ')}`);
  const feeds: Record<string, ModelTensor> = {};
  for (const spec of model.inputs) {
    const file = files.get(spec.name);
    if (!file) throw new CliError(`input ${spec.name} (${spec.dtype} [${spec.shape.join(', ')}]) is not given: pass --input ${spec.name}=FILE.npy`);
    feeds[spec.name] = await readFeed(spec, file, io.cwd);
  }
  const outputs = await model.run(feeds);
  const folder = resolve(io.cwd, o.out);
  try {
    await mkdir(folder, { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create the output folder ${o.out}: ${(e as Error).message}`);
  }
  const written: string[] = [];
  try {
    for (const [n, t] of Object.entries(outputs)) {
      const path = resolve(io.cwd, outputsTo.get(n) ?? join(folder, `${n.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`));
      if (!path.toLowerCase().endsWith('.npy')) throw new CliError(`--output ${n}: ${path} is not a .npy file`);
      writeFileAtomic(path, encodeModelNpy(t));
      written.push(path);
    }
  } catch (e) {
    await Promise.all(written.map((f) => rm(f, { force: true })));
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot write the outputs: ${(e as Error).message}${written.length ? '; the outputs written before were removed' : ''}`);
  }
  for (const p of written) io.out(`${p}\n`);
}

/** `tessera run MODEL.onnx`: compiles in memory, then runs as runModel. */
export async function runOnnxCommand(modelPath: string, o: ModelCompileOptions & { input: readonly string[]; output: readonly string[]; out: string }, io: CliIo): Promise<void> {
  const model = await compileOnnx(resolve(io.cwd, modelPath), compileOptions(o));
  try {
    await runModel(model, modelPath, o, io);
  } finally {
    await model.dispose();
  }
}
