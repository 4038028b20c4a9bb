import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { median } from 'mathjs';
import { writeFileAtomic } from '../io/atomic_write.js';

export interface MeasureOptions {
  /** Untimed calls before timing starts (JIT warm-up, caches). Default 2. */
  warmup?: number;
  /** Minimum number of timed calls. Default 7. */
  reps?: number;
  /** Keep timing calls past `reps` until their total reaches this many milliseconds. Default 0. */
  minTimeMs?: number;
}

export interface Measurement {
  medianMs: number;
  minMs: number;
  /** Duration of every timed call, milliseconds, in call order. */
  samples: number[];
}

const minimum = (values: number[]) => values.reduce((a, b) => Math.min(a, b), Infinity);

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

/**
 * Times `fn` with `process.hrtime.bigint()`: `warmup` untimed calls, then at least `reps` timed calls,
 * continuing until the timed calls add up to `minTimeMs`.
 *
 * @returns median and minimum of the per-call times in milliseconds, and all samples.
 * @throws Error when `warmup` or `reps` is not a non-negative integer, or `reps` is 0.
 */
export function measure(fn: () => void, { warmup = 2, reps = 7, minTimeMs = 0 }: MeasureOptions = {}): Measurement {
  nonNegativeInteger('warmup', warmup);
  if (nonNegativeInteger('reps', reps) === 0) throw new Error('reps must be at least 1');
  for (let i = 0; i < warmup; i++) fn();

  const samples: number[] = [];
  let totalMs = 0;
  while (samples.length < reps || totalMs < minTimeMs) {
    const start = process.hrtime.bigint();
    fn();
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    samples.push(elapsedMs);
    totalMs += elapsedMs;
  }
  return { medianMs: median(samples), minMs: minimum(samples), samples };
}

export interface RunsOptions extends MeasureOptions {
  /** How many independent measurements to take. Default 5. */
  count?: number;
}

export interface RunsMeasurement {
  /** Median of the per-run medians, milliseconds. */
  medianMs: number;
  /** Fastest single call over all runs, milliseconds. */
  minMs: number;
  runs: Measurement[];
}

/**
 * Repeats `measure(fn, options)` `count` times (each with its own warm-up) and summarises with the
 * median of the per-run medians, which is steadier than one long run on a noisy machine.
 *
 * @throws Error when `count` is not a positive integer, or as `measure` does.
 */
export function runs(fn: () => void, { count = 5, ...measureOptions }: RunsOptions = {}): RunsMeasurement {
  if (nonNegativeInteger('count', count) === 0) throw new Error('count must be at least 1');
  const measurements: Measurement[] = [];
  for (let i = 0; i < count; i++) measurements.push(measure(fn, measureOptions));
  return {
    medianMs: median(measurements.map((m) => m.medianMs)),
    minMs: minimum(measurements.map((m) => m.minMs)),
    runs: measurements,
  };
}

function formatCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 3);
}

/**
 * Formats rows as a Markdown table with padded, aligned columns (numbers right-aligned, text left).
 * Columns are the union of the rows' keys in order of first appearance; a missing cell is blank.
 * Non-integer numbers get 1 to 3 decimals by magnitude; pass strings to control formatting.
 *
 * @returns the table, lines joined by '\n', no trailing newline; '' for no rows.
 */
