/**
 * Applying tuning records: the best record of a pipeline's workload on a target's class, replayed as
 * a schedule. The record's trace is replayed on the pipeline rebuilt from the workload's spec under
 * the record's axis names (autotune/workload.ts), which is what the measurer's builders compiled: the
 * schedule lowers to the very function that was measured, even when a bundler renamed the axes of the
 * caller's copy of the definition. Records of the definition specialised to the sizes
 * (autotune/specialize.ts, what tune() files) are found too. A record of another target class is
 * never applied.
 */
import type { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import type { TuningRecordRef } from '../runtime/abi.js';
import { workloadOf, workloadKey, pipelineFromSpec, withAxisNames } from './workload.js';
import { specializedSpec } from './specialize.js';
import { type TuningTarget, targetClass } from './target.js';
import type { TuningRecord } from './database.js';

/** Where records come from: a TuningDatabase, or anything that answers like its `best`. */
export interface RecordSource {
  best(workloadKey: string, target: TuningTarget): TuningRecord | undefined;
}

export interface AppliedRecord {
  /** The pipeline the schedule belongs to: the workload's, rebuilt with the record's axis names. */
  readonly pipeline: Pipeline;
  readonly schedule: Schedule;
  readonly record: TuningRecord;
}

/**
 * The best record's schedule for `p` at `sizes` on `target`'s class, or undefined when there is none.
 * @param sizes the value of every size variable of `p` (none for a pipeline with constant shapes)
 * @throws WorkloadError for missing or bad sizes; ScheduleError when the record's trace does not
 *   replay on the definition (a record written for another definition under the same key cannot exist
 *   unless the file was edited)
 */
export function applyBestRecord(p: Pipeline, sizes: Readonly<Record<string, number>>, records: RecordSource, target: TuningTarget): AppliedRecord | undefined {
  const w = workloadOf(p, sizes);
  // The records of the definition at these sizes, or of its specialisation to them (what tune() files).
  const special = specializedSpec(w.spec);
  for (const spec of [w.spec, special]) {
    const key = spec === w.spec ? w.key : workloadKey(spec);
    const record = records.best(key, target);
    if (!record || record.workload !== key || targetClass(record.target) !== targetClass(target)) continue;
    const pipeline = pipelineFromSpec(withAxisNames(spec, record.axes));
    return { pipeline, schedule: Schedule.replay(pipeline, record.trace), record };
  }
  return undefined;
}

/** The reference an artifact keeps to the record it was compiled from (runtime/abi.ts). */
export const recordRef = (r: TuningRecord): TuningRecordRef => ({ workload: r.workload, id: r.id, target: r.target });
