/**
 * Per-model tuning on a tiny ONNX model (3x3 Conv+Relu, two 1x1 Conv+Relu of one shape, Add):
 * task extraction (dedup by workload, weights, FLOPs), records applied when the model compiles
 * (outputs against the untuned model and onnxruntime-node; records of another thread count or
 * engine are not applied), the task scheduler's allocation, tuneModel end to end with a tiny budget,
 * transfer seeding onto a second model of other shapes, and the CLI's usage errors.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extractTasks, tasksTable, type ModelTask } from '../model/tasks.js';
import { compileOnnx } from '../model/compile_onnx.js';
import { modelKernelTarget } from '../model/kernel_records.js';
import { tuneModel } from '../model/tune_model.js';
import { seededFeeds } from '../model/latency.js';
import { TuningDatabase, type TuningRecord } from '../autotune/database.js';
import { generateSpace, seededSampler } from '../autotune/space.js';
import { ruleTargetOf } from '../autotune/tune.js';
import { drawCandidate, inSpace, checkedSchedule } from '../autotune/candidate.js';
import { definitionAxes } from '../autotune/workload.js';
import { TaskScheduler } from '../autotune/task_scheduler.js';
import { adaptTile, stageRenaming, transferSeeds } from '../autotune/transfer.js';
import { tinyConvModel } from './helpers/tiny_model.js';
import { assertOutputsClose, ortRun } from './helpers/ort_model.js';
import { runCli } from './helpers/cli.js';
import { checkInModel } from '../model/in_model_check.js';

const FAST = { minRepeatMs: 5, repeats: 3, warmupMs: 5 };
const tempFile = (name: string) => join(mkdtempSync(join(tmpdir(), 'tessera-model-tune-')), name);

test('tasks: kernels deduplicated by workload, with weights, FLOPs and a table', async (t) => {
  const bytes = tinyConvModel(8);
  const { tasks } = extractTasks(bytes);
  // The 3x3 layer (channels, and Winograd F(2x2) and F(4x4)) and the 1x1 layers (pointwise, channels) have
  // several implementations (tests/model_implementations.test.ts): a task each.
  t.deepEqual(tasks.map((x) => [x.name, x.weight]), [['Conv+Relu 1x8x8x8 (channels)', 1], ['Conv+Relu 1x8x8x8 (winograd)', 1], ['Conv+Relu 1x8x8x8 (winograd-4x4)', 1], ['Conv+Relu 1x8x8x8 (pointwise)', 2], ['Conv+Relu 1x8x8x8 (channels)', 2], ['Add 1x8x8x8', 1]]);
  t.deepEqual(tasks[3]!.kernels.map((k) => [...k].sort()), [['n2', 'n3'], ['n4', 'n5']]);
  t.is(new Set(tasks.map((x) => x.key)).size, 6);
  // The weights (and the bias) are the model's: measured with their stages run once, as the model runs them.
  const inputNames = (task: ModelTask) => task.workload.pipeline.inputs.map((p) => p.name);
  t.deepEqual(tasks[0]!.constantInputs, inputNames(tasks[0]!).slice(1), 'the 3x3 layer: its weights and bias, not its input');
  t.deepEqual(tasks[3]!.constantInputs, inputNames(tasks[3]!).slice(1), 'the 1x1 layers: their weights');
  t.is(tasks[5]!.constantInputs, undefined, 'Add reads activations only');
  const m = await compileOnnx(bytes);
  t.is(tasks.filter((x) => x.key === x.choice).reduce((s, x) => s + x.weight, 0), m.kernelCount, 'every kernel of the model is in one default task');
  await m.dispose();
  // 3x3 conv: 8x8x8 outputs x 4x3x3 multiply-adds (2 operations each), then bias and Relu per
  // output, and the padding's bound comparisons per padded input element (4x10x10).
  const macs = 8 * 64 * 36;
  t.true(tasks[0]!.flops >= 2 * macs + 2 * 512 && tasks[0]!.flops <= 2 * macs + 2 * 512 + 16 * 400, `${tasks[0]!.flops}`);
  t.is(tasks[5]!.flops, 512, 'Add: one addition per element');
  // The same layer in another graph position (other node indices) is the same workload.
  t.is(extractTasks(tinyConvModel(8)).tasks[3]!.key, tasks[3]!.key);
  t.not(extractTasks(tinyConvModel(6)).tasks[3]!.key, tasks[3]!.key, 'other shapes, another workload');
  t.is(extractTasks(bytes, { threads: 2 }).tasks[0]!.key, tasks[0]!.key, 'the definition does not depend on threads (the records\' target class does)');
  const table = tasksTable(tasks);
  t.regex(table, /Conv\+Relu 1x8x8x8 \(pointwise\)\s+2\s+0\.01/);
  t.is(table.split('\n').length, 7);
});

/** A records file with one record per task: a schedule drawn from its space, claiming `seconds`. */
async function handRecords(path: string, bytes: Uint8Array, target = modelKernelTarget(1), seconds = 1e-9) {
  const db = await TuningDatabase.open(path);
  const { tasks } = extractTasks(bytes, { threads: target.threads });
  for (const [i, task] of tasks.entries()) {
    const space = generateSpace(task.workload.pipeline, {}, ruleTargetOf(target));
    const trace = drawCandidate(task.workload.pipeline, space, {}, seededSampler(10 + i))!;
    await db.append({ workload: task.key, workloadName: task.name, axes: definitionAxes(task.workload.spec), target, trace, result: { status: 'ok', seconds, spread: 0, repeats: 1, inner: 1 } });
  }
  return { db, tasks };
}

