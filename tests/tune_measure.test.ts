/**
 * The measurer under faults: candidates that trap, never end, give a wrong result or ask for too much
 * memory (planted by tests/helpers/faulty_builder.ts, compiled by the real code generator), traces the
 * schedule refuses, and a real schedule that needs more memory than the limit, all in one batch with
 * good candidates: each gets its class, the batch completes, the good ones are timed, and the records
 * file keeps every class. Also: the build timeout, interleaved re-measurement, threads, and checking
 * candidates against another definition (checkAgainst).
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Measurer, type MeasureResult } from '../autotune/measure.js';
import { WorkerBuilder } from '../autotune/builder.js';
import { workloadOf, definitionAxes } from '../autotune/workload.js';
import { wasmTarget } from '../autotune/target.js';
import { TuningDatabase } from '../autotune/database.js';
import { Schedule } from '../schedule/schedule.js';
import { placeholder, compute, pipeline } from '../dsl/index.js';
import type { Term } from '../dsl/term.js';
import type { Instruction } from '../schedule/instruction.js';
import { blurF32 } from './helpers/pipelines.js';
import { parallelBlurSchedule } from './helpers/schedules.js';
import { FaultyBuilder, type Fault } from './helpers/faulty_builder.js';

const tp = blurF32(128, 256);
const workload = workloadOf(tp.pipeline, tp.sizes, 'blur_f32');

/** A tiled schedule (blur_x per tile): a good candidate; the factors make each trace distinct. */
function tiled(fy: number, fx: number): Instruction[] {
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').tile('y', 'x', fy, fx);
  sch.stage('blur_y').vectorize('xi', 4);
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  return [...sch.trace];
}

/** Six pages: the tiled schedules fit (about 330 KB), the default one, with blur_x whole at root (about 460 KB), does not. */
const MEMORY_LIMIT = 6 * 65536;

