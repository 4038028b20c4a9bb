/**
 * Parallel loops on a 2-thread pool: results equal the reference for the example schedules with
 * parallel loops, for parallel loops with intermediates computed inside them, reductions under them
 * and nested parallel loops, and for random schedules with parallel loops; a parallel loop with a
 * vector tail is partitioned like a serial one; chunked kernels (outermost loops called on chunks)
 * match the reference alone and on the pool; a race the schedule would create is refused.
 */
import test from 'ava';
import fc from 'fast-check';
import { compile } from '../tessera.js';
import { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import { ThreadPool } from '../runtime/thread_pool.js';
import { lower } from '../lower/lower.js';
import { walkStmt } from '../ir/stmt.js';
import { checkCompiled } from './helpers/compare.js';
import { type TestPipeline, blurU16, blurF32, matmul, conv2d, slidingMax, threeStage } from './helpers/pipelines.js';
import { movesArb, applyMoves, parallelBlurSchedule } from './helpers/schedules.js';

let pool: ThreadPool;
test.before(async () => { pool = await ThreadPool.create(2); });
test.after.always(async () => { await pool.close(); });

async function threaded(tp: TestPipeline, sch: Schedule): Promise<string | undefined> {
  const f = compile(tp.pipeline, sch);
  await f.kernel!.useThreadPool(pool);
  return checkCompiled(tp, f);
}

test('parallel outer loops with intermediates computed inside them', async (t) => {
  const tp = blurU16(40, 67);
  const sch = parallelBlurSchedule(tp.pipeline);
  t.is(await threaded(tp, sch), undefined);
});

test('a reduction under a parallel loop, and a parallel loop nested in another', async (t) => {
  const mm = matmul(23, 41, 9);
  const a = new Schedule(mm.pipeline);
  a.stage('C').split('i', 3, { tail: 'guard' });
  a.stage('C').parallel('io');
  a.stage('C').parallel('j');
  t.is(await threaded(mm, a), undefined);
  const conv = conv2d();
  const b = new Schedule(conv.pipeline);
  b.stage('conv').parallel('k');
  t.is(await threaded(conv, b), undefined);
});

test('a parallel loop over vector tiles with a tail is partitioned: its steady state parallel without the guard, the tail serial', async (t) => {
  const mm = matmul(23, 41, 9);
  const sch = new Schedule(mm.pipeline);
  sch.stage('C').reorder('j', 'i');
  sch.stage('C').split('j', 4, { outer: 'jo', inner: 'ji', tail: 'guard' });
  sch.stage('C').vectorize('ji');
  sch.stage('C').parallel('jo');
  const loops: { kind: string; guarded: boolean }[] = [];
  const top = lower(mm.pipeline, sch).func.body;
  walkStmt(top, (s) => {
    if (s.kind !== 'for' || !s.v.name.startsWith('C.jo')) return;
    let guarded = false;
    walkStmt(s.body, (x) => { if (x.kind === 'if') guarded = true; });
    loops.push({ kind: s.forKind, guarded });
  });
  t.deepEqual(loops, [{ kind: 'parallel', guarded: false }, { kind: 'serial', guarded: true }]);
  t.is(await threaded(mm, sch), undefined);
});

test('chunked: outermost loops become functions called on chunks of their iterations, with the same results', async (t) => {
  for (const make of [blurU16, matmul, threeStage]) {
    const tp = make();
    let chunkedKernels = 0;
    await fc.assert(fc.asyncProperty(movesArb({ maxMoves: 6 }), async (moves) => {
      const { sch } = applyMoves(tp.pipeline, moves, {});
      let f;
      try { f = compile(tp.pipeline, sch, { chunked: true }); } catch (e) { if (e instanceof ScheduleError) return; throw e; }
      if (/\(export "chunk_0"/.test(f.wasmText ?? '')) chunkedKernels++;
      const mismatch = checkCompiled(tp, f);
      if (mismatch) throw new Error(`${mismatch}\n${sch.toCode()}`);
    }), { numRuns: 15, seed: 5 });
    t.true(chunkedKernels > 10, `${tp.name}: ${chunkedKernels} of 15 kernels have a chunk function`);
  }
  const mm = matmul();
  const plain = compile(mm.pipeline, new Schedule(mm.pipeline));
  t.false(/chunk_0/.test(plain.wasmText ?? ''), 'not chunked by default');
});

test('a stage stored outside a parallel loop and computed inside it is refused', (t) => {
  const tp = blurF32(20, 40);
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').split('y', 4);          // yo, yi, x
  sch.stage('blur_y').parallel('yi');
  sch.stage('blur_x').computeAt('blur_y', 'x');
  sch.stage('blur_x').storeAt('blur_y', 'yo');   // one buffer for all the parallel yi iterations
  t.throws(() => compile(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_x, axis yi: blur_x is stored outside the parallel loop blur_y\.yi but computed inside it: its iterations would write one buffer at once; store it at or inside blur_y\.yi, or make that loop serial/,
  });
});

for (const make of [blurU16, matmul, slidingMax, threeStage]) {
  test(`property: random schedules with parallel loops on 2 threads match the reference (${make().name})`, async (t) => {
    const tp = make();
    let ran = 0;
    await fc.assert(fc.asyncProperty(movesArb({ maxMoves: 6 }), fc.nat(), async (moves, pick) => {
      const { sch } = applyMoves(tp.pipeline, moves, {});
      // Mark one random non-vectorized loop parallel.
      const stages = sch.stagesInOrder().filter((s) => s.computeAt.kind !== 'inline');
      const st = stages[pick % stages.length]!;
      const loops = st.loops.filter((l) => l.kind === 'serial' && !l.isReduction);
      if (loops.length) {
        try { sch.stage(st.name).parallel(loops[pick % loops.length]!.name); } catch (e) { if (!(e instanceof ScheduleError)) throw e; }
      }
      // Every other kernel chunked too: its outermost serial loops become functions called on chunks.
      let f;
      try { f = compile(tp.pipeline, sch, { chunked: pick % 2 === 0 }); } catch (e) { if (e instanceof ScheduleError) return; throw e; }
      await f.kernel!.useThreadPool(pool);
      let mismatch: string | undefined;
      try { mismatch = checkCompiled(tp, f); } catch (e) { if ((e as Error).name === 'KernelError') return; throw e; }
      ran++;
      if (mismatch) throw new Error(`${mismatch}\n${sch.toCode()}`);
    }), { numRuns: 25, seed: 3 });
    t.true(ran > 5, `only ${ran} schedules ran`);
  });
}