test('records applied at compile: each kernel takes its record, outputs match the untuned model and onnxruntime; other thread counts and engines are not applied', async (t) => {
  const bytes = tinyConvModel(8);
  const { db, tasks } = await handRecords(tempFile('r.jsonl'), bytes);
  const untuned = await compileOnnx(bytes);
  const tuned = await compileOnnx(bytes, { records: db });
  try {
    t.is(tuned.tuned.length, 4, 'all four kernels compiled from records');
    const ids = new Set(db.records().map((r) => r.id));
    for (const k of tuned.tuned) t.true(ids.has(k.record.id));
    t.true(tuned.notes.some((n) => /schedule from tuning record/.test(n)));
    t.is(untuned.tuned.length, 0);
    const feeds = seededFeeds(untuned, 3);
    const [a, b, want] = [await untuned.run(feeds), await tuned.run(feeds), await ortRun(bytes, feeds)];
    assertOutputsClose(t, b, a, 1e-5, 1e-5, 'tuned vs untuned');
    assertOutputsClose(t, b, want, 1e-4, 1e-4, 'tuned vs onnxruntime');
  } finally {
    await Promise.all([untuned.dispose(), tuned.dispose()]);
  }
  // A record of two threads, or of another engine major version, is not applied to a 1-thread model.
  const two = await handRecords(tempFile('r2.jsonl'), bytes, modelKernelTarget(2));
  const m2 = await compileOnnx(bytes, { records: two.db });
  t.is(m2.tuned.length, 0);
  await m2.dispose();
  const other = { ...modelKernelTarget(1), engineVersion: '99.0.0' };
  const three = await handRecords(tempFile('r3.jsonl'), bytes, other);
  const m3 = await compileOnnx(bytes, { records: three.db });
  t.is(m3.tuned.length, 0);
  await m3.dispose();
  // Two threads: the records of two threads apply, and the outputs still match.
  const m4 = await compileOnnx(bytes, { records: two.db, threads: 2 });
  try {
    t.is(m4.tuned.length, 4);
    const feeds = seededFeeds(m4, 4);
    assertOutputsClose(t, await m4.run(feeds), await ortRun(bytes, feeds), 1e-4, 1e-4, '2 threads');
  } finally { await m4.dispose(); }
  t.truthy(tasks.length);
  await t.throwsAsync(compileOnnx(bytes, { records: db, target: 'webgpu' }), { message: /records apply to the wasm-simd target/ });
});

