/**
 * `tessera run ARTIFACT --input NAME=FILE ... [--output NAME=FILE ...] [-o DIR]`: runs an artifact
 * (NAME.json) with the runtime alone on inputs from .npy files or images, and writes every output:
 * to the file `--output` names (.npy or .png), else to DIR/OUTPUT.npy.
 * `tessera run MODEL.onnx --input NAME=FILE.npy ...` compiles the model in memory and runs it; a model
 * artifact (NAME.json of kind 'model') runs the same way (cli/model.ts): .npy files of the ONNX dtypes.
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadArtifact } from '../../runtime/artifact.js';
import type { Tensor } from '../../runtime/tensor.js';
import { ThreadPool } from '../../runtime/thread_pool.js';
import { type CliCommand, type CliIo, CliError, collect, pairs, positiveInteger } from '../command.js';
import { readTensor, writeTensors } from '../tensor_files.js';
import { runModel, runOnnxCommand } from '../model.js';
import { isLoadedModel } from '../../runtime/model_artifact.js';

interface RunOptions {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly out: string;
  readonly threads?: string;
  readonly target: string;
  readonly size: readonly string[];
}

async function run(artifactPath: string, o: RunOptions, io: CliIo): Promise<void> {
  if (artifactPath.toLowerCase().endsWith('.onnx')) return runOnnxCommand(artifactPath, { ...o, parallel: o.threads }, io);
  if (!artifactPath.endsWith('.json')) throw new CliError(`ARTIFACT is an artifact's description, NAME.json (as tessera compile writes it), or an .onnx model, got ${artifactPath}`);
  const threads = o.threads === undefined ? undefined : positiveInteger('--threads', o.threads);
  const pool = threads && threads > 1 ? await ThreadPool.create(threads) : undefined;
  try {
    const loaded = await loadArtifact(isAbsolute(artifactPath) ? artifactPath : resolve(io.cwd, artifactPath), pool ? { threadPool: pool } : {});
    if (isLoadedModel(loaded)) {
      try {
        await runModel(loaded, loaded.description.name, o, io);
      } finally {
        await loaded.close();
      }
      return;
    }
    const kernel = loaded;
    try {
      const args = kernel.target === 'webgpu' ? kernel.description.program.args : kernel.description.signature.args;
      const files = pairs('--input', o.input);
      const outputsTo = pairs('--output', o.output);
      const names = (role: string) => args.filter((a) => a.role === role).map((a) => a.name);
      for (const name of files.keys()) if (!names('input').includes(name)) throw new CliError(`--input ${name}: ${kernel.description.name} has no input ${name}; its inputs are ${names('input').join(', ')}`);
      for (const name of outputsTo.keys()) if (!names('output').includes(name)) throw new CliError(`--output ${name}: ${kernel.description.name} has no output ${name}; its outputs are ${names('output').join(', ')}`);
      const inputs: Record<string, Tensor> = {};
      for (const a of args) {
        if (a.role !== 'input') continue;
        const file = files.get(a.name);
        if (!file) throw new CliError(`input ${a.name} is not given: pass --input ${a.name}=FILE (.npy or an image)`);
        inputs[a.name] = await readTensor(a, file, io.cwd);
      }
      const outputs = await kernel(inputs);
      const folder = resolve(io.cwd, o.out);
      try {
        await mkdir(folder, { recursive: true });
      } catch (e) {
        throw new CliError(`cannot create the output folder ${o.out}: ${(e as Error).message}`);
      }
      const targets = Object.entries(outputs).map(([name, t]) => [name, t, outputsTo.get(name) ?? join(folder, `${name}.npy`)] as const);
      for (const path of await writeTensors(targets, io.cwd)) io.out(`${path}\n`);
    } finally {
      kernel.close();
    }
  } finally {
    await pool?.close();
  }
}

export const runCommand: CliCommand = {
  name: 'run',
  register(program: Command, io: CliIo) {
    program.command('run')
      .description('run an artifact (NAME.json) or an .onnx model on inputs from .npy (or image) files and write its outputs')
      .argument('<ARTIFACT>', 'the artifact description NAME.json, or an .onnx model')
      .option('-i, --input <NAME=FILE>', 'an input from a .npy file, or an image for a [3, H, W] input (repeat)', collect, [])
      .option('--output <NAME=FILE>', 'where an output goes: .npy, or .png for a [3, H, W] output (repeat)', collect, [])
      .option('-o, --out <DIR>', 'the folder for outputs not named by --output (as OUTPUT.npy)', '.')
      .option('--threads <N>', 'run parallel loops on a pool of N threads (an .onnx model: compile it for N threads)')
      .option('-t, --target <TARGET>', 'an .onnx model: wasm-simd or webgpu', 'wasm-simd')
      .option('--size <NAME=N>', 'an .onnx model: the value of a symbolic dimension (dim_param), repeat for each', collect, [])
      .action((artifactPath: string, o: RunOptions) => run(artifactPath, o, io));
  },
};
