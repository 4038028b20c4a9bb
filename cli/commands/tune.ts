/**
 * `tessera tune MODULE --pipeline NAME --target wasm-simd|webgpu --trials N [--minutes M] [--threads T]
 * --records FILE [--size NAME=N ...] [--seed S] [--no-cost-model] [--plot FILE.svg]`: tunes a pipeline
 * of MODULE on this machine (autotune/tune.ts) with a progress bar on stderr (trials, best so far,
 * failures, elapsed), appends every measured candidate to the records file (resuming from the
 * records already there), and prints the best schedule as code; the plot of the best throughput
 * against trials goes to an SVG file (default: FILE's name with .svg).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { tune, type TuneProgress, type TuneResult } from '../../autotune/tune.js';
import { TuningDatabase } from '../../autotune/database.js';
import { tuningCurveSvg } from '../../autotune/plot.js';
import { acquireGpu } from '../../runtime/webgpu/device.js';
import { evalShape } from '../../runtime/signature.js';
import type { WorkCount } from '../../runtime/abi.js';
import { writeFileAtomic } from '../../io/atomic_write.js';
import { type CliCommand, type CliIo, CliError, collect, oneOf, pairs, positiveInteger, positiveNumber, threeDigits } from '../command.js';
import { barStream } from '../progress.js';
import { loadModule, selectPipeline } from '../load_module.js';
import { TARGETS } from './compile.js';
import { tuneModelCommand, type TuneModelCommandOptions } from './tune_model.js';

/** The same options serve a pipeline and a model (cli/commands/tune_model.ts). */
type TuneCommandOptions = TuneModelCommandOptions;


/** Throughput of `seconds` per call in the work's unit, or calls per second. */
export function throughputOf(work: WorkCount | undefined, sizes: Readonly<Record<string, number>>): { unit: string; of: (seconds: number) => number } {
  const env = new Map(Object.entries(sizes));
  if (work?.flops !== undefined) { const f = evalShape(work.flops, env); return { unit: 'GFLOP/s', of: (s) => f / s / 1e9 }; }
  if (work?.pixels !== undefined) { const px = evalShape(work.pixels, env); return { unit: 'MP/s', of: (s) => px / s / 1e6 }; }
  return { unit: 'calls/s', of: (s) => 1 / s };
}


