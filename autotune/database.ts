/**
 * A fixed list of records answering best() as a database holding only them would: what a database
 * answered when it held its first n records (tuneModel's latency along the run).
 * @param records records of any workloads and target classes, in file order
 */
export function recordSnapshot(records: readonly TuningRecord[]): { best(workloadKey: string, target: TuningTarget): TuningRecord | undefined } {
  const own = [...records];
  return {
    best: (workloadKey, target) => {
      const cls = targetClass(target);
      return bestOf(own.filter((r) => r.workload === workloadKey && targetClass(r.target) === cls));
    },
  };
}

/**
 * Tuning records in a JSON-lines file (TVM MetaSchedule's JSONDatabase, made crash-safe): one
 * complete record per line, each line written by a single append of the whole line, so a process
 * killed mid-write (kill -9) leaves at most a torn last line. Opening the file detects it, skips it
 * with a warning, and truncates it away before the next append, so every later line parses and
 * nothing written before is lost. `distill` rewrites a file atomically (temporary file, then rename).
 *
 * Every record carries its workload key (autotune/workload.ts) and its target (autotune/target.ts);
 * queries name both, and only records of the same target class answer.
 *
 * One process should append to a file at a time; appends within a process are serialised.
 */
import { appendFile, open, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Instruction } from '../schedule/instruction.js';
import { type TuningTarget, targetClass, targetProblem } from './target.js';
import { type MeasureResult, resultProblem } from './result.js';
import { TESSERA_VERSION } from '../runtime/abi.js';

/** The version of the record format this code writes and reads. */
export const RECORD_VERSION = 1;

export interface TuningRecord {
  readonly version: 1;
  /** Unique id (a random UUID): what an artifact names as the record it came from. */
  readonly id: string;
  /** The workload key. */
  readonly workload: string;
  readonly workloadName: string;
  /**
   * The axis names of each stage of the workload when the trace was made, pure then reduction
   * (autotune/workload.ts `definitionAxes`): replay renames a pipeline whose axes a bundler renamed.
   */
  readonly axes: Readonly<Record<string, readonly string[]>>;
  readonly target: TuningTarget;
  /** The schedule, decisions filled. */
  readonly trace: readonly Instruction[];
  /** Structural hash of the lowered function (autotune/lowered_hash.ts): duplicates are measured once. */
  readonly loweredHash?: string;
  readonly result: MeasureResult;
  /**
   * True for the best of a tuning run as declared after its side-by-side re-measurement: `result` is
   * then that re-measurement (interleaved rounds with the runners-up), not a trial. `best` prefers
   * the latest declared record to the fastest single measurement, which on a noisy machine is often
   * a lucky one.
   */
  readonly declared?: boolean;
  /** The Tessera version that measured it. */
  readonly tessera: string;
  /** When it was measured (ISO 8601). */
  readonly time: string;
}

/** What `append` takes: a record without what the database fills in. */
export type RecordInput = Omit<TuningRecord, 'version' | 'id' | 'tessera' | 'time'>;

export class TuningDatabaseError extends Error {
  override name = 'TuningDatabaseError';
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** @returns undefined when `r` is a record this code reads, else what is wrong with it */
function recordProblem(r: unknown): string | undefined {
  if (!isObject(r)) return 'the line is not a JSON object';
  if (r.version !== RECORD_VERSION) return `record version ${JSON.stringify(r.version)} is not ${RECORD_VERSION} (written by another Tessera)`;
  for (const k of ['id', 'workload', 'workloadName', 'tessera', 'time'] as const) {
    if (typeof r[k] !== 'string') return `the record's ${k} is not a string`;
  }
  if (!Array.isArray(r.trace) || !r.trace.every((i) => isObject(i) && typeof i.op === 'string')) return "the record's trace is not a list of instructions";
  if (!isObject(r.axes) || !Object.values(r.axes).every((a) => Array.isArray(a) && a.every((n) => typeof n === 'string'))) return "the record's axes are not lists of names by stage";
  if (r.loweredHash !== undefined && typeof r.loweredHash !== 'string') return "the record's loweredHash is not a string";
  if (r.declared !== undefined && typeof r.declared !== 'boolean') return "the record's declared is not a boolean";
  return targetProblem(r.target) ?? resultProblem(r.result);
}

/**
 * The best of one workload's records on one target class: the latest declared best of a run (its
 * side-by-side re-measurement) when there is one, else the fastest ok measurement.
 */
function bestOf(records: readonly TuningRecord[]): TuningRecord | undefined {
  let declared: TuningRecord | undefined, fastest: TuningRecord | undefined;
  for (const r of records) {
    if (r.result.status !== 'ok') continue;
    if (r.declared) declared = r;
    if (!fastest || r.result.seconds! < fastest.result.seconds!) fastest = r;
  }
  return declared ?? fastest;
}

export class TuningDatabase {
  private readonly all: TuningRecord[] = [];
  private readonly problems: string[] = [];
  /** Bytes of the file up to the end of its last complete line; a torn tail beyond is cut before appending. */
  private goodLength = 0;
  private tornTail = false;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(readonly path: string) {}

