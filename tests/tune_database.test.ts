/**
 * Tuning records: append and read back, a torn last line (a write cut short) skipped with a warning
 * and cut before the next append so that every later line parses, malformed lines skipped without
 * losing the others, queries by workload and target class (a record of another class is never
 * returned), distill's atomic rewrite, and a snapshot of the first records answering as the database did then. Target classes: patch releases share one, majors do not.
 */
import test from 'ava';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TuningDatabase, TuningDatabaseError, recordSnapshot, type RecordInput } from '../autotune/database.js';
import { targetClass, wasmTarget, type TuningTarget } from '../autotune/target.js';
import { TESSERA_VERSION } from '../runtime/abi.js';

const dir = () => mkdtempSync(join(tmpdir(), 'tessera-db-'));
const T1: TuningTarget = { kind: 'wasm-simd', engine: 'node', engineVersion: '20.20.2', features: ['simd128'], threads: 1 };
const T1patch: TuningTarget = { ...T1, engineVersion: '20.21.0' };
const T1next: TuningTarget = { ...T1, engineVersion: '22.1.0' };
const T2: TuningTarget = { ...T1, features: ['simd128', 'threads'], threads: 2 };
const TF: TuningTarget = { ...T1, features: ['relaxed-simd', 'simd128'] };

function rec(workload: string, target: TuningTarget, seconds: number | undefined, factor = 4): RecordInput {
  return {
    workload, workloadName: 'w', axes: { C: ['i', 'j', 'k'] }, target,
    trace: [{ op: 'split', stage: 'C', axis: 'i', factor, outer: 'io', inner: 'ii', tail: 'auto' }],
    loweredHash: `hash${factor}`,
    result: seconds === undefined ? { status: 'timeout', error: 'too slow' } : { status: 'ok', seconds },
  };
}

test('records append as one line each and read back in order', async (t) => {
  const path = join(dir(), 'r.jsonl');
  const db = await TuningDatabase.open(path);
  t.deepEqual(db.records(), []);
  const written = await Promise.all([db.append(rec('a', T1, 2e-3, 1)), db.append(rec('a', T1, undefined, 2)), db.append(rec('b', T1, 1e-3, 3))]);
  t.is(new Set(written.map((r) => r.id)).size, 3, 'ids are unique');
  t.true(written.every((r) => r.version === 1 && r.tessera === TESSERA_VERSION && !Number.isNaN(Date.parse(r.time))));
  const lines = readFileSync(path, 'utf8').split('\n');
  t.is(lines.length, 4);
  t.is(lines[3], '');
  const again = await TuningDatabase.open(path);
  t.deepEqual(again.warnings, []);
  t.deepEqual(again.records(), written);
  t.deepEqual(again.records('a').map((r) => r.trace[0]), written.slice(0, 2).map((r) => r.trace[0]));
});

test('a torn last line is skipped with a warning and cut before the next append; nothing before it is lost', async (t) => {
  const path = join(dir(), 'r.jsonl');
  const db = await TuningDatabase.open(path);
  await db.append(rec('a', T1, 2e-3, 1));
  await db.append(rec('a', T1, 1e-3, 2));
  const line = JSON.stringify({ ...rec('a', T1, 5e-4, 3), version: 1, id: 'x', tessera: '0', time: 'now' });
  appendFileSync(path, line.slice(0, 57));   // a kill -9 in the middle of a write
  const torn = await TuningDatabase.open(path);
  t.is(torn.records().length, 2);
  t.is(torn.warnings.length, 1);
  t.regex(torn.warnings[0]!, /r\.jsonl:3: the last line is incomplete \(a write was cut short\); it is skipped and will be removed before the next append/);
  await torn.append(rec('a', T1, 3e-3, 4));
  const text = readFileSync(path, 'utf8');
  t.true(text.endsWith('\n'));
  t.notRegex(text, new RegExp(line.slice(0, 57).replace(/[[\]{}()*+?.\\^$|]/g, '\\$&')), 'the torn bytes are gone');
  const after = await TuningDatabase.open(path);
  t.deepEqual(after.warnings, []);
  t.deepEqual(after.records().map((r) => r.trace[0]), [1, 2, 4].map((f) => rec('a', T1, 1, f).trace[0]));
});

