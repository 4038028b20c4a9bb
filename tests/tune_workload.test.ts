/**
 * The workload key: the same in another process and under a bundled, minified copy of the definitions
 * (whose axis names the minifier renamed), different when a shape, a size or a dtype changes; and the
 * spec rebuilds a pipeline that computes the same values (checked with the reference evaluator) and
 * lowers a replayed trace to the same function.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { workloadOf, pipelineFromSpec, withAxisNames, definitionAxes, canonicalJson, WorkloadError, specOf } from '../autotune/workload.js';
import { loweredHash } from '../autotune/lowered_hash.js';
import { evaluate } from '../reference/evaluate.js';
import { lower } from '../lower/lower.js';
import { Schedule } from '../schedule/schedule.js';
import { compute, pipeline, placeholder, sizeVar } from '../dsl/index.js';
import { ALL, blurF32, blurU16, matmul } from './helpers/pipelines.js';
import { parallelBlurSchedule } from './helpers/schedules.js';
import { keysOfTestPipelines } from './helpers/workload_keys.js';

const root = fileURLToPath(new URL('..', import.meta.url));

test('the key is the same in another process', (t) => {
  const here = keysOfTestPipelines();
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', "import('./tests/helpers/workload_keys.ts').then((m) => process.stdout.write(JSON.stringify(m.keysOfTestPipelines())))"], { cwd: root, encoding: 'utf8' });
  const there = JSON.parse(out) as ReturnType<typeof keysOfTestPipelines>;
  t.deepEqual(Object.keys(there).sort(), Object.keys(here).sort());
  for (const name of Object.keys(here)) t.is(there[name]!.key, here[name]!.key, name);
});

test('the key is the same under a bundled, minified copy of the definitions, whose axis names the minifier renamed', async (t) => {
  const here = keysOfTestPipelines();
  const r = await build({
    absWorkingDir: root, stdin: { contents: "import { keysOfTestPipelines } from './tests/helpers/workload_keys.ts'; process.stdout.write(JSON.stringify(keysOfTestPipelines()));", resolveDir: root, loader: 'ts' },
    bundle: true, minify: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent',
  });
  const dir = mkdtempSync(join(tmpdir(), 'tessera-key-'));
  const file = join(dir, 'keys.mjs');
  writeFileSync(file, r.outputFiles[0]!.text);
  const there = JSON.parse(execFileSync(process.execPath, [file], { encoding: 'utf8' })) as ReturnType<typeof keysOfTestPipelines>;
  let renamed = 0;
  for (const name of Object.keys(here)) {
    t.is(there[name]!.key, here[name]!.key, name);
    if (JSON.stringify(there[name]!.axes) !== JSON.stringify(here[name]!.axes)) renamed++;
  }
  t.true(renamed >= 3, `the minifier renamed the axes of ${renamed} pipelines (the key must not depend on them)`);
});

test('the key changes with a shape, a size or a dtype, and not with the report name', (t) => {
  const key = (w: ReturnType<typeof workloadOf>) => w.key;
  const m = matmul(13, 37, 11), m2 = matmul(13, 37, 12);
  t.not(key(workloadOf(m.pipeline, m.sizes)), key(workloadOf(m2.pipeline, m2.sizes)), 'a size');
  const u = blurU16(13, 37), f = blurF32(13, 37);
  t.not(key(workloadOf(u.pipeline, u.sizes)), key(workloadOf(f.pipeline, f.sizes)), 'a dtype');
  const constant = (n: number) => pipeline(compute('out', [n], (i) => placeholder('a', [n], 'f32').at(i).mul(2)));
  const symbolic = () => { const N = sizeVar('N'); return pipeline(compute('out', [N], (i) => placeholder('a', [N], 'f32').at(i).mul(2))); };
  t.not(key(workloadOf(constant(16), {})), key(workloadOf(constant(17), {})), 'a constant shape');
  t.not(key(workloadOf(constant(16), {})), key(workloadOf(symbolic(), { N: 16 })), 'a constant extent is not a size variable of that value');
  t.is(key(workloadOf(m.pipeline, m.sizes, 'one name')), key(workloadOf(m.rebuild().pipeline, m.sizes, 'another')), 'the name is for reports');
  const c = constant(16);
  t.not(key(workloadOf(c, {})), key(workloadOf(pipeline(compute('out', [16], (i) => placeholder('a', [16], 'f32').at(i).mul(3))), {})), 'a constant in an expression');
});

test('bad sizes are refused with the variable named', (t) => {
  const m = matmul();
  t.throws(() => workloadOf(m.pipeline, { M: 4, N: 4 }), { instanceOf: WorkloadError, message: /the size variable K has no value/ });
  t.throws(() => workloadOf(m.pipeline, { M: 4, N: 4, K: 4, Q: 1 }), { instanceOf: WorkloadError, message: /Q is not a size variable of the pipeline \(its size variables: M, K, N\)/ });
  t.throws(() => workloadOf(m.pipeline, { M: 4, N: 0, K: 4 }), { instanceOf: WorkloadError, message: /N = 0 is not a positive i32 integer/ });
});

for (const [name, make] of Object.entries(ALL)) {
  test(`the spec of ${name} rebuilds a pipeline with the same key and the same values`, (t) => {
    const tp = make();
    const w = workloadOf(tp.pipeline, tp.sizes);
    const spec = JSON.parse(JSON.stringify(w.spec));
    const q = pipelineFromSpec(spec);
    t.is(workloadOf(q, tp.sizes).key, w.key);
    t.deepEqual(specOf(q, tp.sizes), w.spec, 'the spec round-trips');
    const want = evaluate(tp.pipeline, tp.inputs(3), tp.sizes), got = evaluate(q, tp.inputs(3), tp.sizes);
    for (const o of tp.outputs) t.deepEqual(got[o]!.data, want[o]!.data, o);
  });
}

test('renamed axes keep the key, and a trace replays on the renamed copy to the same lowered function as on a copy with the original names', (t) => {
  const tp = blurU16(16, 40);
  const w = workloadOf(tp.pipeline, tp.sizes);
  const axes = definitionAxes(w.spec);
  t.deepEqual(axes.blur_y, ['y', 'x']);
  const renamed = withAxisNames(w.spec, { ...axes, blur_x: ['a', 'b'], blur_y: ['c', 'd'] });
  t.is(workloadOf(pipelineFromSpec(renamed), tp.sizes).key, w.key);
  const trace = parallelBlurSchedule(tp.pipeline).trace;
  const onRebuilt = (spec: typeof w.spec) => { const p = pipelineFromSpec(spec); return loweredHash(lower(p, Schedule.replay(p, trace)).func); };
  t.is(onRebuilt(w.spec), onRebuilt(JSON.parse(JSON.stringify(w.spec))), 'rebuilding is deterministic');
  t.throws(() => onRebuilt(renamed), { message: /blur_y.*y is not a loop of this stage/ }, 'the trace names the original axes');
  t.is(onRebuilt(withAxisNames(renamed, axes)), onRebuilt(w.spec), 'renamed back, the trace lowers to the same function');
});

test('a malformed spec is refused with what is wrong', (t) => {
  const w = workloadOf(matmul().pipeline, matmul().sizes);
  t.throws(() => pipelineFromSpec({ ...w.spec, version: 99 }), { instanceOf: WorkloadError, message: /version 99 is not 1/ });
  const stages = JSON.parse(JSON.stringify(w.spec.stages));
  stages[0].body = { k: 'access', f: 'Z', args: [] };
  t.throws(() => pipelineFromSpec({ ...w.spec, stages }), { instanceOf: WorkloadError, message: /stage C reads Z, which is not an input or an earlier stage/ });
});

test('canonical JSON sorts keys at every level', (t) => {
  t.is(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
  t.throws(() => canonicalJson({ a: NaN }), { instanceOf: WorkloadError });
});
