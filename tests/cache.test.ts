/**
 * cache_read and cache_write: the copy stages they add change no result (checked against the
 * definition-level reference on both targets), they replay from the trace, print as code, and
 * refuse bad requests with messages that name the stage.
 */
import test, { type ExecutionContext } from 'ava';
import { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import { assertMatches, checkWith } from './helpers/compare.js';
import { type TestPipeline, matmul, blurU16, conv2d, threeStage } from './helpers/pipelines.js';
import { sgemmPipeline, sgemmSchedule } from '../examples/sgemm_pipeline.js';
import { compile } from '../tessera.js';

const check = checkWith;

test('cache_write of a reduction, computed per register tile of the output', (t) => {
  check(t, matmul(), (sch) => {
    const acc = sch.stage('C').cacheWrite();
    t.is(acc, 'C_local');
    sch.stage('C').tile('i', 'j', 2, 8);
    sch.stage('C').vectorize('ji');
    sch.stage(acc).computeAt('C', 'jo');
    sch.stage(acc).reorder('k', 'i', 'j');
    sch.stage(acc).vectorize('j');
    sch.stage(acc).unroll('i');
  });
});

test('cache_read of an input, packed per tile and vectorized', (t) => {
  check(t, matmul(), (sch) => {
    const copy = sch.cacheRead('B', ['C']);
    t.is(copy, 'B_cache');
    sch.stage('C').split('j', 8);
    sch.stage('C').reorder('jo', 'i');
    sch.stage(copy).computeAt('C', 'jo');
    sch.stage(copy).vectorize('ax1', 4, { tail: 'guard' });
  });
});

test('cache_read of an intermediate stage, and of a stage read by two readers', (t) => {
  check(t, blurU16(), (sch) => {
    const copy = sch.cacheRead('blur_x', ['blur_y'], { name: 'bx_tile' });
    sch.stage('blur_y').split('y', 4);
    sch.stage(copy).computeAt('blur_y', 'yo');
  });
  check(t, threeStage(), (sch) => { sch.cacheRead('input', sch.pipeline.stages.filter((s) => s.producers().some((p) => p.name === 'input')).map((s) => s.name)); });
});

test('cache_write and cache_read together: the SGEMM example schedule at sizes that are not tile multiples', (t) => {
  const p = sgemmPipeline();
  const f = compile(p, sgemmSchedule(p));
  const [m, n, k] = [37, 53, 29];
  const A = new Float32Array(m * k).map((_, i) => ((i * 7) % 13) - 6);
  const B = new Float32Array(k * n).map((_, i) => ((i * 5) % 11) - 5);
  const C = f({ A: { data: A, shape: [m, k] }, B: { data: B, shape: [k, n] } }).C!.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let kk = 0; kk < k; kk++) s += A[i * k + kk]! * B[kk * n + j]!;
      t.is(C[i * n + j], s, `C(${i}, ${j})`);
    }
  }
});

test('cache_write on conv with a boundary condition', (t) => {
  check(t, conv2d(), (sch) => {
    const acc = sch.stage('conv').cacheWrite();
    sch.stage(acc).computeAt('conv', 'y');
  });
});

test('cache instructions replay from JSON and print as code', (t) => {
  const tp = matmul();
  const sch = new Schedule(tp.pipeline);
  const acc = sch.stage('C').cacheWrite({ name: 'acc' });
  sch.cacheRead('A', [acc]);
  sch.stage('C').split('i', 4);
  sch.stage(acc).computeAt('C', 'io');
  const code = sch.toCode();
  t.true(code.includes('sch.stage("C").cacheWrite({ name: "acc" });'));
  t.true(code.includes('sch.cacheRead("A", ["acc"], { name: "A_cache" });'));
  const fresh = matmul();
  const replayed = Schedule.replay(fresh.pipeline, JSON.parse(JSON.stringify(sch.trace)));
  t.is(replayed.toCode(), code);
  assertMatches(t, fresh, replayed);
});

test('cache errors name the stage and the reason', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.cacheRead('Z', ['C']), { instanceOf: ScheduleError, message: /stage Z: cache_read: no input or stage of this name[\s\S]*legal alternatives: A, B, C/ });
  t.throws(() => sch.cacheRead('A', []), { instanceOf: ScheduleError, message: /cache_read needs at least one reader[\s\S]*legal alternatives: C/ });
  t.throws(() => sch.cacheRead('A', ['C'], { name: 'B' }), { instanceOf: ScheduleError, message: /cache_read: the name B is taken/ });
  const b = new Schedule(blurU16().pipeline);
  t.throws(() => b.cacheRead('input', ['blur_y']), { instanceOf: ScheduleError, message: /stage blur_y: cache_read\(input\): blur_y does not read input/ });
  b.stage('blur_x').computeInline();
  t.throws(() => b.stage('blur_x').cacheWrite(), { instanceOf: ScheduleError, message: /cache_write: the stage is computed inline/ });
  t.deepEqual(b.trace.map((i) => i.op), ['compute_inline'], 'refused requests are not recorded');
});