test('task scheduler: a warm-up round each, then the task where weight x latency falls fastest; exhausted tasks are left', (t) => {
  const s = new TaskScheduler([{ weight: 1, flops: 1e6 }, { weight: 3, flops: 1e6 }, { weight: 1, flops: 1e6 }], { epsilon: 0 });
  t.is(s.next(), 0); s.record(0, 1e-3);
  t.is(s.next(), 1); s.record(1, 1e-3);
  t.is(s.next(), 2); s.record(2, 1e-3);
  // Equal latencies and FLOPs: the heaviest task gains most.
  t.is(s.next(), 1); s.record(1, 0.5e-3);
  const g = s.gradients();
  t.true(g[1]! < g[0]! && g[0]! === g[2]!, JSON.stringify(g));
  s.record(1, 0.5e-3, true);
  t.not(s.next(), 1, 'an exhausted task is never chosen');
  t.is(s.estimatedSeconds(), 1e-3 + 3 * 0.5e-3 + 1e-3);
  s.record(0, 1e-3, true); s.record(2, 1e-3, true);
  t.is(s.next(), undefined);
  t.throws(() => new TaskScheduler([]), { instanceOf: RangeError });
  t.throws(() => new TaskScheduler([{ weight: 0, flops: 1 }]), { message: /weight 0/ });
});

test('task scheduler: with every round timed, the gradient per second decides; a round of unknown length falls back to per round', (t) => {
  const warm = (secondsOf: (i: number) => number | undefined) => {
    const s = new TaskScheduler([{ weight: 1, flops: 1e6 }, { weight: 2, flops: 1e6 }], { epsilon: 0 });
    s.record(0, 1e-3, false, secondsOf(0));
    s.record(1, 1e-3, false, secondsOf(1));
    return s;
  };
  // Task 1 weighs twice as much (twice the gradient per round) but its rounds take 10x as long.
  t.is(warm(() => undefined).next(), 1, 'per round: the heavier task');
  t.is(warm((i) => (i === 0 ? 2 : 20)).next(), 0, 'per second: the cheaper rounds gain more per second');
  t.is(warm((i) => (i === 0 ? 2 : 3)).next(), 1, 'per second, rounds nearly alike: the heavier task');
  t.is(warm((i) => (i === 0 ? 2 : undefined)).next(), 1, 'a round without its seconds: per round for all');
  const s = warm((i) => (i === 0 ? 2 : 20));
  t.is(s.roundSeconds(1), 20);
  t.throws(() => s.record(0, 1e-3, false, 0), { instanceOf: RangeError, message: /seconds must be positive, got 0/ });
});

test('transfer across stage names: a Conv+Relu record seeds a Conv+Clip layer of other shapes (the same instructions on stages named after other ops); another structure does not', async (t) => {
  const { placeholder, compute, reduceAxis, sum, pipeline } = await import('../dsl/index.js');
  const layer = (k: number, c: number, hw: number, epilogue: 'relu' | 'clip' | undefined) => {
    const x = placeholder('x', [1, c, hw], 'f32'), w = placeholder('w', [k, c], 'f32');
    const rc = reduceAxis(c, 'rc');
    const acc = compute('conv0_acc', [1, k, hw], (n, m, p) => sum(w.at(m, rc).mul(x.at(n, rc, p)), rc), { axes: ['n', 'k', 'p'] });
    if (!epilogue) return pipeline(acc);
    const out = compute(epilogue === 'relu' ? 'relu1' : 'clip1', [1, k, hw], (n, m, p) => (epilogue === 'relu' ? acc.at(n, m, p).max(0) : acc.at(n, m, p).max(0).min(6)), { axes: ['n', 'k', 'p'] });
    return pipeline(out);
  };
  const target = ruleTargetOf(modelKernelTarget(1));
  const donorPipeline = layer(16, 8, 64, 'relu');
  const donorSpace = generateSpace(donorPipeline, {}, target);
  const donorTrace = drawCandidate(donorPipeline, donorSpace, {}, seededSampler(3))!;
  const p = layer(32, 16, 49, 'clip');
  const space = generateSpace(p, {}, target);
  t.false(inSpace(space, donorTrace), 'not a schedule of the new space as it stands: its stages have other names');
  const renamed = stageRenaming(space, donorTrace)!;
  t.truthy(renamed);
  t.is(renamed.renaming.get('relu1'), 'clip1');
  t.true(inSpace(space, renamed.trace));
  t.false(JSON.stringify(renamed.trace).includes('relu1'), 'every reference renamed, locations included');
  const record: TuningRecord = { version: 1, id: 'r1', tessera: 'test', time: '2026-12-03T00:00:00Z', workload: 'donor', workloadName: 'Conv+Relu', axes: {}, target: modelKernelTarget(1), trace: donorTrace, result: { status: 'ok' as const, seconds: 1e-3, spread: 0, repeats: 1, inner: 1 } };
  const seeds = transferSeeds(p, space, 'new', [record], seededSampler(1));
  t.is(seeds.length, 1);
  t.true('schedule' in checkedSchedule(p, space, seeds[0]!.trace, {}, seededSampler(2)), 'the seed replays and passes the checks');
  const other = layer(32, 16, 49, undefined);
  t.is(stageRenaming(generateSpace(other, {}, target), donorTrace), undefined, 'no epilogue stage: another structure');
  t.deepEqual(transferSeeds(other, generateSpace(other, {}, target), 'new', [record], seededSampler(1)), []);
});