test('every candidate of a batch gets its class (trap, timeout, wrong, oom, invalid), the batch completes, and the records keep them', async (t) => {
  const faults = new Map<string, Fault>([
    [JSON.stringify(tiled(4, 16)), 'trap'],
    [JSON.stringify(tiled(4, 32)), 'hang'],
    [JSON.stringify(tiled(8, 16)), 'wrong'],
    [JSON.stringify(tiled(8, 32)), 'oom'],
    [JSON.stringify(tiled(16, 16)), 'hidden-oom'],
  ]);
  const batch: { what: string; trace: Instruction[]; want: MeasureResult['status'] }[] = [
    { what: 'a good tiled schedule', trace: tiled(2, 16), want: 'ok' },
    { what: 'a kernel that traps', trace: tiled(4, 16), want: 'trap' },
    { what: 'a kernel that never ends', trace: tiled(4, 32), want: 'timeout' },
    { what: 'a kernel that writes a wrong value', trace: tiled(8, 16), want: 'wrong' },
    { what: 'a kernel that asks for 1 GiB of stack', trace: tiled(8, 32), want: 'oom' },
    { what: 'a kernel whose memory.grow fails at run time', trace: tiled(16, 16), want: 'oom' },
    { what: 'the default schedule, over the memory limit', trace: [], want: 'oom' },
    { what: 'a trace the schedule refuses', trace: [{ op: 'split', stage: 'blur_y', axis: 'nope', factor: 4, outer: 'a', inner: 'b', tail: 'auto' }], want: 'invalid' },
    { what: 'a good parallel-marked schedule after all that', trace: [...parallelBlurSchedule(tp.pipeline).trace], want: 'ok' },
  ];
  const m = await Measurer.create(workload, wasmTarget({ fma: 'none' }), {
    builders: 1, runTimeoutMs: 3000, memoryLimitBytes: MEMORY_LIMIT, minRepeatMs: 5, repeats: 3,
    builder: async (w, build, pool) => new FaultyBuilder(await WorkerBuilder.create(w.spec, build, pool), w, build, faults),
  });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-measure-'));
  try {
    t.is(m.referenceMethod, 'evaluator', 'a workload this small is checked against the reference evaluator');
    const results = await m.measure(batch.map((b) => b.trace));
    const db = await TuningDatabase.open(join(dir, 'records.jsonl'));
    for (const [i, b] of batch.entries()) {
      const r = results[i]!;
      t.is(r.status, b.want, `${b.what}: ${JSON.stringify(r)}`);
      if (r.status === 'ok') {
        t.true(r.seconds! > 0 && r.repeats === 3 && r.inner! >= 1, `${b.what}: timed (${JSON.stringify(r)})`);
      } else {
        t.truthy(r.error, `${b.what}: the failure says what happened`);
      }
      await db.append({ workload: workload.key, workloadName: workload.name, axes: definitionAxes(workload.spec), target: m.target, trace: b.trace, ...(r.loweredHash ? { loweredHash: r.loweredHash } : {}), result: r });
    }
    t.regex(results[1]!.error!, /trapped|out of bounds/);
    t.regex(results[3]!.error!, /blur_y\(0, 0\) is 12345, the reference's is/);
    t.regex(results[4]!.error!, /more than the limit of 393216/);
    t.regex(results[6]!.error!, /more than the limit of 393216/);
    t.is(results[7]!.code, 'no-such-loop', 'a refused trace carries the ScheduleError code');
    const again = await m.measure([tiled(2, 16)]);
    t.is(again[0]!.status, 'ok', 'the measurer still works');
    const reread = await TuningDatabase.open(join(dir, 'records.jsonl'));
    t.deepEqual(reread.warnings, []);
    t.deepEqual(reread.records(workload.key, m.target).map((r) => r.result.status), batch.map((b) => b.want), 'the records file keeps every class');
  } finally {
    await m.close();
  }
});

test('a build over the compile timeout is classed compile-timeout, and the pool goes on with a fresh worker', async (t) => {
  const b = await WorkerBuilder.create(workload.spec, { kind: 'wasm-simd', threads: 1, fma: 'none' }, { workers: 1, compileTimeoutMs: 1 });
  try {
    const out = await b.build([tiled(2, 16), tiled(4, 16)]);
    t.deepEqual(out.map((o) => o.status), ['compile-timeout', 'compile-timeout']);
    t.regex((out[0] as { error: string }).error, /longer than 1 ms; the build worker was killed/);
  } finally {
    await b.close();
  }
});

test('remeasure times candidates again in interleaved rounds; a failing one keeps its class', async (t) => {
  const m = await Measurer.create(workload, wasmTarget({ fma: 'none' }), { builders: 1, minRepeatMs: 5, repeats: 3, memoryLimitBytes: MEMORY_LIMIT });
  try {
    const rs = await m.remeasure([tiled(2, 16), [], tiled(4, 8)], 4);
    t.deepEqual(rs.map((r) => r.status), ['ok', 'oom', 'ok']);
    for (const r of [rs[0]!, rs[2]!]) t.true(r.repeats === 4 && r.seconds! > 0, JSON.stringify(r));
    await t.throwsAsync(m.remeasure([tiled(2, 16)], 0), { instanceOf: RangeError });
  } finally {
    await m.close();
  }
});

test('early stop: with a cutoff below its time a candidate is timed once (cut), above it in full; a bad cutoff is refused', async (t) => {
  const m = await Measurer.create(workload, wasmTarget({ fma: 'none' }), { builders: 1, minRepeatMs: 5, repeats: 3, memoryLimitBytes: MEMORY_LIMIT });
  try {
    const [full] = await m.measure([tiled(2, 16)]);
    t.true(full!.status === 'ok' && full!.repeats === 3 && full!.cut === undefined, JSON.stringify(full));
    const [cut] = await m.measure([tiled(4, 16)], { cutoffSeconds: full!.seconds! / 1000 });
    t.true(cut!.status === 'ok' && cut!.repeats === 1 && cut!.cut === true && cut!.seconds! > 0, JSON.stringify(cut));
    const [kept] = await m.measure([tiled(4, 8)], { cutoffSeconds: full!.seconds! * 1000 });
    t.true(kept!.status === 'ok' && kept!.repeats === 3 && kept!.cut === undefined, JSON.stringify(kept));
    await t.throwsAsync(m.measure([tiled(2, 16)], { cutoffSeconds: 0 }), { instanceOf: RangeError, message: /cutoffSeconds must be positive/ });
  } finally {
    await m.close();
  }
});

test('with threads: 2 the runner runs parallel loops on a thread pool, and checks their output against the default schedule\'s', async (t) => {
  const target = wasmTarget({ fma: 'none', threads: 2 });
  t.deepEqual(target.features, ['simd128', 'threads']);
  const faults = new Map<string, Fault>([[JSON.stringify(tiled(8, 16)), 'wrong']]);
  const m = await Measurer.create(workload, target, {
    builders: 1, minRepeatMs: 5, repeats: 3, reference: 'default-schedule',
    builder: async (w, build, pool) => new FaultyBuilder(await WorkerBuilder.create(w.spec, build, pool), w, build, faults),
  });
  try {
    t.is(m.referenceMethod, 'default-schedule');
    const rs = await m.measure([[...parallelBlurSchedule(tp.pipeline).trace], tiled(8, 16)]);
    t.is(rs[0]!.status, 'ok', JSON.stringify(rs[0]));
    t.is(rs[1]!.status, 'wrong', 'checked against the default schedule\'s outputs');
  } finally {
    await m.close();
  }
});

test('under --experimental-wasm-relaxed-simd the isolated runner has relaxed SIMD too: FMA candidates run, they are not refused as traps', (t) => {
  const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', 'tests/helpers/relaxed_tune.ts'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 120_000 });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { statuses: Record<string, number>; features: string[] };
  t.true(r.features.includes('relaxed-simd'), JSON.stringify(r));
  t.deepEqual(r.statuses, { ok: 4 });
});

test('checkAgainst: candidates must reproduce another definition\'s outputs (ok results say which), a different one is wrong, another interface is refused', async (t) => {
  const define = (f: (x: Term) => Term, shape = [64, 32]) => {
    const input = placeholder('x', shape, 'f32');
    return workloadOf(pipeline(compute('y', shape, (i, j) => f(input.at(i, j)))), {}, 'y');
  };
  const doubled = define((v) => v.mul(2)), summed = define((v) => v.add(v)), tripled = define((v) => v.mul(3));
  // Both ways of taking the reference: the evaluator (small workloads) and the other definition's default schedule.
  for (const reference of ['evaluator', 'default-schedule'] as const) {
    const same = await Measurer.create(doubled, wasmTarget({ fma: 'none' }), { builders: 1, minRepeatMs: 2, repeats: 2, reference, checkAgainst: summed });
    try {
      const [r] = await same.measure([[]]);
      t.is(r!.status, 'ok', reference);
      t.is(r!.checkedAgainst, summed.key);
    } finally {
      await same.close();
    }
    const other = await Measurer.create(doubled, wasmTarget({ fma: 'none' }), { builders: 1, minRepeatMs: 2, repeats: 2, reference, checkAgainst: tripled });
    try {
      const [r] = await other.measure([[]]);
      t.is(r!.status, 'wrong', reference);
      t.is(r!.checkedAgainst, undefined);
    } finally {
      await other.close();
    }
  }
  await t.throwsAsync(Measurer.create(doubled, wasmTarget({ fma: 'none' }), { builders: 1, checkAgainst: define((v) => v, [64, 33]) }), { name: 'RangeError', message: /checkAgainst: the reference y has inputs x:f32\[64,33\]/ });
});

test('constantInputs: stages that read only the weights run once before the timing (their output then feeds every call), on 1 and 2 threads', async (t) => {
  // y(i, j) = x(i, j) * wt(j) with wt = 2 w + 1 a stage of the weights alone, computed at root.
  const x = placeholder('x', [64, 32], 'f32'), w = placeholder('w', [32], 'f32');
  const wt = compute('wt', [32], (j) => w.at(j).mul(2).add(1));
  const weighted = workloadOf(pipeline(compute('y', [64, 32], (i, j) => x.at(i, j).mul(wt.at(j)))), {}, 'weighted');
  const atRoot = (parallel: boolean): Instruction[] => {
    const sch = new Schedule(weighted.pipeline);
    sch.stage('wt').computeRoot();
    if (parallel) sch.stage('wt').parallel('j');
    return [...sch.trace];
  };
  for (const threads of [1, 2]) {
    const m = await Measurer.create(weighted, wasmTarget({ threads, fma: 'none' }), { builders: 1, minRepeatMs: 2, repeats: 2, constantInputs: ['w'] });
    try {
      // Checked against the evaluator: a kernel that read wt before the prepare kernel wrote it would be wrong.
      const rs = await m.measure([atRoot(false), atRoot(threads > 1), []]);
      for (const r of rs) t.is(r.status, 'ok', `${threads} thread(s): ${r.error ?? ''}`);
    } finally {
      await m.close();
    }
  }
  await t.throwsAsync(Measurer.create(weighted, wasmTarget({ fma: 'none' }), { builders: 1, constantInputs: ['w', 'bias'] }), { name: 'RangeError', message: /constantInputs: bias is not an input of weighted \(its inputs: x, w\)|constantInputs: bias is not an input of weighted \(its inputs: w, x\)/ });
});
