/**
 * The `tessera` command line: a commander program built from the command table below, one entry per
 * file of cli/commands/. A new command is one new file and one line here.
 *
 *   tessera compile MODULE [--pipeline NAME] [--schedule NAME|TRACE.json] [--target wasm-simd|webgpu] [-o DIR]
 *   tessera print MODULE --what loops|wat|wgsl|schedule|trace|ir-after-each-pass
 *   tessera bench MODULE|ARTIFACT
 *   tessera run ARTIFACT --input NAME=FILE ...
 *   tessera profile MODEL.onnx [--threads T] [--runs N] [--top K]
 *   tessera tune MODULE --pipeline NAME --target wasm-simd|webgpu --trials N [--minutes M] [--threads T] --records FILE
 *   tessera tune MODEL.onnx --trials N [--minutes M] [--threads T] --records FILE [--size NAME=N ...] [--batch N] [--no-transfer]
 *
 * Exit status: 0 on success, 1 when a command fails (the message says why), 2 for a usage error.
 */
import { Command, CommanderError } from 'commander';
import { TESSERA_VERSION } from '../runtime/abi.js';
import type { CliCommand, CliIo } from './command.js';
import { compileCommand } from './commands/compile.js';
import { printCommand } from './commands/print.js';
import { benchCommand } from './commands/bench.js';
import { runCommand } from './commands/run.js';
import { tuneCommand } from './commands/tune.js';
import { profileCommand } from './commands/profile.js';

/** The commands, in the order `tessera --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  compileCommand,
  printCommand,
  benchCommand,
  runCommand,
  tuneCommand,
  profileCommand,
];

/**
 * Errors whose message is the whole story: the user's mistake or a refusal that explains itself.
 * Anything else is a bug of Tessera's and is printed with its stack.
 */
const EXPLAINED = new Set([
  'CliError', 'ScheduleError', 'DefinitionError', 'ArgumentError', 'KernelError', 'ArtifactError', 'NpyError', 'CodegenError',
  'ModelLoadError', 'GraphError', 'OpError', 'ModelCompileError', 'MemoryPlanError',
  'ThreadPoolError', 'GpuUnavailableError', 'GpuDeviceLostError', 'WgslCompileError', 'GpuPipelineError', 'GpuDispatchError', 'GpuBufferError',
  'TuneError', 'TuningDatabaseError', 'WorkloadError', 'TargetError',
]);

/** The program, writing to `io` and never exiting the process itself. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('tessera')
    .description('Tessera, a tensor compiler: compile pipelines ahead of time, print what the compiler makes of them, run and time kernels')
    .version(TESSERA_VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  for (const c of COMMANDS) c.register(program, io);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showHelpAfterError();
  return program;
}

/**
 * Runs the command line `argv` (without node and the script: `['compile', 'm.ts', ...]`).
 * @returns the exit status
 */
export async function main(argv: readonly string[], io: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), cwd: process.cwd(), errStream: process.stderr }): Promise<number> {
  const program = buildProgram(io);
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const error = e as Error;
    const prefix = `tessera${command ? ` ${command}` : ''}: `;
    if (EXPLAINED.has(error.name)) io.err(`${prefix}${error.name === 'CliError' ? '' : `${error.name}: `}${error.message}\n`);
    else io.err(`${prefix}internal error (a bug of Tessera's; please report it): ${error.stack ?? error.message}\n`);
    return 1;
  }
}