test('lines that are not records are skipped, each with its line number and reason, and the rest are kept', async (t) => {
  const path = join(dir(), 'r.jsonl');
  const db = await TuningDatabase.open(path);
  await db.append(rec('a', T1, 2e-3, 1));
  appendFileSync(path, 'not json\n{"version":2}\n\n');
  appendFileSync(path, `${JSON.stringify({ ...rec('a', T1, 1, 9), version: 1, id: 'y', tessera: '0', time: 't', result: { status: 'ok', seconds: -1 } })}\n`);
  await (await TuningDatabase.open(path)).append(rec('a', T1, 1e-3, 2));
  const again = await TuningDatabase.open(path);
  t.is(again.records().length, 2);
  t.is(again.warnings.length, 3);
  t.regex(again.warnings[0]!, /:2: not a JSON line/);
  t.regex(again.warnings[1]!, /:3: record version 2 is not 1 \(written by another Tessera\); skipped/);
  t.regex(again.warnings[2]!, /:5: an ok result needs positive seconds, got -1; skipped/);
});

test('best answers only within the target class: another thread count, feature set or engine major never', async (t) => {
  const db = await TuningDatabase.open(join(dir(), 'r.jsonl'));
  await db.append(rec('a', T1, 4e-3, 1));
  await db.append(rec('a', T1, 2e-3, 2));
  await db.append(rec('a', T1, undefined, 3));
  await db.append(rec('a', T2, 1e-4, 4));
  await db.append(rec('a', TF, 1e-4, 5));
  await db.append(rec('a', T1next, 1e-4, 6));
  await db.append(rec('b', T1, 1e-5, 7));
  t.is(db.best('a', T1)!.trace, db.records('a', T1)[1]!.trace);
  t.is(db.best('a', T1patch)!.result.seconds, 2e-3, 'a patch release of the engine is the same class');
  t.is(db.best('a', T2)!.result.seconds, 1e-4);
  t.is(db.best('c', T1), undefined);
  t.is(db.best('a', { ...T1, engineVersion: '24.0.0' }), undefined, 'no record of this engine major');
  t.deepEqual(db.records('a', T1).map((r) => r.loweredHash), ['hash1', 'hash2', 'hash3']);
  for (const r of db.records('a', T2)) t.is(targetClass(r.target), targetClass(T2));
});

test('distill writes the best per workload and target class atomically, leaving the source as it was', async (t) => {
  const d = dir();
  const path = join(d, 'r.jsonl');
  const db = await TuningDatabase.open(path);
  for (const [w, tg, s, f] of [['a', T1, 4e-3, 1], ['a', T1, 2e-3, 2], ['a', T2, 3e-3, 3], ['b', T1, 1e-3, 4], ['b', T1, undefined, 5]] as const) await db.append(rec(w, tg, s, f));
  const before = readFileSync(path, 'utf8');
  await db.distill(join(d, 'best.jsonl'));
  t.is(readFileSync(path, 'utf8'), before);
  const best = await TuningDatabase.open(join(d, 'best.jsonl'));
  t.deepEqual(best.records().map((r) => [r.workload, r.target.threads, r.result.seconds]), [['a', 1, 2e-3], ['a', 2, 3e-3], ['b', 1, 1e-3]]);
  await db.distill(path);
  t.is((await TuningDatabase.open(path)).records().length, 3, 'distilled in place');
  await db.append(rec('c', T1, 1e-3, 6));
  t.is((await TuningDatabase.open(path)).records().length, 4, 'appends go on after an in-place distill');
  const missing = join(d, 'no', 'such', 'dir', 'best.jsonl');
  await t.throwsAsync(db.distill(missing), { instanceOf: TuningDatabaseError, message: /cannot write .*best\.jsonl/ });
  t.false(existsSync(join(d, 'no')));
  t.deepEqual(readdirSync(d).filter((f) => f.endsWith('.tmp')), [], 'no temporary file is left');
});

test('a malformed record is refused before anything is written; a directory is not a records file', async (t) => {
  const d = dir();
  const path = join(d, 'r.jsonl');
  writeFileSync(path, '');
  const db = await TuningDatabase.open(path);
  await t.throwsAsync(db.append({ ...rec('a', T1, 1), result: { status: 'ok' } }), { instanceOf: TuningDatabaseError, message: /an ok result needs positive seconds/ });
  await t.throwsAsync(db.append({ ...rec('a', T1, 1), target: { ...T1, threads: 0 } }), { instanceOf: TuningDatabaseError, message: /target threads 0 is not a positive integer/ });
  t.is(await readFile(path, 'utf8'), '');
  mkdirSync(join(d, 'sub'));
  await t.throwsAsync(TuningDatabase.open(join(d, 'sub')), { instanceOf: TuningDatabaseError, message: /is not a file/ });
});

