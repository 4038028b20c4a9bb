/**
 * Fault injection into a whole tuning run: tune() on a small blur whose first proposed candidates are
 * built with a planted fault (a trap, an endless loop, a wrong value, a gigabyte of stack:
 * tests/helpers/faulty_builder.ts, compiled by the real code generator). The run completes its budget,
 * every faulty candidate is a record with its class, the best schedule is a good one and matches the
 * reference, and no faulty schedule is ever returned.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tune } from '../autotune/tune.js';
import { WorkerBuilder } from '../autotune/builder.js';
import { TuningDatabase } from '../autotune/database.js';
import type { MeasureStatus } from '../autotune/measure.js';
import type { Instruction } from '../schedule/instruction.js';
import { blurF32 } from './helpers/pipelines.js';
import { FaultyBuilder, type Fault } from './helpers/faulty_builder.js';
import { assertMatches } from './helpers/compare.js';

const PLANTED: readonly Fault[] = ['trap', 'hang', 'wrong', 'oom'];
const CLASS: Record<Fault, MeasureStatus> = { trap: 'trap', hang: 'timeout', wrong: 'wrong', oom: 'oom', 'hidden-oom': 'oom' };

test('tune() with candidates that trap, never end, compute a wrong value or ask for too much memory: the run completes, each is recorded with its class, the best is a good one', async (t) => {
  const tp = blurF32(64, 128);
  const faultOf = new Map<string, Fault>();
  const plant = (trace: readonly Instruction[]): Fault | undefined => {
    const key = JSON.stringify(trace);
    if (!faultOf.has(key) && faultOf.size < PLANTED.length && trace.length > 0) faultOf.set(key, PLANTED[faultOf.size]!);
    return faultOf.get(key);
  };
  const path = join(mkdtempSync(join(tmpdir(), 'tessera-tune-faults-')), 'records.jsonl');
  const db = await TuningDatabase.open(path);
  const r = await tune(tp.pipeline, tp.sizes, {
    trials: 12, records: db, seed: 5,
    measure: {
      minRepeatMs: 5, repeats: 3, warmupMs: 5, runTimeoutMs: 3000, builders: 1,
      builder: async (w, build, pool) => new FaultyBuilder(await WorkerBuilder.create(w.spec, build, pool), w, build, plant),
    },
    search: { batchSize: 6, populationSize: 16, generations: 1, remeasureRounds: 2 },
  });
  t.is(faultOf.size, PLANTED.length, 'every fault was planted in a proposed candidate');
  t.is(r.statistics.history.length, 12, 'the budget was spent in full');
  const records = (await TuningDatabase.open(path)).records(r.recordsWorkload.key, r.target);
  for (const [key, fault] of faultOf) {
    const rec = records.find((x) => JSON.stringify(x.trace) === key);
    t.truthy(rec, `the ${fault} candidate is a record`);
    t.is(rec?.result.status, CLASS[fault], `the ${fault} candidate is classed ${CLASS[fault]}: ${rec?.result.error}`);
    t.truthy(rec?.result.error, `the ${fault} record says what happened`);
  }
  t.true((r.statistics.statuses.ok ?? 0) >= 1, JSON.stringify(r.statistics.statuses));
  for (const c of ['trap', 'timeout', 'wrong', 'oom'] as const) t.true((r.statistics.statuses[c] ?? 0) >= 1, `statistics count a ${c}: ${JSON.stringify(r.statistics.statuses)}`);
  const best = db.best(r.recordsWorkload.key, r.target)!;
  t.is(best.result.status, 'ok');
  t.false(faultOf.has(JSON.stringify(best.trace)), 'the best record is not a faulty one');
  assertMatches(t, tp, r.schedule, { targets: ['wasm-simd'] });
});