test('adaptTile keeps the inner factors that divide the new extent', (t) => {
  t.deepEqual(adaptTile([2, 4, 8], 48, 8), [3, 2, 8]);
  t.deepEqual(adaptTile([1, 2, 4], 64, 4), [8, 2, 4]);
  t.deepEqual(adaptTile([5, 1, 3], 7, 8), [7, 1, 1]);
  t.is(adaptTile([2, 2], undefined, 4), undefined);
});

test('tuneModel end to end, then a second model of other shapes seeded by transfer; outputs with the records match onnxruntime', async (t) => {
  const path = tempFile('m.jsonl');
  const db = await TuningDatabase.open(path);
  const first = tinyConvModel(8);
  const progress: number[] = [];
  const r = await tuneModel(first, { trials: 18, batchSize: 4, warmupBatch: 2, records: db, measure: FAST, latencyRounds: 3, search: { populationSize: 12, generations: 1 }, onProgress: (p) => progress.push(p.trials) });
  t.is(r.tasks.length, 6);
  t.true(r.trials <= 18 && r.trials >= 6, `${r.trials}`);
  t.deepEqual(progress, r.curve.map((c) => c.trials));
  // The curve counts every kernel from the first round on (at its op schedule until measured): it never rises, and ends at the tuned estimate.
  t.true(r.curve.every((c, k) => k === 0 || c.estimatedSeconds <= r.curve[k - 1]!.estimatedSeconds), JSON.stringify(r.curve));
  // The first round was task 0's (a default): the other kernels count at their op schedules, task 0 at most at its own, at least at its final best.
  const t0 = r.tasks[0]!;
  t.is(t0.key, t0.choice);
  const floor = r.estimated.baselineSeconds - t0.weight * (t0.baselineSeconds! - t0.bestSeconds!);
  t.true(r.curve[0]!.estimatedSeconds <= r.estimated.baselineSeconds + 1e-12 && r.curve[0]!.estimatedSeconds >= floor - 1e-12, `${r.curve[0]!.estimatedSeconds} against ${floor}..${r.estimated.baselineSeconds}`);
  t.true(Math.abs(r.curve.at(-1)!.estimatedSeconds - r.estimated.tunedSeconds) <= 1e-12, `${r.curve.at(-1)!.estimatedSeconds} against ${r.estimated.tunedSeconds}`);
  // The warm-up: a round of at most warmupBatch candidates per task; the rounds after it, batchSize.
  const perRound = progress.map((n, k) => n - (progress[k - 1] ?? 0));
  t.true(perRound.slice(0, 6).every((n) => n <= 2), JSON.stringify(perRound));
  t.true(perRound.slice(6).some((n) => n > 2), JSON.stringify(perRound));
  for (const task of r.tasks) {
    t.falsy(task.error, task.error);
    t.true(task.baselineSeconds! > 0, `${task.name}: the op schedule was measured`);
    t.true(task.bestSeconds! <= task.baselineSeconds!, 'the best includes the baseline');
    // The baseline is a record: best() never answers with something slower than it.
    t.true(db.records(task.key, r.target).some((x) => JSON.stringify(x.trace) === JSON.stringify(task.baseline)));
    // The in-model check declared the faster of the two in the model as the task's best.
    const verdict = r.inModel!.find((v) => r.tasks[v.task] === task);
    const best = db.best(task.key, r.target)!;
    if (verdict) {
      t.true(best.declared === true && best.result.method === 'in-model', JSON.stringify(best.result));
      // An alternative implementation is declared at its in-model time either way (the default beside it).
      if (verdict.kept === 'op schedule' && task.key === task.choice) t.deepEqual(best.trace, task.baseline);
      t.true(verdict.untunedMs > 0 && verdict.tunedMs > 0);
    } else if (!best.declared) {
      // (A default the check declared beside its alternative's verdict holds its in-model time.)
      t.true(best.result.seconds! <= task.baselineSeconds!);
    }
  }
  t.true(r.inModel!.length > 0, 'the tuned model took records, and the check judged them');
  t.true(r.estimated.tunedSeconds <= r.estimated.baselineSeconds);
  t.true(r.latency!.untunedSeconds > 0 && r.latency!.tunedSeconds > 0);
  // The latency after 10% and 50% of the trials: compiled from the records filed by then.
  const along = r.latency!.along;
  t.deepEqual(along.map((p) => p.share), [0.1, 0.5]);
  t.true(along[0]!.trials >= 0.1 * r.trials && along[0]!.trials < along[1]!.trials && along[1]!.trials < r.trials, JSON.stringify(along));
  t.true(along.every((p) => p.seconds > 0));
  const m = await compileOnnx(first, { records: db });
  t.true(along[0]!.tunedKernels <= along[1]!.tunedKernels && along[1]!.tunedKernels <= m.tuned.length);
  t.true(along[0]!.tunedKernels < m.tuned.length, `after one round of ${r.rounds}, fewer kernels had records: ${along[0]!.tunedKernels} of ${m.tuned.length}`);
  try {
    const feeds = seededFeeds(m, 5);
    assertOutputsClose(t, await m.run(feeds), await ortRun(first, feeds), 1e-4, 1e-4, 'tuned model');
  } finally { await m.dispose(); }

  // Transfer: the second model's 1x1 layer has the same stage structure at 6x6: it starts from the first's records.
  const second = tinyConvModel(6);
  const { tasks } = extractTasks(second);
  const target = modelKernelTarget(1);
  const task = tasks[3]!;
  const space = generateSpace(task.workload.pipeline, {}, ruleTargetOf(target));
  const donors = db.records(undefined, target).filter((x) => x.result.status === 'ok');
  const seeds = transferSeeds(task.workload.pipeline, space, task.key, donors, seededSampler(1));
  const inFirstSpace = donors.filter((x) => x.workload === r.tasks[3]!.key && inSpace(space, x.trace));
  t.true(inFirstSpace.length > 0, 'the first model\'s records of this layer are schedules of the new space');
  t.is(seeds.length, Math.min(2, inFirstSpace.length), 'the best two of the one similar workload');
  for (const s of seeds) {
    t.true(inSpace(space, s.trace));
    t.true('schedule' in checkedSchedule(task.workload.pipeline, space, s.trace, {}, seededSampler(2)), 'a seed replays and passes the checks');
  }
  const r2 = await tuneModel(second, { trials: 12, batchSize: 2, records: db, measure: FAST, latencyRounds: 0, search: { populationSize: 12, generations: 1 } });
  t.true(r2.tasks[3]!.seeds > 0, 'the 1x1 layer was seeded');
  // Its first round measured the seeds: their traces are among the records of the new workload.
  const measured = new Set(db.records(tasks[3]!.key, target).map((x) => JSON.stringify(x.trace)));
  t.true(seeds.some((s) => measured.has(JSON.stringify(s.trace))));
  const off = await tuneModel(second, { trials: 1, batchSize: 1, records: await TuningDatabase.open(path), measure: FAST, latencyRounds: 0, transfer: false, search: { populationSize: 8, generations: 1 } });
  t.true(off.tasks.every((x) => x.seeds === 0));
  // One trial gives one task a round; the others' op schedules come from the records resumed, so the estimate covers every task.
  t.true(off.tasks.filter((x) => x.rounds === 0).length > 0);
  t.true(off.tasks.every((x) => x.baselineSeconds! > 0), JSON.stringify(off.tasks.map((x) => x.baselineSeconds)));
  t.true(off.estimated.tunedSeconds <= off.estimated.baselineSeconds);
});