test('target classes: kind, engine major, features, threads and GPU adapter', (t) => {
  t.is(targetClass(T1), targetClass(T1patch));
  t.not(targetClass(T1), targetClass(T1next));
  t.not(targetClass(T1), targetClass(T2));
  t.not(targetClass(T1), targetClass(TF));
  const gpu = (adapter: string): TuningTarget => ({ kind: 'webgpu', engine: 'node', engineVersion: '20.20.2', features: ['timestamp-query'], threads: 1, gpu: { adapter, limits: { maxComputeInvocationsPerWorkgroup: 256 } } });
  t.not(targetClass(gpu('swiftshader')), targetClass(gpu('nvidia ampere')));
  t.not(targetClass(gpu('swiftshader')), targetClass({ ...gpu('swiftshader'), gpu: { adapter: 'swiftshader', limits: { maxComputeInvocationsPerWorkgroup: 1024 } } }));
  const here = wasmTarget({ fma: 'none' });
  t.is(here.engine, 'node');
  t.is(here.engineVersion, process.versions.node);
  t.deepEqual(here.features, ['simd128']);
});

test('a declared best (a run\'s side-by-side re-measurement) is what best() and distill keep, even when a single measurement was faster; a bad declared field is refused', async (t) => {
  const d = dir();
  const path = join(d, 'r.jsonl');
  const db = await TuningDatabase.open(path);
  await db.append(rec('a', T1, 1e-3, 1));                                   // a lucky single measurement
  await db.append(rec('a', T1, 2e-3, 2));
  await db.append({ ...rec('a', T1, 2.5e-3, 2), declared: true });          // the run's re-measured winner
  await db.append(rec('b', T1, 4e-3, 3));
  t.is(db.best('a', T1)!.result.seconds, 2.5e-3);
  t.true(db.best('a', T1)!.declared);
  t.is(db.best('b', T1)!.result.seconds, 4e-3, 'no declared record: the fastest');
  await db.append({ ...rec('a', T1, 3e-3, 4), declared: true });            // a later run's declaration wins
  t.is((await TuningDatabase.open(path)).best('a', T1)!.result.seconds, 3e-3);
  await db.distill(join(d, 'best.jsonl'));
  t.deepEqual((await TuningDatabase.open(join(d, 'best.jsonl'))).records().map((r) => [r.workload, r.result.seconds, r.declared ?? false]), [['a', 3e-3, true], ['b', 4e-3, false]]);
  const bad = join(d, 'bad.jsonl');
  writeFileSync(bad, `${readFileSync(path, 'utf8').split('\n')[0]!.replace('"result"', '"declared":"yes","result"')}\n`);
  const opened = await TuningDatabase.open(bad);
  t.is(opened.records().length, 0);
  t.regex(opened.warnings.join('\n'), /declared is not a boolean/);
});

test('a snapshot of the first n records answers best() as the database did when it held only them', async (t) => {
  const db = await TuningDatabase.open(join(dir(), 'r.jsonl'));
  await db.append(rec('a', T1, 4e-3, 1));
  await db.append(rec('a', T2, 1e-4, 2));
  await db.append(rec('b', T1, 3e-3, 3));
  const then = recordSnapshot(db.records().slice(0, 3));
  await db.append(rec('a', T1, 1e-3, 4));
  await db.append({ ...rec('b', T1, 5e-3, 5), declared: true });
  await db.append(rec('c', T1, 1e-3, 6));
  t.is(then.best('a', T1)!.loweredHash, 'hash1', 'the faster record filed later is not in it');
  t.is(db.best('a', T1)!.loweredHash, 'hash4');
  t.is(then.best('a', T2)!.loweredHash, 'hash2', 'by target class, as best()');
  t.is(then.best('a', T1patch)!.loweredHash, 'hash1');
  t.is(then.best('b', T1)!.result.seconds, 3e-3, 'the later declaration is not in it');
  t.is(db.best('b', T1)!.result.seconds, 5e-3);
  t.is(then.best('c', T1), undefined);
  t.is(then.best('a', T1next), undefined);
});
