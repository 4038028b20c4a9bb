/**
 * An op's implementations chosen per kernel by measurement (ops/op.ts OpEntry.implementations,
 * model/kernel_records.ts kernelChoice): a Conv's algorithms that apply to a layer, each a task of
 * its own (alternatives of one choice), the compiled model taking the one whose record is fastest
 * (outputs against onnxruntime-node), the in-model check judging an alternative against the
 * default's op schedule, an approximate alternative (Winograd) checked against the default's outputs
 * and taken only from records so checked, and the task scheduler counting alternatives once.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conv } from '../ops/conv.js';
import { extractTasks, type ModelTask } from '../model/tasks.js';
import { compileOnnx } from '../model/compile_onnx.js';
import { modelKernelTarget } from '../model/kernel_records.js';
import { seededFeeds } from '../model/latency.js';
import { checkInModel } from '../model/in_model_check.js';
import { TuningDatabase } from '../autotune/database.js';
import { Measurer, type MeasureResult } from '../autotune/measure.js';
import { TaskScheduler } from '../autotune/task_scheduler.js';
import { definitionAxes } from '../autotune/workload.js';
import { attr, nodeContext, type NodeCase } from './helpers/onnx_node.js';
import { tinyConvModel } from './helpers/tiny_model.js';
import { assertOutputsClose, ortRun } from './helpers/ort_model.js';

const conv = (x: number[], w: number[], attrs: NodeCase['attrs'] = {}): NodeCase =>
  ({ op: 'Conv', opset: 11, attrs, inputs: [{ dtype: 'f32', shape: x }, { dtype: 'f32', shape: w, initializer: true }] });

test('Conv implementations: the specific algorithms that apply, the default first; none listed when one applies', (t) => {
  const names = (c: NodeCase) => Conv.implementations!(nodeContext(c));
  t.deepEqual(names(conv([1, 8, 8, 8], [8, 8, 1, 1])), ['pointwise', 'channels']);
  t.deepEqual(names(conv([1, 8, 11, 11], [8, 8, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), ['channels', 'rows', 'winograd', 'winograd-4x4']);
  t.deepEqual(names(conv([1, 8, 13, 13], [8, 8, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), ['rows', 'winograd', 'winograd-4x4'], '13 wide: rows (channels would compute 16), and Winograd');
  t.deepEqual(names(conv([1, 4, 9, 18], [6, 4, 3, 3], { pads: attr.ints([1, 0, 1, 0]) })), ['direct', 'winograd', 'winograd-4x4'], 'direct, and Winograd');
  t.deepEqual(names(conv([1, 4, 9, 18], [6, 4, 3, 3], { strides: attr.ints([2, 2]) })), [], 'stride 2: direct alone');
  t.deepEqual(names(conv([1, 3, 9, 18], [6, 3, 3, 3], { pads: attr.ints([1, 0, 1, 0]) })), ['im2col', 'winograd', 'winograd-4x4'], '27 taps: im2col, and Winograd');
  t.deepEqual(names(conv([1, 3, 9, 18], [6, 3, 3, 3], { strides: attr.ints([2, 2]) })), [], 'stride 2, 27 taps: im2col alone');
  t.true(Conv.approximates!('winograd'));
  t.false(Conv.approximates!('channels'));
  // An implementation that does not compute the layer is refused by name.
  const ctx = { ...nodeContext(conv([1, 8, 13, 13], [8, 8, 3, 3], { pads: attr.ints([1, 1, 1, 1]) })), implementation: 'pointwise' };
  t.throws(() => Conv.schedule(undefined as never, undefined as never, ctx), { name: 'OpError', message: /conv algorithm 'pointwise' does not compute this layer; these do: rows, winograd, winograd-4x4/ });
});

const tempFile = (name: string) => join(mkdtempSync(join(tmpdir(), 'tessera-impl-')), name);

/** The tiny model's tasks: the 1x1 kernels' two implementations are alternatives of one choice. */
function alternatives(tasks: readonly ModelTask[]): { pointwise: ModelTask; channels: ModelTask } {
  const pointwise = tasks.find((x) => x.implementation === 'pointwise')!;
  const channels = tasks.find((x) => x.implementation === 'channels' && x.choice === pointwise.key)!;
  return { pointwise, channels };
}

