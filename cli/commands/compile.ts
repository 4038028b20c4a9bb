/**
 * `tessera compile MODULE [--pipeline NAME] [--schedule NAME|TRACE.json] [--target wasm-simd|webgpu] [-o DIR]`:
 * compiles a module's pipeline ahead of time and writes the artifact into DIR: NAME.wasm (and
 * NAME.relaxed.wasm when the kernel has f32 multiply-adds), NAME.json (the description), NAME.js (an
 * ES module that loads it with tessera/runtime) and NAME.d.ts (its typings). All files or none.
 * `tessera compile MODEL.onnx [--target T] [--parallel N] [--size NAME=N ...] [--weights f16] [-o DIR]` compiles a
 * whole model instead (cli/model.ts): NAME.json, NAME.kK.wasm, NAME.weights.bin, NAME.js, NAME.d.ts.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { compile, gpuProgram } from '../../tessera.js';
import { writeArtifact } from '../../runtime/artifact_files.js';
import type { Artifact, KernelDescription } from '../../runtime/abi.js';
import type { FmaOption } from '../../codegen/wasm/module.js';
import { type CliCommand, type CliIo, oneOf } from '../command.js';
import { loadModule, selectPipeline, selectSchedule } from '../load_module.js';
import { loaderModule, loaderTypings } from '../loader_module.js';
import { compileModelCommand } from '../model.js';
import { collect } from '../command.js';

export const TARGETS = ['wasm-simd', 'webgpu'] as const;
export type CliTarget = (typeof TARGETS)[number];
const FMA: readonly FmaOption[] = ['auto', 'none', 'relaxed'];

interface CompileOptions {
  readonly pipeline?: string;
  readonly schedule?: string;
  readonly target: string;
  readonly out?: string;
  readonly name?: string;
  readonly fma: string;
  readonly threads: boolean;
  readonly parallel?: string;
  readonly size: readonly string[];
  readonly weights?: string;
}

/** Shows a byte count the way people read it. */
const size = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

async function run(modulePath: string, o: CompileOptions, io: CliIo): Promise<void> {
  if (modulePath.toLowerCase().endsWith('.onnx')) return compileModelCommand(modulePath, o, io);
  const target = oneOf('--target', o.target, TARGETS);
  const fma = oneOf('--fma', o.fma, FMA);
  const m = await loadModule(modulePath, io.cwd);
  const selected = selectPipeline(m, o.pipeline);
  const { name: scheduleName, schedule } = await selectSchedule(m, selected, o.schedule, io.cwd);
  const name = o.name ?? selected.name;
  const options = { name, ...(selected.work ? { work: selected.work } : {}) };
  const artifact: Artifact<KernelDescription> = target === 'webgpu'
    ? gpuProgram(selected.pipeline, schedule).artifact(options)
    : compile(selected.pipeline, schedule, { fma, threads: o.threads }).artifact(options);
  io.err(`compiled pipeline ${selected.name} of ${modulePath} with schedule ${scheduleName} for ${target}\n`);
  const folder = resolve(io.cwd, o.out ?? name);
  const written = await writeArtifact(folder, artifact, {
    [`${name}.js`]: loaderModule(artifact.description),
    [`${name}.d.ts`]: loaderTypings(artifact.description),
  });
  for (const path of written) {
    const file = path.slice(path.lastIndexOf('/') + 1);
    const bytes = artifact.files[file]?.byteLength;
    io.out(`${path}${bytes === undefined ? '' : ` (${size(bytes)})`}\n`);
  }
}

export const compileCommand: CliCommand = {
  name: 'compile',
  register(program: Command, io: CliIo) {
    program.command('compile')
      .description('compile a pipeline of MODULE ahead of time into an artifact (NAME.wasm, NAME.json, NAME.js, NAME.d.ts)')
      .argument('<MODULE>', 'a .ts/.js module exporting `pipelines` (see docs/cli.md), or an .onnx model (docs/models.md)')
      .option('-p, --pipeline <NAME>', 'the pipeline to compile (needed when the module has several)')
      .option('-s, --schedule <NAME|TRACE.json>', "one of the pipeline's schedules, or a trace file (default: the default schedule)")
      .option('-t, --target <TARGET>', 'wasm-simd or webgpu', 'wasm-simd')
      .option('-o, --out <DIR>', 'the folder to write (default: ./NAME)')
      .option('-n, --name <NAME>', "the artifact's name, and its files' (default: the pipeline's name)")
      .option('--fma <MODE>', "f32 multiply-adds: auto (a baseline and a relaxed-SIMD binary), none, relaxed", 'auto')
      .option('--no-threads', 'run parallel loops serially (no shared memory, no thread pool)')
      .option('--parallel <N>', 'an .onnx model: compile its kernels for N threads over one shared memory')
      .option('--size <NAME=N>', "an .onnx model: the value of a symbolic dimension (dim_param), repeat for each", collect, [])
      .option('--weights <DTYPE>', 'an .onnx model: store f32 weights as f32 or f16 (IEEE binary16, half the bytes, widened at load)')
      .action((modulePath: string, o: CompileOptions) => run(modulePath, o, io));
  },
};
