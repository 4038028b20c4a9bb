/**
 * The autotuner's public surface (re-exported by `tessera`): tune a pipeline on this device, keep the
 * measurements as tuning records, and compile from them (`compile(p, sch, { records })`).
 */
export { tune, TuneError, type TuneOptions, type TuneProgress, type TuneResult, type TuneStatistics, type TuningRecordStore } from './tune.js';
export { TuningDatabase, TuningDatabaseError, RECORD_VERSION, type TuningRecord } from './database.js';
export { wasmTarget, gpuTarget, currentTarget, targetClass, TargetError, type TuningTarget, type TargetKind } from './target.js';
export { workloadOf, WorkloadError, type Workload, type WorkloadSpec } from './workload.js';
export { Measurer, type MeasureOptions, type MeasureResult, type MeasureStatus } from './measure.js';
export { WorkerLostError, WorkerCallError } from './worker_host.js';
