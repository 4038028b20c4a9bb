import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable, interleavedRunsAsync, measure, runs, writeResults } from '../bench/harness.ts';

test('measure warms up, then takes at least reps samples', (t) => {
  let calls = 0;
  const result = measure(() => calls++, { warmup: 3, reps: 5 });
  t.is(calls, 8);
  t.is(result.samples.length, 5);
  t.true(result.minMs <= result.medianMs);
  t.true(result.samples.every((ms) => ms >= 0));
});

test('measure keeps sampling until minTimeMs is reached', (t) => {
  const result = measure(() => {
    const end = performance.now() + 1;
    while (performance.now() < end);
  }, { warmup: 0, reps: 1, minTimeMs: 200 });
  // Sampling went past reps = 1 and stopped as soon as the total reached 200 ms, whatever the speed
  // (200 ms, not 10: on a loaded machine one 1 ms sample can be preempted for over 10 ms).
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  t.true(result.samples.length >= 2 || result.samples[0]! >= 200, 'past reps = 1, unless one call alone took 200 ms');
  t.true(total(result.samples) >= 200);
  t.true(total(result.samples.slice(0, -1)) < 200);
});

test('measure rejects reps = 0', (t) => {
  t.throws(() => measure(() => {}, { reps: 0 }));
});

test('runs repeats measurements and takes the median of medians', (t) => {
  const result = runs(() => {}, { count: 3, warmup: 0, reps: 2 });
  t.is(result.runs.length, 3);
  const medians = result.runs.map((r) => r.medianMs).sort((a, b) => a - b);
  t.is(result.medianMs, medians[1]);
});

test('formatTable aligns columns: text left, numbers right, missing cells blank', (t) => {
  const table = formatTable([
    { peer: 'plain JS', ms: 4.15, n: 7 },
    { peer: 'Halide', ms: 0.36 },
    { peer: 'native', ms: 1234.56, n: 12 },
  ]);
  t.is(
    table,
    [
      '| peer     |     ms |   n |',
      '|----------|-------:|----:|',
      '| plain JS |   4.15 |   7 |',
      '| Halide   |  0.360 |     |',
      '| native   | 1234.6 |  12 |',
    ].join('\n'),
  );
  t.is(formatTable([]), '');
});

test('writeResults writes JSON atomically into a created folder', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'tessera-harness-test-'));
  try {
    const dir = join(base, 'results');
    const path = writeResults(dir, 'blur', { medianMs: 1.5 });
    t.is(path, join(dir, 'blur.json'));
    t.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { medianMs: 1.5 });
    t.deepEqual(readdirSync(dir), ['blur.json']);
    t.throws(() => writeResults(dir, '../escape', {}));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('interleavedRunsAsync measures every variant once per round, in order, and takes the median of the rounds', async (t) => {
  const order: string[] = [];
  const spin = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end); };
  const result = await interleavedRunsAsync({
    slow: async () => { order.push('slow'); spin(4); },
    fast: async () => { order.push('fast'); },
  }, { count: 3, warmup: 1, reps: 2 });
  // Each round: slow's warm-up and 2 samples, then fast's.
  const round = ['slow', 'slow', 'slow', 'fast', 'fast', 'fast'];
  t.deepEqual(order, [...round, ...round, ...round]);
  t.deepEqual(Object.keys(result), ['slow', 'fast']);
  t.is(result.slow!.runs.length, 3);
  t.true(result.slow!.runs.every((m) => m.samples.length === 2));
  t.true(result.slow!.medianMs >= 4);
  t.true(result.fast!.medianMs < result.slow!.medianMs);
  const medians = result.slow!.runs.map((m) => m.medianMs).sort((a, b) => a - b);
  t.is(result.slow!.medianMs, medians[1]);
});

test('interleavedRunsAsync refuses no variants and a zero count', async (t) => {
  await t.throwsAsync(interleavedRunsAsync({}), { message: /no variants/ });
  await t.throwsAsync(interleavedRunsAsync({ a: async () => {} }, { count: 0 }), { message: /count must be at least 1/ });
});
