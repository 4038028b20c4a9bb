/**
 * Measures what transfer saves on a model (bench/transfer_savings.ts): two tuning runs of the same
 * budget, one from nothing (an empty records file, no transfer) and one from a copy of another
 * model's records (transfer on), then the trials each needed to reach the first's final speedup.
 *
 *   node --import tsx --import ./scripts/binaryen_untransformed.mjs scripts/transfer_saved.ts MODEL.onnx \
 *     --donors SQUEEZENET.jsonl --records OUT.jsonl --trials N [--minutes M] [--threads T] [-o results/transfer.json]
 *
 * OUT.jsonl receives the donors and the seeded run's records (the model compiles from it); the run
 * from nothing writes OUT.without.jsonl. The seeded run ends with the in-model check and the latency
 * side by side (untuned, after 10% and 50%, tuned); the run from nothing with neither.
 * @throws Error for missing arguments, an OUT file that exists, or what tuneModel throws
 */
import { copyFileSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TuningDatabase } from '../autotune/database.js';
import { tuneModel, type TuneModelResult } from '../model/tune_model.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { transferSavings } from '../bench/transfer_savings.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { donors: { type: 'string' }, records: { type: 'string' }, trials: { type: 'string' }, minutes: { type: 'string' }, threads: { type: 'string', default: '1' }, o: { type: 'string', default: 'results/transfer.json' } },
});
const model = positionals[0];
if (!model || !values.donors || !values.records || !values.trials) throw new Error('transfer_saved: usage: MODEL.onnx --donors FILE.jsonl --records OUT.jsonl --trials N [--minutes M] [--threads T] [-o FILE.json]');
const withoutPath = values.records.replace(/\.jsonl?$/, '') + '.without.jsonl';
for (const p of [values.records, withoutPath]) if (existsSync(p)) throw new Error(`transfer_saved: ${p} exists; the runs start from the donors and from nothing`);
const trials = Number(values.trials), threads = Number(values.threads);
const minutes = values.minutes === undefined ? undefined : Number(values.minutes);

const progress = (label: string) => {
  let shown = -1;
  return (p: { trials: number; budget: number; estimatedSeconds: number; elapsedSeconds: number }) => {
    const tenth = Math.floor((minutes ? p.elapsedSeconds / 60 / minutes : p.trials / p.budget) * 10);
    if (tenth > shown) { shown = tenth; process.stderr.write(`${label}: ${p.trials} trials, ${p.elapsedSeconds.toFixed(0)} s, kernels ${(p.estimatedSeconds * 1e3).toFixed(2)} ms (estimated)\n`); }
  };
};
const run = async (label: string, path: string, seeded: boolean): Promise<TuneModelResult> => tuneModel(model, {
  trials, threads, records: await TuningDatabase.open(path), ...(minutes !== undefined ? { minutes } : {}),
  transfer: seeded, ...(seeded ? {} : { latencyRounds: 0, inModelRounds: 0 }), onProgress: progress(label),
});

const without = await run('from nothing', withoutPath, false);
copyFileSync(values.donors, values.records);
const seeded = await run('seeded', values.records, true);
const summary = (r: TuneModelResult) => ({
  trials: r.trials, elapsedSeconds: r.elapsedSeconds, stoppedBy: r.stoppedBy, estimated: r.estimated, curve: r.curve,
  tasks: r.tasks.length, seededTasks: r.tasks.filter((t) => t.seeds > 0).length, resumedTasks: r.tasks.filter((t) => t.resumedFrom > 0).length,
  ...(r.latency ? { latency: r.latency } : {}),
});
const savings = transferSavings({ curve: without.curve, baselineSeconds: without.estimated.baselineSeconds }, { curve: seeded.curve, baselineSeconds: seeded.estimated.baselineSeconds });
writeFileAtomic(values.o, `${JSON.stringify({ model, donors: values.donors, trials, minutes, threads, savings, without: summary(without), seeded: summary(seeded) }, null, 1)}\n`);
const x = (v: number) => `${v.toFixed(2)}x`;
console.log(`${model}, ${threads} thread(s), ${trials} trials${minutes ? ` or ${minutes} min` : ''} per run`);
console.log(`from nothing: ${without.trials} trials, ${x(savings.targetSpeedup)} over the op schedules (kernels, estimated), first reached after ${savings.trialsWithout} trials`);
console.log(`seeded by ${values.donors}: ${seeded.tasks.filter((t) => t.seeds > 0).length} of ${seeded.tasks.length} tasks seeded, ${seeded.tasks.filter((t) => t.resumedFrom > 0).length} resumed from records of the same workload; ${seeded.trials} trials`);
console.log(savings.trialsWith === undefined ? 'the seeded run never reached that speedup' : `the seeded run reached it after ${savings.trialsWith} trials: ${savings.trialsSaved} trials saved (${(100 * savings.trialsSaved! / savings.trialsWithout).toFixed(0)}%)`);
console.log(`speedup after 10% / 50% / 100% of the trials: from nothing ${savings.speedupAt.map((p) => x(p.without)).join(' / ')}, seeded ${savings.speedupAt.map((p) => x(p.with)).join(' / ')}`);
if (seeded.latency) console.log(`seeded run, model latency: ${(seeded.latency.untunedSeconds * 1e3).toFixed(2)} ms untuned, ${seeded.latency.along.map((p) => `${(p.seconds * 1e3).toFixed(2)} ms after ${p.trials} trials`).join(', ')}, ${(seeded.latency.tunedSeconds * 1e3).toFixed(2)} ms tuned`);
console.log(`written: ${values.o}`);
