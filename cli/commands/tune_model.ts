/**
 * `tessera tune MODEL.onnx --trials N [--minutes M] [--threads T] --records FILE [--size NAME=N ...]
 * [--batch N] [--warmup N] [--seed S] [--no-cost-model] [--no-transfer] [--plot FILE.svg]`: tunes every distinct
 * kernel of an ONNX model (model/tune_model.ts) with a progress bar per task and one overall on
 * stderr, appends every measurement to the records file, and prints the task table (op schedule
 * against best, trials, transferred seeds), the estimated kernel time, and the model's latency
 * compiled without and with the records, and with the records filed after 10% and 50% of the trials,
 * timed side by side. The plot is the estimated inferences
 * per second against trials. `compileOnnx(model, { records })` (or `tessera compile`) then uses them.
 */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { TuningDatabase } from '../../autotune/database.js';
import { tuningCurveSvg } from '../../autotune/plot.js';
import { writeFileAtomic } from '../../io/atomic_write.js';
import { tuneModel } from '../../model/tune_model.js';
import { tasksTable } from '../../model/tasks.js';
import { type CliIo, CliError, pairs, positiveInteger, positiveNumber, threeDigits } from '../command.js';
import { barStream } from '../progress.js';

/** The options `tessera tune` parsed (cli/commands/tune.ts registers them). */
export interface TuneModelCommandOptions {
  readonly pipeline?: string;
  readonly target: string;
  readonly trials?: string;
  readonly minutes?: string;
  readonly threads: string;
  readonly records?: string;
  readonly size: readonly string[];
  readonly seed: string;
  readonly costModel: boolean;
  readonly plot?: string;
  readonly transfer: boolean;
  readonly batch?: string;
  readonly warmup?: string;
}

const ms = (s?: number) => (s === undefined ? '-' : threeDigits(s * 1e3));

