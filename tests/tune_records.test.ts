/**
 * Compiling from tuning records: `compile(p, sch, { records, sizes })` replays the best record of the
 * workload on this engine's target class to the very function the measurer built and timed (same
 * structural hash), also for a copy of the definition whose axes have other names; the compiled
 * pipeline and its artifact name the record; a record of another target class is never applied.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile, compute, pipeline, placeholder, repeatEdge, sizeVar, type Pipeline } from '../tessera.js';
import { Measurer } from '../autotune/measure.js';
import { TuningDatabase } from '../autotune/database.js';
import { workloadOf, definitionAxes } from '../autotune/workload.js';
import { wasmTarget, type TuningTarget } from '../autotune/target.js';
import { loweredHash } from '../autotune/lowered_hash.js';
import { Schedule } from '../schedule/schedule.js';
import { lower } from '../lower/lower.js';
import { blurU16 } from './helpers/pipelines.js';
import { parallelBlurSchedule } from './helpers/schedules.js';
import { reference, diffArrays } from './helpers/compare.js';

const SIZES = { H: 24, W: 70 };

/** The test blur with axes named r, c instead of y, x (what a minifier does to the callbacks' parameters). */
function blurRenamed(): Pipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [H, W], 'u16');
  const e = repeatEdge(input);
  const blurX = compute('blur_x', [H, W], (r, c) => e.at(r, c.sub(1)).add(e.at(r, c)).add(e.at(r, c.add(1))).div(3));
  return pipeline(compute('blur_y', [H, W], (r, c) => blurX.at(r.sub(1), c).add(blurX.at(r, c)).add(blurX.at(r.add(1), c)).div(3)));
}

test('a measured record compiles to the function that was measured, named by the result and its artifact, also under renamed axes', async (t) => {
  const tp = blurU16(SIZES.H, SIZES.W);
  const w = workloadOf(tp.pipeline, tp.sizes);
  const target = wasmTarget();
  const db = await TuningDatabase.open(join(mkdtempSync(join(tmpdir(), 'tessera-rec-')), 'r.jsonl'));
  const m = await Measurer.create(w, target, { builders: 1, minRepeatMs: 5, repeats: 3 });
  let id: string, hash: string;
  try {
    const trace = [...parallelBlurSchedule(tp.pipeline).trace];
    const [r] = await m.measure([trace]);
    t.is(r!.status, 'ok', JSON.stringify(r));
    const rec = await db.append({ workload: w.key, workloadName: w.name, axes: definitionAxes(w.spec), target, trace, loweredHash: r!.loweredHash!, result: r! });
    id = rec.id;
    hash = rec.loweredHash!;
  } finally {
    await m.close();
  }
  const fresh = blurU16(SIZES.H, SIZES.W);
  const f = compile(fresh.pipeline, undefined, { records: db, sizes: SIZES });
  t.is(f.record?.id, id);
  t.is(f.record?.workload, w.key);
  t.is(loweredHash(f.lowered), hash, 'replaying the record gives the lowered function the measurer built');
  t.is(f.artifact().description.record?.id, id, 'the artifact names the record');
  const want = reference(fresh, 5).blur_y!;
  t.is(diffArrays('blur_y', f(fresh.inputs(5)).blur_y!.data, want.data, want.shape, false), undefined);

  const renamed = blurRenamed();
  t.is(workloadOf(renamed, SIZES).key, w.key, 'renamed axes: the same workload');
  const g = compile(renamed, undefined, { records: db, sizes: SIZES });
  t.is(g.record?.id, id);
  t.is(loweredHash(g.lowered), hash, 'the record replays on the renamed definition to the same function');
  t.not(loweredHash(lower(renamed, new Schedule(renamed)).func), hash);
});

test('a record of another target class is never applied', async (t) => {
  const tp = blurU16(SIZES.H, SIZES.W);
  const w = workloadOf(tp.pipeline, tp.sizes);
  const here = wasmTarget({ fma: 'none' });
  const others: TuningTarget[] = [
    { ...here, threads: 2, features: [...here.features, 'threads'].sort() },
    { ...here, engineVersion: '99.0.0' },
    { ...here, engine: 'chromium' },
    { ...here, features: ['relaxed-simd', 'simd128'] },
    { kind: 'webgpu', engine: here.engine, engineVersion: here.engineVersion, features: [], threads: 1, gpu: { adapter: 'swiftshader', limits: {} } },
  ];
  const db = await TuningDatabase.open(join(mkdtempSync(join(tmpdir(), 'tessera-rec-')), 'r.jsonl'));
  const trace = [...parallelBlurSchedule(tp.pipeline).trace];
  for (const target of others) {
    await db.append({ workload: w.key, workloadName: w.name, axes: definitionAxes(w.spec), target, trace, result: { status: 'ok', seconds: 1e-6 } });
  }
  const f = compile(tp.pipeline, undefined, { records: db, sizes: SIZES, tuningTarget: here });
  t.is(f.record, undefined);
  t.is(loweredHash(f.lowered), loweredHash(lower(tp.pipeline, new Schedule(tp.pipeline)).func), 'the schedule passed (the default) is compiled');
  t.is(f.artifact().description.record, undefined);
  for (const target of others.filter((o) => o.kind === 'wasm-simd')) {
    t.is(compile(tp.pipeline, undefined, { records: db, sizes: SIZES, tuningTarget: target, fma: 'none' }).record?.workload, w.key, 'each record applies on its own class');
  }
  t.throws(() => compile(tp.pipeline, undefined, { records: db, sizes: SIZES, tuningTarget: others[4] }), { message: /tuningTarget is a webgpu target; compile builds wasm-simd kernels/ });
  t.throws(() => compile(tp.pipeline, undefined, { records: db }), { message: /the size variable H has no value/ });
});
