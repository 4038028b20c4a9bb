/**
 * `tessera print MODULE --what loops|wat|wgsl|schedule|trace|ir-after-each-pass`: what the compiler
 * makes of a module's pipeline and schedule, as text: the lowered loop nest, the WebAssembly text
 * (binaryen's), each WGSL kernel, the schedule as TypeScript or as a JSON trace (a TRACE.json for
 * --schedule), or the IR after every lowering pass.
 */
import type { Command } from 'commander';
import { compile, gpuProgram, lower } from '../../tessera.js';
import { printFunc } from '../../ir/printer.js';
import { lowerForGpu, printGpuLowered } from '../../lower/gpu/lower_gpu.js';
import type { Pipeline } from '../../dsl/pipeline.js';
import type { Schedule } from '../../schedule/schedule.js';
import { type CliCommand, type CliIo, oneOf } from '../command.js';
import { loadModule, selectPipeline, selectSchedule } from '../load_module.js';
import { TARGETS, type CliTarget } from './compile.js';

export const WHAT = ['loops', 'wat', 'wgsl', 'schedule', 'trace', 'ir-after-each-pass'] as const;
type What = (typeof WHAT)[number];

/** One entry per --what: the text it prints. */
const PRINTERS: Readonly<Record<What, (p: Pipeline, sch: Schedule, target: CliTarget) => string>> = {
  loops: (p, sch, target) => (target === 'webgpu' ? printGpuLowered(lowerForGpu(p, sch)) : printFunc(lower(p, sch).func)),
  wat: (p, sch) => compile(p, sch).wasmText!,
  wgsl: (p, sch) => gpuProgram(p, sch).program.kernels.map((k) => `// kernel ${k.name}: workgroup ${k.workgroupSize.join(' x ')}\n${k.wgsl}`).join('\n'),
  schedule: (_p, sch) => `${sch.toCode()}\n`,
  trace: (_p, sch) => `${JSON.stringify(sch.trace, null, 2)}\n`,
  'ir-after-each-pass': (p, sch, target) => {
    const parts: string[] = [];
    const debug = (pass: string, text: string) => { parts.push(`--- after ${pass} ---\n${text}`); };
    if (target === 'webgpu') lowerForGpu(p, sch, { debug });
    else lower(p, sch, { debug });
    return parts.join('');
  },
};

interface PrintOptions {
  readonly pipeline?: string;
  readonly schedule?: string;
  readonly what: string;
  readonly target: string;
}

async function run(modulePath: string, o: PrintOptions, io: CliIo): Promise<void> {
  const what = oneOf('--what', o.what, WHAT);
  const target = oneOf('--target', o.target, TARGETS);
  const m = await loadModule(modulePath, io.cwd);
  const selected = selectPipeline(m, o.pipeline);
  const { schedule } = await selectSchedule(m, selected, o.schedule, io.cwd);
  const text = PRINTERS[what](selected.pipeline, schedule, target);
  io.out(text.endsWith('\n') ? text : `${text}\n`);
}

export const printCommand: CliCommand = {
  name: 'print',
  register(program: Command, io: CliIo) {
    program.command('print')
      .description("print what the compiler makes of MODULE's pipeline: loops, WebAssembly text, WGSL, the schedule, the IR after each pass")
      .argument('<MODULE>', 'a .ts/.js module exporting `pipelines`')
      .requiredOption('-w, --what <WHAT>', WHAT.join(', '))
      .option('-p, --pipeline <NAME>', 'the pipeline (needed when the module has several)')
      .option('-s, --schedule <NAME|TRACE.json>', "one of the pipeline's schedules, or a trace file")
      .option('-t, --target <TARGET>', 'wasm-simd or webgpu (for loops and ir-after-each-pass)', 'wasm-simd')
      .action((modulePath: string, o: PrintOptions) => run(modulePath, o, io));
  },
};