/** Runs `tessera tune MODEL.onnx ...` (see the file's comment). @throws CliError for usage errors */
export async function tuneModelCommand(modelPath: string, o: TuneModelCommandOptions, io: CliIo): Promise<void> {
  if (o.pipeline !== undefined) throw new CliError('--pipeline names a pipeline of a module; a model (MODEL.onnx) is tuned whole, every kernel a task');
  if (o.target !== 'wasm-simd') throw new CliError(`a model is tuned for wasm-simd; tuning a model for ${o.target} is not built yet`);
  if (o.trials === undefined) throw new CliError('--trials N is required: how many candidates to measure over all the tasks of the model (about 50 per task is a good budget)');
  if (o.records === undefined) throw new CliError('--records FILE is required: the JSON-lines file the tuning records are appended to (and resumed and transferred from)');
  const trials = positiveInteger('--trials', o.trials);
  const minutes = o.minutes === undefined ? undefined : positiveNumber('--minutes', o.minutes);
  const threads = positiveInteger('--threads', o.threads);
  const seed = positiveInteger('--seed', o.seed);
  const batchSize = o.batch === undefined ? undefined : positiveInteger('--batch', o.batch);
  const warmupBatch = o.warmup === undefined ? undefined : positiveInteger('--warmup', o.warmup);
  const sizes: Record<string, number> = {};
  for (const [name, value] of pairs('--size', o.size)) sizes[name] = positiveInteger(`--size ${name}`, value);
  const path = resolve(io.cwd, modelPath);
  if (!existsSync(path)) throw new CliError(`${modelPath}: no such model file`);
  const recordsPath = resolve(io.cwd, o.records);
  const plotPath = resolve(io.cwd, o.plot ?? `${recordsPath.replace(/\.jsonl?$/, '')}.svg`);
  const db = await TuningDatabase.open(recordsPath);
  for (const w of db.warnings) io.err(`warning: ${w}\n`);

  const bars = new MultiBar({
    format: '{name} [{bar}] {value} trials | best {best} ms',
    stream: barStream(io), noTTYOutput: true, notTTYSchedule: 10000, hideCursor: true, clearOnComplete: false,
  }, Presets.shades_classic);
  let overall: SingleBar | undefined;
  const taskBars: SingleBar[] = [];
  let result;
  try {
    result = await tuneModel(path, {
      trials, threads, records: db, seed, costModel: o.costModel, transfer: o.transfer,
      ...(minutes !== undefined ? { minutes } : {}), ...(batchSize !== undefined ? { batchSize } : {}), ...(warmupBatch !== undefined ? { warmupBatch } : {}), ...(Object.keys(sizes).length ? { sizes } : {}),
      onTasks: (tasks) => {
        // Wide enough for `12 Conv+Relu 1x128x27x27 (pointwise) x2`.
        overall = bars.create(trials, 0, { name: `all ${tasks.length} tasks`.padEnd(44), best: '-' });
        for (const [i, t] of tasks.entries()) taskBars.push(bars.create(trials, 0, { name: `${i} ${t.name} x${t.weight}`.slice(0, 44).padEnd(44), best: '-' }));
      },
      onProgress: (p) => {
        taskBars[p.task]?.update(p.taskTrials, { best: ms(p.taskBestSeconds) });
        overall?.update(p.trials, { best: `${ms(p.estimatedSeconds)} (kernels, estimated)` });
      },
    });
  } finally {
    bars.stop();
  }
  io.out(`${tasksTable(result.tasks, {
    'op ms': (t) => ms(t.baselineSeconds),
    'best ms': (t) => ms(t.bestSeconds),
    speedup: (t) => { const x = t; return x.baselineSeconds && x.bestSeconds ? `${(x.baselineSeconds / x.bestSeconds).toFixed(2)}x` : '-'; },
    trials: (t) => String(t.trials),
    'to best': (t) => String(t.trialsToBest ?? '-'),
    seeds: (t) => String(t.seeds),
    note: (t) => t.error ?? '',
  })}\n`);
  io.out(`${result.trials} trials in ${result.rounds} rounds, ${result.elapsedSeconds.toFixed(0)} s (stopped by ${result.stoppedBy}); ${result.tasks.filter((t) => t.seeds > 0).length} tasks seeded by transfer\n`);
  io.out(`kernels (weight x seconds, estimated): ${ms(result.estimated.baselineSeconds)} ms with the op schedules, ${ms(result.estimated.tunedSeconds)} ms tuned\n`);
  const at = (share: number) => result.curve.find((c) => c.trials >= share * result.trials);
  const marks = [0.1, 0.5, 1].flatMap((share) => { const c = at(share); return c ? [`${ms(c.estimatedSeconds)} ms after ${c.trials} trials (${share * 100}%)`] : []; });
  if (marks.length) io.out(`kernels estimated along the run: ${marks.join(', ')}\n`);
  if (result.inModel?.length) {
    const lost = result.inModel.filter((v) => v.kept === 'op schedule');
    io.out(`in-model check: ${result.inModel.length - lost.length} of ${result.inModel.length} tuned tasks kept${lost.length ? `; the op schedule declared for ${lost.map((v) => `${v.name} (${v.untunedMs.toFixed(2)} ms, tuned ${v.tunedMs.toFixed(2)} ms in the model)`).join(', ')}` : ''}\n`);
  }
  if (result.latency) {
    const l = result.latency;
    const x = (seconds: number) => `${(l.untunedSeconds / seconds).toFixed(2)}x`;
    io.out(`model latency (median of ${l.rounds}, side by side): ${ms(l.untunedSeconds)} ms untuned, ${ms(l.tunedSeconds)} ms with the records (${x(l.tunedSeconds)})\n`);
    if (l.along.length) io.out(`model latency along the run (same rounds): ${[...l.along.map((p) => `${ms(p.seconds)} ms after ${p.trials} trials (${p.share * 100}%, ${x(p.seconds)}, ${p.tunedKernels} kernels tuned)`), `${ms(l.tunedSeconds)} ms after ${result.trials} (100%, in-model check applied)`].join(', ')}\n`);
  }
  const points = result.curve.map((c) => ({ trial: c.trials, value: 1 / c.estimatedSeconds, best: 1 / c.estimatedSeconds }));
  writeFileAtomic(plotPath, tuningCurveSvg(points, { title: `tessera tune ${modelPath} (wasm-simd, ${threads} thread${threads > 1 ? 's' : ''})`, unit: 'inferences/s (kernels, estimated)' }));
  io.out(`records: ${recordsPath}\nplot: ${plotPath}\n`);
}
