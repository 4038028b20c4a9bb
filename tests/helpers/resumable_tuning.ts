/**
 * A resumable measuring run, the records side of `tune` (autotune/tune.ts drives the same calls): for
 * a fixed list of candidate schedules of the test blur, measure in batches of two those whose lowered
 * function (structural hash) the records file does not hold yet, appending one record per candidate.
 * The SIGKILL test runs `resumableRun(path)` in a child process; it prints `measured <hash>` for each
 * candidate it measures.
 */
import { Measurer } from '../../autotune/measure.js';
import { TuningDatabase } from '../../autotune/database.js';
import { workloadOf, definitionAxes } from '../../autotune/workload.js';
import { wasmTarget } from '../../autotune/target.js';
import { loweredHash } from '../../autotune/lowered_hash.js';
import { lower } from '../../lower/lower.js';
import { Schedule } from '../../schedule/schedule.js';
import type { Instruction } from '../../schedule/instruction.js';
import { blurU16 } from './pipelines.js';

export const tp = blurU16(32, 96);

/** Twelve schedules with distinct lowered functions, plus two that repeat earlier ones under other names. */
export function candidates(): Instruction[][] {
  const out: Instruction[][] = [];
  for (const [fy, fx] of [[2, 8], [2, 16], [4, 8], [4, 16], [8, 8], [8, 16], [4, 32], [8, 32], [16, 16], [2, 32], [16, 8], [16, 32]]) {
    const sch = new Schedule(tp.pipeline);
    sch.stage('blur_y').tile('y', 'x', fy!, fx!);
    sch.stage('blur_x').computeAt('blur_y', 'xo');
    out.push([...sch.trace]);
  }
  for (const [fy, fx] of [[2, 8], [4, 16]]) {
    const sch = new Schedule(tp.pipeline);
    sch.stage('blur_y').tile('y', 'x', fy!, fx!, { names: ['ya', 'xa', 'yb', 'xb'] });
    sch.stage('blur_x').computeAt('blur_y', 'xa');
    out.push([...sch.trace]);
  }
  return out;
}

export const hashOf = (trace: readonly Instruction[]): string => loweredHash(lower(tp.pipeline, Schedule.replay(tp.pipeline, trace)).func);

export async function resumableRun(path: string): Promise<void> {
  const w = workloadOf(tp.pipeline, tp.sizes, 'blur_u16');
  const target = wasmTarget({ fma: 'none' });
  const db = await TuningDatabase.open(path);
  for (const warning of db.warnings) process.stderr.write(`warning: ${warning}\n`);
  const seen = new Set(db.records(w.key, target).map((r) => r.loweredHash));
  const todo = candidates().filter((t) => {
    const h = hashOf(t);
    if (seen.has(h)) return false;
    seen.add(h);
    return true;
  });
  const m = await Measurer.create(w, target, { builders: 1, minRepeatMs: 20, repeats: 3 });
  try {
    for (let i = 0; i < todo.length; i += 2) {
      const batch = todo.slice(i, i + 2);
      const results = await m.measure(batch);
      for (const [k, r] of results.entries()) {
        await db.append({ workload: w.key, workloadName: w.name, axes: definitionAxes(w.spec), target, trace: batch[k]!, loweredHash: r.loweredHash!, result: r });
        process.stdout.write(`measured ${r.loweredHash}\n`);
      }
    }
  } finally {
    await m.close();
  }
}


/**
 * tune() itself on the test blur, in batches of two, appending to `path`; it prints `measured <hash>`
 * for each record this run appends (read back from the file after every batch).
 */
export async function resumableTune(path: string, trials: number): Promise<void> {
  const { tune } = await import('../../autotune/tune.js');
  const db = await TuningDatabase.open(path);
  for (const warning of db.warnings) process.stderr.write(`warning: ${warning}\n`);
  const printed = new Set(db.records().map((r) => JSON.stringify([r.loweredHash, r.trace])));
  await tune(tp.pipeline, tp.sizes, {
    trials, records: db, seed: 9, measure: { builders: 1, minRepeatMs: 20, repeats: 3 },
    search: { batchSize: 2, populationSize: 8, generations: 1, remeasureRounds: 0 },
    onProgress: () => {
      for (const r of db.records()) {
        const key = JSON.stringify([r.loweredHash, r.trace]);
        if (!printed.has(key)) { printed.add(key); process.stdout.write(`measured ${r.loweredHash}\n`); }
      }
    },
  });
}