export function formatTable(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const numeric = columns.map((column) => rows.every((row) => row[column] === undefined || typeof row[column] === 'number'));
  const cells = rows.map((row) => columns.map((column) => formatCell(row[column])));
  const widths = columns.map((column, i) => Math.max(3, column.length, ...cells.map((line) => line[i].length)));

  const pad = (text: string, i: number) => (numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (texts: string[]) => `| ${texts.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (numeric[i] ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(columns), rule, ...cells.map(line)].join('\n');
}

/**
 * Writes `json` as pretty-printed JSON to `<dir>/<name>.json`, creating `dir` if needed, atomically
 * (temporary file in `dir`, then rename), so an interrupted benchmark never leaves a truncated result.
 *
 * @returns the path written.
 * @throws Error when `name` is empty or contains a path separator; filesystem errors.
 */
export function writeResults(dir: string, name: string, json: unknown): string {
  if (name === '' || /[\\/]/.test(name) || name === '.' || name === '..') {
    throw new Error(`writeResults: name must be a plain file name, got ${JSON.stringify(name)}`);
  }
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name.endsWith('.json') ? name : `${name}.json`);
  writeFileAtomic(path, `${JSON.stringify(json, null, 2)}\n`);
  return path;
}

/** `measure` for an asynchronous `fn` (each call awaited before the next starts). */
export async function measureAsync(fn: () => Promise<unknown>, { warmup = 2, reps = 7, minTimeMs = 0 }: MeasureOptions = {}): Promise<Measurement> {
  nonNegativeInteger('warmup', warmup);
  if (nonNegativeInteger('reps', reps) === 0) throw new Error('reps must be at least 1');
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  let totalMs = 0;
  while (samples.length < reps || totalMs < minTimeMs) {
    const start = process.hrtime.bigint();
    await fn();
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    samples.push(elapsedMs);
    totalMs += elapsedMs;
  }
  return { medianMs: median(samples), minMs: minimum(samples), samples };
}

/** `runs` for an asynchronous `fn`. */
export async function runsAsync(fn: () => Promise<unknown>, { count = 5, ...measureOptions }: RunsOptions = {}): Promise<RunsMeasurement> {
  if (nonNegativeInteger('count', count) === 0) throw new Error('count must be at least 1');
  const measurements: Measurement[] = [];
  for (let i = 0; i < count; i++) measurements.push(await measureAsync(fn, measureOptions));
  return {
    medianMs: median(measurements.map((m) => m.medianMs)),
    minMs: minimum(measurements.map((m) => m.minMs)),
    runs: measurements,
  };
}

export interface Variant {
  readonly name: string;
  /** One call of the variant (synchronous). */
  readonly run: () => void;
}

export interface InterleavedTiming {
  /** Median over the rounds of the per-call time of one repeat, milliseconds. */
  readonly medianMs: number;
  /** (max - min) / median of the rounds' per-call times. */
  readonly spread: number;
  /** Calls per repeat. */
  readonly calls: number;
}

/**
 * Times variants side by side (A B C A B C ...): each is warmed up for `warmupMs`, its calls per
 * repeat are grown until a repeat lasts `minRepeatMs`, then `rounds` rounds run one repeat of every
 * variant in turn, so that a slow phase of a shared machine falls on all of them alike.
 * @returns per variant name: the median per-call time and the spread of the rounds
 * @throws Error for no variants, two with one name, or rounds under 1
 */
export function interleaved(variants: readonly Variant[], { rounds = 7, warmupMs = 500, minRepeatMs = 40 }: { rounds?: number; warmupMs?: number; minRepeatMs?: number } = {}): Record<string, InterleavedTiming> {
  if (variants.length === 0) throw new Error('interleaved: no variants to time');
  if (new Set(variants.map((v) => v.name)).size !== variants.length) throw new Error('interleaved: two variants have the same name');
  if (nonNegativeInteger('rounds', rounds) === 0) throw new Error('rounds must be at least 1');
  const calls = variants.map((v) => {
    const end = performance.now() + warmupMs;
    do v.run(); while (performance.now() < end);
    let n = 1;
    for (;;) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) v.run();
      if (performance.now() - t0 >= minRepeatMs || n >= 1 << 20) return n;
      n *= 2;
    }
  });
  const samples: number[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    variants.forEach((v, k) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < calls[k]!; i++) v.run();
      samples[k]!.push(Number(process.hrtime.bigint() - t0) / 1e6 / calls[k]!);
    });
  }
  return Object.fromEntries(variants.map((v, k) => {
    const s = samples[k]!;
    const med = median(s) as number;
    return [v.name, { medianMs: med, spread: (Math.max(...s) - Math.min(...s)) / med, calls: calls[k]! }];
  }));
}

/**
 * `runsAsync` for several implementations of one workload, interleaved: round r measures every
 * variant once (`measureAsync`, in the order given) before round r + 1 starts, so a slow spell of a
 * shared machine lands on all of them alike instead of on whichever ran then. Each variant's figure
 * is the median of its per-round medians.
 *
 * @param variants functions by name (each call awaited before the next starts)
 * @returns per variant, as runsAsync returns
 * @throws Error when `variants` is empty, `count` is not a positive integer, or as measureAsync does
 */
export async function interleavedRunsAsync(variants: Readonly<Record<string, () => Promise<unknown>>>, { count = 5, ...measureOptions }: RunsOptions = {}): Promise<Record<string, RunsMeasurement>> {
  const names = Object.keys(variants);
  if (names.length === 0) throw new Error('interleavedRunsAsync: no variants to measure');
  if (nonNegativeInteger('count', count) === 0) throw new Error('count must be at least 1');
  const rounds: Record<string, Measurement[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < count; i++) {
    for (const n of names) rounds[n]!.push(await measureAsync(variants[n]!, measureOptions));
  }
  return Object.fromEntries(names.map((n) => {
    const ms = rounds[n]!;
    return [n, { medianMs: median(ms.map((m) => m.medianMs)), minMs: minimum(ms.map((m) => m.minMs)), runs: ms }];
  }));
}