  /**
   * Opens (or prepares to create) a records file and reads every record in it. A torn last line (no
   * newline at the end: a write cut short) and lines that are not records are skipped, each with a
   * warning in `warnings`; the torn line is removed from the file before the next append.
   * @throws TuningDatabaseError when the path exists but is not a file, or cannot be read
   */
  static async open(path: string): Promise<TuningDatabase> {
    const db = new TuningDatabase(path);
    let bytes = new Uint8Array(0);
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new TuningDatabaseError(`tuning records: ${path} is not a file`);
      bytes = await readFile(path);
    } catch (e) {
      if (e instanceof TuningDatabaseError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new TuningDatabaseError(`tuning records: cannot read ${path}: ${(e as Error).message}`);
    }
    db.load(bytes);
    return db;
  }

  private load(bytes: Uint8Array): void {
    // '\n' never occurs inside a multi-byte UTF-8 sequence, so lines can be cut on the raw bytes.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let offset = 0, lineNo = 0;
    while (offset < bytes.length) {
      const nl = bytes.indexOf(0x0a, offset);
      lineNo++;
      if (nl < 0) {
        this.tornTail = true;
        this.problems.push(`${this.path}:${lineNo}: the last line is incomplete (a write was cut short); it is skipped and will be removed before the next append`);
        break;
      }
      const raw = bytes.subarray(offset, nl);
      offset = nl + 1;
      this.goodLength = offset;
      let r: unknown;
      try {
        const line = decoder.decode(raw);
        if (line.trim() === '') continue;
        r = JSON.parse(line);
      } catch (e) {
        this.problems.push(`${this.path}:${lineNo}: not a JSON line (${(e as Error).message}); skipped`);
        continue;
      }
      const problem = recordProblem(r);
      if (problem) { this.problems.push(`${this.path}:${lineNo}: ${problem}; skipped`); continue; }
      this.all.push(r as TuningRecord);
    }
  }

  /** What was skipped when the file was read, one line each (file:line: reason). */
  get warnings(): readonly string[] { return this.problems; }

  /**
   * The records, optionally only those of one workload and of one target's class, in file order.
   * @param workloadKey a workload key (autotune/workload.ts)
   * @param target a target; records of other target classes are left out
   */
  records(workloadKey?: string, target?: TuningTarget): readonly TuningRecord[] {
    const cls = target && targetClass(target);
    return this.all.filter((r) => (workloadKey === undefined || r.workload === workloadKey) && (cls === undefined || targetClass(r.target) === cls));
  }

  /**
   * Appends a record as one line, written with one append of the whole line (after cutting a torn
   * tail). Appends of one database are serialised.
   * @returns the record as written (with version, id, tessera version and time)
   * @throws TuningDatabaseError when the record is malformed (nothing is written) or the write fails
   */
  append(r: RecordInput): Promise<TuningRecord> {
    const record: TuningRecord = {
      version: RECORD_VERSION, id: crypto.randomUUID(), workload: r.workload, workloadName: r.workloadName, axes: r.axes,
      target: r.target, trace: r.trace, ...(r.loweredHash !== undefined ? { loweredHash: r.loweredHash } : {}),
      result: r.result, ...(r.declared !== undefined ? { declared: r.declared } : {}), tessera: TESSERA_VERSION, time: new Date().toISOString(),
    };
    const problem = recordProblem(record);
    if (problem) return Promise.reject(new TuningDatabaseError(`tuning records: refusing to append a malformed record: ${problem}`));
    const line = `${JSON.stringify(record)}\n`;
    const write = this.tail.then(async () => {
      if (this.tornTail) {
        await truncate(this.path, this.goodLength);
        this.tornTail = false;
      }
      try {
        await appendFile(this.path, line, 'utf8');
      } catch (e) {
        throw new TuningDatabaseError(`tuning records: cannot append to ${this.path}: ${(e as Error).message}`);
      }
      this.goodLength += Buffer.byteLength(line, 'utf8');
      this.all.push(record);
      return record;
    });
    this.tail = write.catch(() => undefined);
    return write;
  }

  /**
   * The best record of a workload on a target's class, or undefined: the latest declared best of a
   * tuning run, else the fastest ok record (ties: the earlier).
   * A record of another target class is never returned.
   */
  best(workloadKey: string, target: TuningTarget): TuningRecord | undefined {
    return bestOf(this.records(workloadKey, target));
  }

  /**
   * Writes the best record of every workload and target class to `path` (which may be this file),
   * atomically: a temporary file in the same directory, flushed, then renamed over `path`.
   * @throws TuningDatabaseError when writing fails (the temporary file is removed; `path` is untouched)
   */
  async distill(path: string): Promise<void> {
    await this.tail;
    const groups = new Map<string, TuningRecord[]>();
    for (const r of this.all) {
      const k = `${r.workload} ${targetClass(r.target)}`;
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
    const kept = [...groups.values()].flatMap((g) => { const b = bestOf(g); return b ? [b] : []; });
    await writeAtomically(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    if (path === this.path) {
      this.all.splice(0, this.all.length, ...kept);
      this.goodLength = Buffer.byteLength(kept.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
      this.tornTail = false;
    }
  }
}

/** Writes `text` to a temporary file beside `path`, flushes it, and renames it over `path`. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    const h = await open(temp, 'wx');
    try {
      await h.writeFile(text, 'utf8');
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw new TuningDatabaseError(`tuning records: cannot write ${path}: ${(e as Error).message}`);
  }
}
