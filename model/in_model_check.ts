/**
 * The in-model check of a model's tuning records. A task's candidates are measured alone (the task
 * tuner's runner: one kernel in a child process, its inputs resident), and a schedule faster alone is
 * not always faster inside the model, where the other kernels' data share the caches and the arena
 * decides the addresses: SqueezeNet 1.1's first Conv took 7.0 ms alone against 9.1 ms for the op's
 * schedule, and 10-11 ms against 6 ms in the model. So the model is compiled without and with the
 * records and timed kernel by kernel (CompiledModel.profile), the two interleaved; for each task the
 * schedule that was faster in the model (the op's schedule unless the tuned one wins by `margin`)
 * is filed as the task's declared best (method 'in-model'), which records.best() and
 * compileOnnx({ records }) then apply. A kernel compiled with another implementation of its op than
 * the default (a Conv's algorithm chosen by its records) is judged against the default's op schedule,
 * both declared at their in-model times, so the model takes the faster of the two; the margin applies
 * within one implementation only. Measurement decides, as in the search: in the place it runs.
 */
import type { TuningRecordStore } from '../autotune/tune.js';
import type { TuningTarget } from '../autotune/target.js';
import { definitionAxes } from '../autotune/workload.js';
import type { CompiledModel } from './compile_onnx.js';
import type { ModelTask } from './tasks.js';
import type { Instruction } from '../schedule/instruction.js';
import { seededFeeds } from './latency.js';

export interface InModelVerdict {
  /** The task's index and name. */
  readonly task: number;
  readonly name: string;
  /** Milliseconds per inference of the task's kernels in the model (all of them), without and with the record. */
  readonly untunedMs: number;
  readonly tunedMs: number;
  /** What was declared the task's best. */
  readonly kept: 'tuned' | 'op schedule';
}

export interface InModelCheckOptions {
  /** Interleaved profile rounds (default 6), each of `runs` inferences (default 3). */
  readonly rounds?: number;
  readonly runs?: number;
  /** How much faster (a fraction) the tuned kernels must be to be kept (default 0.03). */
  readonly margin?: number;
  readonly seed?: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const sameNodes = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((n) => b.includes(n));

/**
 * Checks the records of `tasks` in the model and declares each task's winner (see the file's comment).
 * @param untuned the model compiled without records; @param tuned the same model with them (one thread count)
 * @param records where the declared records are appended; `target` their target class
 * @returns a verdict per task that took a record in `tuned`
 * @throws what profiling a model or appending a record throws (TuningDatabaseError)
 */
export async function checkInModel(untuned: CompiledModel, tuned: CompiledModel, tasks: readonly ModelTask[], records: TuningRecordStore, target: TuningTarget, o: InModelCheckOptions = {}): Promise<InModelVerdict[]> {
  const rounds = o.rounds ?? 6, runs = o.runs ?? 3, margin = o.margin ?? 0.03;
  const feeds = seededFeeds(untuned, o.seed ?? 1);
  const a: number[][] = [], b: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    a.push((await untuned.profile(feeds, runs)).map((s) => s.medianMs));
    b.push((await tuned.profile(feeds, runs)).map((s) => s.medianMs));
  }
  const steps = await untuned.profile(feeds, 1);
  const verdicts: InModelVerdict[] = [];
  for (const [i, task] of tasks.entries()) {
    const taken = tuned.tuned.find((k) => task.kernels.some((nodes) => sameNodes(nodes, k.nodes)));
    if (!taken) continue;
    const record = records.records(task.key, target).find((r) => r.id === taken.record.id);
    if (!record) continue;
    const at = steps.flatMap((s, k) => (task.kernels.some((nodes) => sameNodes(nodes, s.nodes)) ? [k] : []));
    if (!at.length) continue;
    const untunedMs = at.reduce((t, k) => t + median(a.map((x) => x[k]!)), 0);
    const tunedMs = at.reduce((t, k) => t + median(b.map((x) => x[k]!)), 0);
    // An approximate implementation's declared record keeps what its tuning checked it against.
    const declare = (t: ModelTask, trace: readonly Instruction[], ms: number, loweredHash?: string) => records.append({
      workload: t.key, workloadName: t.name, axes: definitionAxes(t.workload.spec), target, trace, ...(loweredHash ? { loweredHash } : {}),
      result: { status: 'ok', seconds: ms / 1e3 / at.length, repeats: rounds, inner: runs, method: 'in-model', ...(t === task && record.result.checkedAgainst ? { checkedAgainst: record.result.checkedAgainst } : {}) }, declared: true,
    });
    const byDefault = task.key === task.choice ? undefined : tasks.find((t) => t.key === task.choice);
    if (byDefault) {
      // Another implementation than the model compiles without records: both are declared at their
      // in-model times, and the model takes the faster (model/kernel_records.ts kernelChoice).
      await declare(byDefault, byDefault.baseline, untunedMs);
      await declare(task, record.trace, tunedMs, record.loweredHash);
      verdicts.push({ task: i, name: task.name, untunedMs, tunedMs, kept: tunedMs < untunedMs ? 'tuned' : 'op schedule' });
      continue;
    }
    const keep = tunedMs * (1 + margin) < untunedMs;
    await declare(task, keep ? record.trace : task.baseline, keep ? tunedMs : untunedMs, keep ? record.loweredHash : undefined);
    verdicts.push({ task: i, name: task.name, untunedMs, tunedMs, kept: keep ? 'tuned' : 'op schedule' });
  }
  return verdicts;
}