async function run(modulePath: string, o: TuneCommandOptions, io: CliIo): Promise<void> {
  if (/\.onnx$/i.test(modulePath)) return tuneModelCommand(modulePath, o, io);
  if (!o.transfer) throw new CliError('--no-transfer applies to a model (MODEL.onnx): a pipeline is one task');
  if (o.batch !== undefined) throw new CliError('--batch applies to a model (MODEL.onnx)');
  if (o.warmup !== undefined) throw new CliError('--warmup applies to a model (MODEL.onnx)');
  const target = oneOf('--target', o.target, TARGETS);
  if (o.trials === undefined) throw new CliError('--trials N is required: how many candidates to measure (200 is a good budget)');
  if (o.records === undefined) throw new CliError('--records FILE is required: the JSON-lines file the tuning records are appended to (and resumed from)');
  const trials = positiveInteger('--trials', o.trials);
  const minutes = o.minutes === undefined ? undefined : positiveNumber('--minutes', o.minutes);
  const threads = positiveInteger('--threads', o.threads);
  const seed = positiveInteger('--seed', o.seed);
  if (target === 'webgpu' && threads !== 1) throw new CliError(`--threads applies to wasm-simd; a webgpu kernel runs on the device (got --threads ${threads})`);
  const m = await loadModule(modulePath, io.cwd);
  const selected = selectPipeline(m, o.pipeline);
  const sizes: Record<string, number> = { ...(selected.entry.sizes ?? {}) };
  for (const [name, value] of pairs('--size', o.size)) sizes[name] = positiveInteger(`--size ${name}`, value);
  const params = selected.pipeline.params.map((v) => v.name);
  for (const n of Object.keys(sizes)) if (!params.includes(n)) throw new CliError(`--size ${n}: pipeline ${selected.name} has no size variable ${n} (it has ${params.join(', ') || 'none'})`);
  const missing = params.filter((n) => sizes[n] === undefined);
  if (missing.length) throw new CliError(`pipeline ${selected.name} is tuned at concrete sizes: give ${missing.map((n) => `--size ${n}=N`).join(' ')} (or sizes in the module's entry)`);
  const recordsPath = resolve(io.cwd, o.records);
  const plotPath = resolve(io.cwd, o.plot ?? `${recordsPath.replace(/\.jsonl?$/, '')}.svg`);
  const db = await TuningDatabase.open(recordsPath);
  for (const w of db.warnings) io.err(`warning: ${w}\n`);
  const rate = throughputOf(selected.work, sizes);
  const show = (s?: number) => (s === undefined ? '-' : `${threeDigits(s * 1e3)} ms (${threeDigits(rate.of(s))} ${rate.unit})`);

  const bar = new SingleBar({
    format: 'tuning {name} [{bar}] {value}/{total} trials | best {best} | failures {failures} | {elapsed} s',
    stream: barStream(io), noTTYOutput: true, notTTYSchedule: 5000, hideCursor: true,
  }, Presets.shades_classic);
  bar.start(trials, 0, { name: selected.name, best: '-', failures: 0, elapsed: 0 });
  const gpu = target === 'webgpu' ? await acquireGpu() : undefined;
  let result: TuneResult;
  try {
    result = await tune(selected.pipeline, sizes, {
      target, threads, trials, ...(minutes !== undefined ? { minutes } : {}), records: db, seed, costModel: o.costModel, name: selected.name,
      ...(gpu ? { gpu } : {}),
      onProgress: (p: TuneProgress) => bar.update(p.trials, { best: show(p.bestSeconds), failures: p.failures, elapsed: Math.round(p.elapsedSeconds) }),
    });
  } finally {
    bar.stop();
    gpu?.destroy();
  }
  const st = result.statistics;
  const points = st.history.map((h) => ({ trial: h.trial, ...(h.seconds !== undefined ? { value: rate.of(h.seconds) } : {}), ...(h.bestSeconds !== undefined ? { best: rate.of(h.bestSeconds) } : {}) }));
  writeFileAtomic(plotPath, tuningCurveSvg(points, { title: `tessera tune ${selected.name} (${target}, ${threads} thread${threads > 1 ? 's' : ''})`, unit: rate.unit }));
  const failures = Object.entries(st.statuses).filter(([k]) => k !== 'ok').map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  io.out(`best of pipeline ${selected.name}: ${show(result.seconds)} after ${st.history.length} trials in ${st.elapsedSeconds.toFixed(0)} s (stopped by ${st.stoppedBy}; ${st.resumedFrom} earlier records)\n`);
  io.out(`failures: ${failures}\n`);
  io.out(`records: ${recordsPath}\nplot: ${plotPath}\nschedule:\n${result.code}\n`);
}

export const tuneCommand: CliCommand = {
  name: 'tune',
  register(program: Command, io: CliIo) {
    program.command('tune')
      .description('search schedules of a pipeline of MODULE on this machine, keep every measurement as a tuning record, print the best schedule')
      .argument('<MODULE>', 'a .ts/.js module exporting `pipelines` (see docs/cli.md), or MODEL.onnx: every kernel of the model (docs/autotune.md, Tuning a model)')
      .option('-p, --pipeline <NAME>', 'the pipeline to tune (needed when the module has several)')
      .option('-t, --target <TARGET>', 'wasm-simd or webgpu', 'wasm-simd')
      .option('--trials <N>', 'most candidates to measure')
      .option('--minutes <M>', 'time budget in minutes')
      .option('--threads <T>', 'threads of a wasm-simd kernel', '1')
      .option('--records <FILE>', 'JSON-lines records file: appended to, and resumed from')
      .option('--size <NAME=N>', "a size variable's value (repeat; default: the module entry's sizes)", collect, [])
      .option('--seed <S>', 'seed of the search', '1')
      .option('--no-cost-model', 'random proposals instead of ranking by the learned cost model (same budget)')
      .option('--plot <FILE.svg>', 'where to write the plot of best throughput against trials (default: the records file with .svg)')
      .option('--batch <N>', 'a model: candidates per round of a task (default 16)')
      .option('--warmup <N>', "a model: candidates in a task's first round, beside its op schedule (default 4)")
      .option('--no-transfer', 'a model: do not seed tasks from records of similar workloads (to measure what transfer saves)')
      .action((modulePath: string, o: TuneCommandOptions) => run(modulePath, o, io));
  },
};
