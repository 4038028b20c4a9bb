/**
 * Crash safety of a tuning run: a child process measuring candidates and appending records is killed
 * with SIGKILL mid-run; the records file it leaves loads (a torn last line at most, skipped with a
 * warning), and the resumed run measures only what is missing: over both runs no candidate (no lowered
 * function) is measured twice, and every one is recorded once.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TuningDatabase } from '../autotune/database.js';
import { candidates, hashOf } from './helpers/resumable_tuning.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Starts the run in a child; resolves with its exit and what it printed, or kills it after `killAfter` records. */
function run(path: string, killAfter?: number, entry = 'm.resumableRun(PATH)'): Promise<{ signal: NodeJS.Signals | null; code: number | null; measured: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `import('./tests/helpers/resumable_tuning.ts').then((m) => ${entry.replace('PATH', JSON.stringify(path))})`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const measured: string[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    const lines = (pending + s).split('\n');
    pending = lines.pop()!;
    for (const l of lines) if (l.startsWith('measured ')) measured.push(l.slice(9));
    if (killAfter !== undefined && measured.length >= killAfter) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, measured })));
}

test('a run killed with SIGKILL leaves records that load, and the resumed run measures no candidate twice', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tessera-resume-')), 'records.jsonl');
  const distinct = [...new Set(candidates().map(hashOf))];
  t.is(distinct.length, 12, 'twelve distinct lowered functions among fourteen candidates');

  const first = await run(path, 5);
  t.is(first.signal, 'SIGKILL', 'the first run was killed');
  t.true(existsSync(path));
  const left = await TuningDatabase.open(path);
  t.true(left.warnings.length <= 1, `at most a torn last line: ${left.warnings.join('; ')}`);
  const before = left.records();
  t.true(before.length >= 5 && before.length < 12, `${before.length} records survived the kill`);
  t.true(before.every((r) => r.result.status === 'ok'));

  const second = await run(path);
  t.is(second.code, 0, 'the resumed run completes');
  const kept = new Set(before.map((r) => r.loweredHash));
  t.deepEqual(second.measured.filter((h) => kept.has(h)), [], 'nothing recorded before the kill is measured again');
  const all = (await TuningDatabase.open(path)).records();
  const hashes = all.map((r) => r.loweredHash!);
  t.is(new Set(hashes).size, hashes.length, 'each lowered function is recorded once');
  t.deepEqual([...hashes].sort(), [...distinct].sort(), 'and every one is');
  t.true(readFileSync(path, 'utf8').endsWith('\n'));
});

test('tune() killed with SIGKILL mid-run: the records load, and the resumed tune() measures no lowered function twice', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tessera-tune-resume-')), 'records.jsonl');
  const first = await run(path, 4, 'm.resumableTune(PATH, 12)');
  t.is(first.signal, 'SIGKILL', 'the first run was killed');
  const left = await TuningDatabase.open(path);
  t.true(left.warnings.length <= 1, `at most a torn last line: ${left.warnings.join('; ')}`);
  const before = left.records().filter((r) => r.trace.length > 0);
  t.true(before.length >= 4 && before.length < 12, `${before.length} records survived the kill`);

  const second = await run(path, undefined, 'm.resumableTune(PATH, 6)');
  t.is(second.code, 0, 'the resumed run completes');
  const all = (await TuningDatabase.open(path)).records().filter((r) => r.trace.length > 0 && r.loweredHash !== undefined);
  t.true(all.length > before.length, 'the resumed run measured new candidates');
  const hashes = all.map((r) => r.loweredHash!);
  t.is(new Set(hashes).size, hashes.length, 'no lowered function is recorded twice over both runs');
});