test('tessera tune MODEL.onnx: usage errors', async (t) => {
  const model = tempFile('tiny.onnx');
  writeFileSync(model, tinyConvModel(4));
  const records = tempFile('cli.jsonl');
  const err = async (args: string[]) => (await runCli(['tune', ...args])).err;
  t.regex(await err([model, '--records', records]), /--trials N is required/);
  t.regex(await err([model, '--trials', '4']), /--records FILE is required/);
  t.regex(await err([model, '--trials', '4', '--records', records, '--pipeline', 'x']), /--pipeline names a pipeline of a module/);
  t.regex(await err([model, '--trials', '4', '--records', records, '--target', 'webgpu']), /tuning a model for webgpu is not built yet/);
  t.regex(await err([model, '--trials', '0', '--records', records]), /--trials must be a positive integer/);
  t.regex(await err([model, '--trials', '4', '--records', records, '--batch', 'x']), /--batch must be a positive integer/);
  t.regex(await err([model, '--trials', '4', '--records', records, '--warmup', '0']), /--warmup must be a positive integer/);
  t.regex(await err(['examples/sgemm_pipeline.ts', '--trials', '4', '--records', records, '--warmup', '2']), /--warmup applies to a model/);
  t.regex(await err(['missing.onnx', '--trials', '4', '--records', records]), /missing\.onnx: no such model file/);
  t.regex(await err(['examples/sgemm_pipeline.ts', '--trials', '4', '--records', records, '--no-transfer']), /--no-transfer applies to a model/);
});

