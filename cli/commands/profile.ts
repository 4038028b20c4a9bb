/**
 * `tessera profile MODEL.onnx [--threads T] [--runs N] [--top K] [--records FILE] [--input NAME=FILE.npy ...] [--size NAME=N ...]`:
 * compiles an ONNX model for wasm-simd and times each of its kernels (CompiledModel.profile): the
 * slowest first, with their ops, output shapes, share of the inference and GFLOP/s. Inputs not given
 * as .npy files are seeded uniform values in [0, 1) (float inputs only). With --records, the kernels
 * are compiled from the best tuning records of their workloads (`tessera tune MODEL.onnx`), and the
 * tuned kernels are marked, with the implementation the records chose where the op has several.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TuningDatabase } from '../../autotune/database.js';
import type { Command } from 'commander';
import { compileOnnx, type ModelStepProfile } from '../../model/compile_onnx.js';
import type { ModelTensor } from '../../runtime/model_tensors.js';
import type { ModelValueInfo } from '../../runtime/wasm_model.js';
import { type CliCommand, type CliIo, CliError, collect, pairs, positiveInteger } from '../command.js';
import { compileOptions, readFeed } from '../model.js';

interface ProfileOptions {
  readonly threads?: string;
  readonly runs: string;
  readonly top: string;
  readonly input: readonly string[];
  readonly size: readonly string[];
  readonly records?: string;
}

/** Seeded uniform [0, 1) values for a float input. @throws CliError for an input of another dtype */
function seededFeed(spec: ModelValueInfo, seed: number): ModelTensor {
  if (spec.dtype !== 'f32') throw new CliError(`input ${spec.name} is ${spec.dtype}: pass it as --input ${spec.name}=FILE.npy (only f32 inputs are filled with random values)`);
  const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32;
  }
  return { data, shape: spec.shape, dtype: 'f32' };
}

/**
 * The profile as a table, slowest kernel first.
 * @param steps the profile; @param top rows to print (the rest are summed in one line)
 * @param tuned the kernels compiled from tuning records (CompiledModel.tuned): marked `tuned (implementation)`
 */
export function profileTable(steps: readonly ModelStepProfile[], top: number, tuned: readonly { readonly nodes: readonly string[]; readonly implementation?: string }[] = []): string {
  const mark = (nodes: readonly string[]) => {
    const k = tuned.find((x) => x.nodes.some((n) => nodes.includes(n)));
    return k ? `  tuned${k.implementation ? ` (${k.implementation})` : ''}` : '';
  };
  const total = steps.reduce((t, s) => t + s.medianMs, 0);
  const rows = [...steps].sort((a, b) => b.medianMs - a.medianMs);
  const lines = [`${'ms'.padStart(8)} ${'share'.padStart(6)} ${'GFLOP/s'.padStart(8)}  step  ops -> output shape  (nodes)`];
  for (const s of rows.slice(0, top)) {
    const gflops = s.medianMs > 0 ? s.flops / (s.medianMs * 1e6) : 0;
    lines.push(`${s.medianMs.toFixed(3).padStart(8)} ${`${((100 * s.medianMs) / total).toFixed(1)}%`.padStart(6)} ${gflops.toFixed(2).padStart(8)}  ${String(s.step).padStart(4)}  ${s.ops.join('+')} -> [${s.outputShape.join(', ')}]  (${s.nodes.join(', ')})${mark(s.nodes)}`);
  }
  const rest = rows.slice(top);
  if (rest.length) lines.push(`${rest.reduce((t, s) => t + s.medianMs, 0).toFixed(3).padStart(8)} ${`${((100 * rest.reduce((t, s) => t + s.medianMs, 0)) / total).toFixed(1)}%`.padStart(6)} ${''.padStart(8)}  ${rest.length} other kernels`);
  const flops = steps.reduce((t, s) => t + s.flops, 0);
  lines.push(`${total.toFixed(3).padStart(8)} ${'100%'.padStart(6)} ${(flops / (total * 1e6)).toFixed(2).padStart(8)}  all ${steps.length} kernels (sum of medians)`);
  return `${lines.join('\n')}\n`;
}

async function profile(modelPath: string, o: ProfileOptions, io: CliIo): Promise<void> {
  if (!modelPath.toLowerCase().endsWith('.onnx')) throw new CliError(`MODEL must be an .onnx file, got ${modelPath}`);
  const runs = positiveInteger('--runs', o.runs), top = positiveInteger('--top', o.top);
  const options = compileOptions({ target: 'wasm-simd', parallel: o.threads, size: o.size });
  let records: TuningDatabase | undefined;
  if (o.records !== undefined) {
    const path = resolve(io.cwd, o.records);
    if (!existsSync(path)) throw new CliError(`--records ${o.records}: no such file`);
    records = await TuningDatabase.open(path);
    for (const w of records.warnings) io.err(`warning: ${w}\n`);
  }
  const model = await compileOnnx(resolve(io.cwd, modelPath), { ...options, ...(records ? { records } : {}) });
  try {
    const files = pairs('--input', o.input);
    for (const n of files.keys()) if (!model.inputs.some((i) => i.name === n)) throw new CliError(`--input ${n}: ${modelPath} has no input ${n}; its inputs are ${model.inputs.map((i) => i.name).join(', ')}`);
    const feeds: Record<string, ModelTensor> = {};
    for (const [k, spec] of model.inputs.entries()) {
      const file = files.get(spec.name);
      feeds[spec.name] = file ? await readFeed(spec, file, io.cwd) : seededFeed(spec, 7 + k);
    }
    const steps = await model.profile(feeds, runs);
    const tuned = ` (${model.tuned.length} from tuning records)`;
    io.err(`${modelPath}: ${model.kernelCount} kernels${records ? tuned : ''} on ${options.threads} thread${options.threads > 1 ? 's' : ''}, median of ${runs} runs\n`);
    io.out(profileTable(steps, top, model.tuned));
  } finally {
    await model.dispose();
  }
}

export const profileCommand: CliCommand = {
  name: 'profile',
  register(program: Command, io: CliIo) {
    program.command('profile')
      .description('time each kernel of an .onnx model on wasm-simd, slowest first (ops, output shape, share, GFLOP/s)')
      .argument('<MODEL>', 'an .onnx model')
      .option('--threads <N>', 'compile and run the model on N threads', '1')
      .option('--runs <N>', 'inferences the medians are taken over', '10')
      .option('--top <K>', 'kernels listed (the rest are summed)', '15')
      .option('-i, --input <NAME=FILE>', 'an input from a .npy file (repeat); others are seeded random values', collect, [])
      .option('--size <NAME=N>', 'the value of a symbolic dimension (dim_param), repeat for each', collect, [])
      .option('--records <FILE>', 'compile the kernels from the best records of this tuning-records file (tessera tune MODEL.onnx)')
      .action((modelPath: string, o: ProfileOptions) => profile(modelPath, o, io));
  },
};