/** Records of every task's op schedule, each claiming `seconds(task)`. */
async function baselineRecords(path: string, tasks: readonly ModelTask[], seconds: (t: ModelTask) => number): Promise<TuningDatabase> {
  const db = await TuningDatabase.open(path);
  const target = modelKernelTarget(1);
  for (const task of tasks) {
    await db.append({ workload: task.key, workloadName: task.name, axes: definitionAxes(task.workload.spec), target, trace: task.baseline, result: { status: 'ok', seconds: seconds(task), spread: 0, repeats: 1, inner: 1 } });
  }
  return db;
}

test('tasks: a kernel with two implementations is two tasks of one choice, keyed by the default', (t) => {
  const { tasks } = extractTasks(tinyConvModel(8));
  const { pointwise, channels } = alternatives(tasks);
  t.is(pointwise.choice, pointwise.key, 'the default is its own choice');
  t.is(channels.choice, pointwise.key);
  t.not(channels.key, pointwise.key, 'another definition, another workload');
  t.deepEqual(channels.kernels, pointwise.kernels);
  t.is(channels.weight, 2);
  t.regex(channels.name, /\(channels\)$/);
  t.deepEqual(tasks.filter((x) => x.key !== x.choice).map((x) => x.implementation).sort(), ['channels', 'winograd', 'winograd-4x4'], 'the 3x3 layer (8 wide): channels, and Winograd as its alternative');
});

test('the compiled model takes the implementation whose record is fastest; its outputs match onnxruntime', async (t) => {
  const bytes = tinyConvModel(8);
  const { tasks } = extractTasks(bytes);
  const { channels } = alternatives(tasks);
  for (const faster of ['channels', 'pointwise'] as const) {
    const db = await baselineRecords(tempFile('r.jsonl'), tasks, (x) => (x.implementation === faster ? 1e-6 : 2e-6));
    const m = await compileOnnx(bytes, { records: db });
    try {
      const oneByOne = m.tuned.filter((k) => channels.kernels.some((nodes) => nodes.every((n) => k.nodes.includes(n))));
      t.is(oneByOne.length, 2);
      for (const k of oneByOne) t.is(k.implementation, faster);
      t.true(m.notes.some((n) => n.includes(`implementation ${faster}`)));
      const feeds = seededFeeds(m, 2);
      assertOutputsClose(t, await m.run(feeds), await ortRun(bytes, feeds), 1e-4, 1e-4, `1x1 layers as ${faster}`);
    } finally { await m.dispose(); }
  }
});

test('the in-model check declares an alternative and the default at their in-model times; the model takes the faster', async (t) => {
  const bytes = tinyConvModel(8);
  const { tasks } = extractTasks(bytes);
  const { pointwise, channels } = alternatives(tasks);
  const db = await baselineRecords(tempFile('r.jsonl'), tasks, (x) => (x === channels ? 1e-9 : 1e-3));
  const target = modelKernelTarget(1);
  const untuned = await compileOnnx(bytes);
  const tuned = await compileOnnx(bytes, { records: db });
  try {
    const verdicts = await checkInModel(untuned, tuned, tasks, db, target, { rounds: 2, runs: 1, margin: 1e9 });
    const v = verdicts.find((x) => tasks[x.task] === channels)!;
    t.truthy(v, 'the alternative took the 1x1 kernels and was judged');
    const declared = (task: ModelTask) => db.records(task.key, target).filter((r) => r.declared && r.result.method === 'in-model').at(-1)!;
    t.true(Math.abs(declared(pointwise).result.seconds! * 2e3 - v.untunedMs) < 1e-9, 'the default at its in-model time');
    t.true(Math.abs(declared(channels).result.seconds! * 2e3 - v.tunedMs) < 1e-9, 'the alternative at its in-model time');
    t.deepEqual(declared(pointwise).trace, pointwise.baseline);
    t.is(v.kept, v.tunedMs < v.untunedMs ? 'tuned' : 'op schedule', 'no margin between implementations');
    const again = await compileOnnx(bytes, { records: db });
    try {
      const k = again.tuned.find((x) => channels.kernels.some((nodes) => nodes.every((n) => x.nodes.includes(n))))!;
      t.is(k.implementation, v.kept === 'tuned' ? 'channels' : 'pointwise');
    } finally { await again.dispose(); }
  } finally {
    await untuned.dispose();
    await tuned.dispose();
  }
});