test('tessera profile --records: the kernels compiled from the records are marked tuned; a missing records file is a usage error', async (t) => {
  const bytes = tinyConvModel(8);
  const path = tempFile('tiny.onnx');
  writeFileSync(path, bytes);
  const records = join(dirname(path), 'r.jsonl');
  await handRecords(records, bytes);
  const r = await runCli(['profile', path, '--runs', '2', '--top', '10', '--records', records]);
  t.is(r.status, 0, r.err);
  t.regex(r.err, /4 kernels \(4 from tuning records\) on 1 thread/);
  const rows = r.out.trim().split('\n').slice(1, -1);
  t.is(rows.length, 4);
  t.true(rows.every((l) => / {2}tuned( \((pointwise|channels)\))?$/.test(l)), r.out);
  t.is(rows.filter((l) => / {2}tuned \(pointwise\)$/.test(l)).length, 2, 'the 1x1 kernels: their implementation named');
  const plain = await runCli(['profile', path, '--runs', '2']);
  t.is(plain.status, 0, plain.err);
  t.false(/tuned/.test(plain.out));
  const missing = await runCli(['profile', path, '--records', join(dirname(path), 'none.jsonl')]);
  t.is(missing.status, 1);
  t.regex(missing.err, /--records .*none\.jsonl: no such file/);
});

test('the in-model check declares, per task, the schedule that was faster in the model: the tuned record, or the op schedule', async (t) => {
  const bytes = tinyConvModel(8);
  for (const margin of [-1, 1e9]) {
    const { db, tasks } = await handRecords(tempFile('r.jsonl'), bytes);
    const target = modelKernelTarget(1);
    const untuned = await compileOnnx(bytes);
    const tuned = await compileOnnx(bytes, { records: db });
    try {
      const before = tasks.map((task) => db.best(task.key, target)!);
      const verdicts = await checkInModel(untuned, tuned, tasks, db, target, { rounds: 2, runs: 1, margin });
      // Equal records: the default implementation wins the tie (the alternatives: tests/model_implementations.test.ts).
      t.is(verdicts.length, tasks.filter((x) => x.key === x.choice).length, 'every default task took a record');
      for (const v of verdicts) {
        const task = tasks[v.task]!;
        t.true(v.untunedMs > 0 && v.tunedMs > 0);
        // margin -1: the tuned kernels always count as faster; 1e9: never (100 was not: one inference slowed
        // by a pause while a tiny kernel takes microseconds made the op schedule 101x slower in a CI run).
        t.is(v.kept, margin < 0 ? 'tuned' : 'op schedule');
        const best = db.best(task.key, target)!;
        t.true(best.declared === true && best.result.method === 'in-model');
        t.deepEqual(best.trace, margin < 0 ? before[v.task]!.trace : task.baseline);
        t.true(Math.abs(best.result.seconds! * 1e3 * task.weight - (margin < 0 ? v.tunedMs : v.untunedMs)) < 1e-9);
      }
      // Compiled again, the model takes the declared schedules and still matches onnxruntime.
      const again = await compileOnnx(bytes, { records: db });
      try {
        const feeds = seededFeeds(again, 4);
        assertOutputsClose(t, await again.run(feeds), await ortRun(bytes, feeds), 1e-4, 1e-4, `declared (margin ${margin})`);
      } finally { await again.dispose(); }
    } finally {
      await untuned.dispose();
      await tuned.dispose();
    }
  }
});
