/**
 * `tessera tune`: a run with a tiny budget writes its records, the plot and the best schedule as
 * code (which compiles to a kernel matching the reference), shows its progress on stderr, resumes
 * from the records file; and the mistakes a user can make get their texts.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { TuningDatabase } from '../autotune/database.js';
import { Schedule } from '../schedule/schedule.js';
import { blurU16 } from './helpers/pipelines.js';
import { blurPipeline } from '../examples/blur_pipeline.js';
import { compile } from '../tessera.js';
import { evaluate } from '../reference/evaluate.js';

const SIZES = ['--size', 'C=1', '--size', 'H=24', '--size', 'W=64'];

test('tessera tune with a tiny budget: records, plot, progress, the best schedule as code; a second run resumes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-tune-'));
  const records = join(dir, 'blur.jsonl');
  const r = await runCli(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', '4', '--records', records, ...SIZES]);
  t.is(r.status, 0, r.err);
  t.regex(r.out, /^best of pipeline blur: [\d.]+ ms \([\d.]+ MP\/s\) after 4 trials in \d+ s \(stopped by trials; 0 earlier records\)$/m);
  t.regex(r.out, /^failures: /m);
  t.regex(r.err, /tuning blur \[.*\] \d+\/4 trials \| best .* \| failures \d+ \| \d+ s/);
  const code = r.out.slice(r.out.indexOf('schedule:\n') + 'schedule:\n'.length);
  t.regex(code, /sch\.stage\("blur_y"\)\.split\("y", \d+/);
  t.notRegex(code, /sample/);
  // The code, run on a fresh blur pipeline, is a schedule whose kernel matches the reference.
  const p = blurPipeline('u16');
  const sch = new Schedule(p);
  new Function('sch', code)(sch);
  const tp = blurU16(24, 64);
  const input = { ...tp.inputs().input!, shape: [1, 24, 64] };
  const got = compile(p, sch)({ input }).blur_y!;
  const want = evaluate(p, { input }, { C: 1, H: 24, W: 64 }).blur_y!;
  t.deepEqual([...got.data], [...want.data]);
  const db = await TuningDatabase.open(records);
  t.is(db.records().length, 5, 'four trials and the declared best');
  t.is(db.records().filter((x) => x.declared).length, 1);
  const svg = readFileSync(join(dir, 'blur.svg'), 'utf8');
  t.regex(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.regex(svg, /best so far/);
  t.regex(svg, /<path d="M[\d.,LHV]+/);

  const again = await runCli(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', '2', '--records', records, '--plot', join(dir, 'two.svg'), '--seed', '2', ...SIZES]);
  t.is(again.status, 0, again.err);
  t.regex(again.out, /after 2 trials .*4 earlier records/);
  t.true(existsSync(join(dir, 'two.svg')));
  const hashes = (await TuningDatabase.open(records)).records().map((x) => x.loweredHash);
  t.is(new Set(hashes).size, 6, 'the resumed run measured no lowered function again');
});

test('tessera tune: usage errors name what is wrong', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-tune-'));
  const records = join(dir, 'r.jsonl');
  const fail = async (args: string[], message: string) => {
    const r = await runCli(args);
    t.is(r.status, 1, `${args.join(' ')}: ${r.err}`);
    t.is(r.err.trim(), message);
  };
  await fail(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--records', records], 'tessera tune: --trials N is required: how many candidates to measure (200 is a good budget)');
  await fail(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', '4'], 'tessera tune: --records FILE is required: the JSON-lines file the tuning records are appended to (and resumed from)');
  await fail(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', 'many', '--records', records], 'tessera tune: --trials must be a positive integer, got "many"');
  await fail(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', '4', '--minutes', '0', '--records', records], 'tessera tune: --minutes must be a positive number, got "0"');
  await fail(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', '4', '--records', records, '--target', 'cuda'], 'tessera tune: --target must be wasm-simd or webgpu, got "cuda"');
  await fail(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', '4', '--records', records, '--target', 'webgpu', '--threads', '2'], 'tessera tune: --threads applies to wasm-simd; a webgpu kernel runs on the device (got --threads 2)');
  await fail(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', '4', '--records', records, '--size', 'Q=3'], 'tessera tune: --size Q: pipeline blur has no size variable Q (it has C, H, W)');
  await fail(['tune', 'tests/fixtures/cli/scale_module.ts', '--trials', '4', '--records', records], 'tessera tune: pipeline scale is tuned at concrete sizes: give --size N=N (or sizes in the module\'s entry)');
  await fail(['tune', 'examples/nope.ts', '--trials', '4', '--records', records], 'tessera tune: cannot load module examples/nope.ts: no such file');
  await fail(['tune', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--trials', '4', '--records', dir, ...SIZES], `tessera tune: TuningDatabaseError: tuning records: ${dir} is not a file`);
});
