/**
 * Writes the tuning report (docs/tuning_results.md) from the files `npm run bench -- --tune` leaves:
 * per run, the tuning summaries (results/tuning.json: the tuner's own figures, the tuned schedules as
 * code) and the bench figures measured after it (results/bench.json: tuned, hand and peers
 * interleaved in one process).
 *
 *   node --import tsx scripts/tuning_report.ts --run 'LABEL=SUMMARY.json,BENCH.json' [--run ...] \
 *     [--title T] [--intro TEXT] -o docs/tuning_results.md
 *
 * A run's summaries are its rows in the tuner's table (one per workload and thread count); its
 * bench figures give the tuned/hand and tuned/peer ratios. The first run's label heads the
 * comparisons (cost model vs random proposals: a run whose summaries have costModel false).
 * @throws Error naming the file when a summary or bench file is missing or not of that shape
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../io/atomic_write.js';
import type { TuningSummary } from '../bench/tuned.js';

interface BenchFile { readonly date: string; readonly runs: number; readonly fma: string; readonly machine: string; readonly figures: Record<string, Record<string, number>>; readonly units: Record<string, string> }
interface Run { readonly label: string; readonly summaries: readonly TuningSummary[]; readonly bench?: BenchFile }

function readJson<T>(path: string, what: string, valid: (x: unknown) => boolean): T {
  let x: unknown;
  try {
    x = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`tuning_report: cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  if (!valid(x)) throw new Error(`tuning_report: ${path} is not ${what}`);
  return x as T;
}

function parseRun(spec: string): Run {
  const eq = spec.indexOf('=');
  if (eq < 1) throw new Error(`tuning_report: --run wants LABEL=SUMMARY.json[,BENCH.json], got '${spec}'`);
  const [summaryPath, benchPath] = spec.slice(eq + 1).split(',');
  const summaries = readJson<TuningSummary[]>(summaryPath!, 'a tuning summary (a JSON array)', Array.isArray);
  const bench = benchPath ? readJson<BenchFile>(benchPath, 'a bench result (with figures)', (x) => typeof x === 'object' && x !== null && 'figures' in x) : undefined;
  return { label: spec.slice(0, eq), summaries, ...(bench ? { bench } : {}) };
}

const fixed = (x: number | undefined, digits = 3) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
/** How many times better `a` is than `b` in `unit` (GFLOP/s: higher is better; ms/MP: lower). */
const better = (unit: string, a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : unit === 'GFLOP/s' ? a / b : b / a);
const reached = (r: TuningSummary['reach90']) => (r ? `${r.trials} / ${r.minutes}` : 'not reached');

function tunerTable(run: Run): string[] {
  const rows = run.summaries.map((s) => `| ${s.workload} | ${s.threads} | ${s.unit} | ${fixed(s.tuned)} | ${fixed(s.hand)} | ${fixed(better(s.unit, s.tuned, s.hand), 2)} | ${s.trials} | ${s.minutes} (${s.stoppedBy}) | ${reached(s.reach90)} | ${reached(s.reach100)} | ${Object.entries(s.statuses).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  return ['| workload | threads | unit | tuned | hand (same measurer) | tuned/hand | trials | minutes (stopped by) | reach 90% (trials / min) | reach 100% | statuses |', '|---|---|---|---|---|---|---|---|---|---|---|', ...rows];
}

function benchTable(run: Run): string[] {
  const b = run.bench!;
  // A run of 2-thread summaries is read against the 2-thread columns (the peers run on one thread).
  const two = run.summaries.length > 0 && run.summaries.every((x) => x.threads === 2);
  const [handKey, tunedKey] = two ? ['tessera 2T', 'tessera tuned 2T'] : ['tessera', 'tessera tuned'];
  const head = `Bench (${b.date}, ${b.machine}, FMA: ${b.fma}, medians of ${b.runs} interleaved rounds; ratios: how many times better the tuned schedule is):`;
  const rows = Object.entries(b.figures).filter(([, f]) => f[tunedKey] !== undefined).map(([w, f]) => {
    const unit = b.units[w] ?? 'GFLOP/s';
    const t = f[tunedKey];
    const peers = two ? '' : ` ${fixed(f.tfjs)} | ${fixed(better(unit, t, f.tfjs), 2)} | ${fixed(f.ort)} | ${fixed(better(unit, t, f.ort), 2)} |`;
    return `| ${w} | ${unit} | ${fixed(f[handKey])} | ${fixed(t)} | ${fixed(better(unit, t, f[handKey]), 2)} |${peers}`;
  });
  return two
    ? [head, '', '| workload | unit | hand 2T | tuned 2T | tuned/hand |', '|---|---|---|---|---|', ...rows]
    : [head, '', '| workload | unit | hand | tuned | tuned/hand | tfjs-wasm | tuned/tfjs | ort-web | tuned/ort |', '|---|---|---|---|---|---|---|---|---|', ...rows];
}

function comparison(runs: readonly Run[]): string[] {
  const model = runs.find((r) => r.summaries.some((s) => s.costModel));
  const random = runs.find((r) => r.summaries.some((s) => !s.costModel));
  if (!model || !random) return [];
  let wins = 0, total = 0;
  const rows = model.summaries.flatMap((m) => {
    const r = random.summaries.find((x) => x.workload === m.workload && x.threads === m.threads);
    if (!r) return [];
    const ratio = better(m.unit, m.tuned, r.tuned)!;
    total++;
    if (ratio > 1) wins++;
    return [`| ${m.workload} | ${m.threads} | ${m.unit} | ${fixed(m.tuned)} (${m.trials}) | ${fixed(r.tuned)} (${r.trials}) | ${fixed(ratio, 2)} | ${fixed(better(m.unit, m.tuned, m.hand), 2)} | ${fixed(better(r.unit, r.tuned, r.hand), 2)} |`];
  });
  return [`## Cost model against random proposals (${model.label} / ${random.label})`, '',
    'The tuned figures of each (trials in parentheses), same budget, the runs one after the other; cost model/random: how many times better the cost model\'s result is; tuned/hand: each against the hand schedule timed by the same measurer in its own run.', '',
    '| workload | threads | unit | cost model | random | cost model/random | cost model: tuned/hand | random: tuned/hand |', '|---|---|---|---|---|---|---|---|', ...rows, '',
    `The cost model ends better on ${wins} of ${total}.`, ''];
}

function main(): void {
  const { values } = parseArgs({ options: { run: { type: 'string', multiple: true }, title: { type: 'string' }, intro: { type: 'string' }, o: { type: 'string' } } });
  if (!values.run?.length || !values.o) throw new Error('usage: tuning_report.ts --run LABEL=SUMMARY.json[,BENCH.json] [--run ...] [--title T] [--intro TEXT] -o OUT.md');
  const runs = values.run.map(parseRun);
  const lines = [`# ${values.title ?? 'Tuning results (issue 9)'}`, '', ...(values.intro ? [values.intro, ''] : [])];
  for (const run of runs) {
    lines.push(`## ${run.label}`, '', ...tunerTable(run), '');
    if (run.bench) lines.push(...benchTable(run), '');
  }
  lines.push(...comparison(runs));
  lines.push('## The tuned schedules', '');
  for (const run of runs) {
    lines.push(`### ${run.label}`, '');
    for (const s of run.summaries) lines.push(`#### ${s.workload}, ${s.threads} thread${s.threads > 1 ? 's' : ''} (${fixed(s.tuned)} ${s.unit}, ${s.trials} trials)`, '', '```ts', s.code.trimEnd(), '```', '');
  }
  writeFileAtomic(values.o, lines.join('\n'));
}

main();