test('Winograd: an alternative checked against the default\'s outputs when tuned; the model takes it only from records so checked', async (t) => {
  const bytes = tinyConvModel(8);
  const { tasks } = extractTasks(bytes);
  const winograd = tasks.find((x) => x.implementation === 'winograd')!;
  t.is(winograd.checkAgainst?.key, winograd.choice, 'checked against the default implementation');
  const f4 = tasks.find((x) => x.implementation === 'winograd-4x4')!;
  t.is(f4.checkAgainst?.key, winograd.choice, 'F(4x4) too');
  t.true(tasks.filter((x) => x !== winograd && x !== f4).every((x) => x.checkAgainst === undefined), 'exact implementations check against themselves');
  // The real measurement: Winograd's op schedule passes the check against the direct sums, and says so.
  const target = modelKernelTarget(1);
  const m = await Measurer.create(winograd.workload, target, { builders: 1, minRepeatMs: 2, repeats: 2, checkAgainst: winograd.checkAgainst });
  let result: MeasureResult;
  try {
    [result] = await m.measure([winograd.baseline]) as [MeasureResult];
  } finally { await m.close(); }
  t.is(result.status, 'ok', result.error);
  t.is(result.checkedAgainst, winograd.choice);
  const take = async (checked: boolean) => {
    const db = await baselineRecords(tempFile('r.jsonl'), tasks.filter((x) => x !== winograd), () => 1e-3);
    await db.append({ workload: winograd.key, workloadName: winograd.name, axes: definitionAxes(winograd.workload.spec), target, trace: winograd.baseline, result: { ...result, seconds: 1e-9, ...(checked ? {} : { checkedAgainst: undefined }) } });
    return compileOnnx(bytes, { records: db });
  };
  const layer = (model: Awaited<ReturnType<typeof compileOnnx>>) => model.tuned.find((k) => winograd.kernels.some((nodes) => nodes.every((n) => k.nodes.includes(n))))!;
  const unchecked = await take(false);
  try {
    t.not(layer(unchecked).implementation, 'winograd', 'a faster record that was not checked against the direct sums is not taken');
  } finally { await unchecked.dispose(); }
  const checked = await take(true);
  try {
    t.is(layer(checked).implementation, 'winograd');
    const feeds = seededFeeds(checked, 3);
    assertOutputsClose(t, await checked.run(feeds), await ortRun(bytes, feeds), 1e-4, 1e-4, 'with the 3x3 layer as Winograd');
  } finally { await checked.dispose(); }
});

test('task scheduler: alternatives count once, by the fastest; one that cannot catch up is not given rounds', (t) => {
  const s = new TaskScheduler([
    { weight: 2, flops: 1e6, choice: 'a' }, { weight: 2, flops: 1e6, choice: 'a' }, { weight: 1, flops: 1e6, choice: 'b' },
  ], { epsilon: 0, alpha: 1 });
  t.is(s.next(), 0); s.record(0, 1e-3);
  t.is(s.next(), 1); s.record(1, 4e-3);
  t.is(s.next(), 2); s.record(2, 2e-3);
  t.is(s.estimatedSeconds(), 2 * 1e-3 + 2e-3, 'the slower alternative does not count');
  // alpha 1: the gradient is the recent improvement alone. Task 1 improves, but stays 2 ms behind task 0.
  s.record(1, 3e-3); s.record(0, 1e-3); s.record(2, 1.9e-3);
  const g = s.gradients();
  t.is(g[1], 0, `still above the fastest alternative after its expected drop: ${JSON.stringify(g)}`);
  t.true(g[2]! < 0);
  t.is(s.next(), 2);
  // Once it is the fastest, its own improvement counts in full.
  s.record(1, 0.5e-3);
  t.is(s.estimatedSeconds(), 2 * 0.5e-3 + 1.9e-3);
  t.true(s.gradients()[1]! < 0);
});
