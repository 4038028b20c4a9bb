/**
 * WebGPU candidates through the same Measurer (on SwiftShader where there is no GPU; run by npm test,
 * which points Dawn at it): a workgroup-tiled SGEMM is built to WGSL, checked against the reference
 * evaluator and timed (timestamp queries where the adapter has them); a schedule the GPU cannot run is
 * refused with its code; a record of it is filed under the adapter's target class.
 */
import { requireGpu } from './helpers/environment.js';
import { acquireGpu } from '../runtime/webgpu/device.js';
import { Measurer } from '../autotune/measure.js';
import { workloadOf } from '../autotune/workload.js';
import { gpuTarget, targetClass, wasmTarget } from '../autotune/target.js';
import { Schedule } from '../schedule/schedule.js';
import { sgemmPipeline, sgemmGpuSchedule } from '../examples/sgemm_pipeline.js';

const { test } = await requireGpu(import.meta.url);

test('a GPU SGEMM schedule is built, checked and timed by the Measurer; one the GPU cannot run is invalid with its code', async (t) => {
  const ctx = await acquireGpu();
  const target = gpuTarget(ctx);
  t.is(target.kind, 'webgpu');
  t.is(target.gpu!.adapter, ctx.adapterInfo.label);
  t.not(targetClass(target), targetClass(wasmTarget()));
  ctx.destroy();
  const p = sgemmPipeline();
  const m = await Measurer.create(workloadOf(p, { M: 64, N: 64, K: 64 }), target, { builders: 1, minRepeatMs: 5, repeats: 3 });
  try {
    const [good, cpu] = await m.measure([[...sgemmGpuSchedule(p).trace], [...new Schedule(p).trace]]);
    t.is(good!.status, 'ok', JSON.stringify(good));
    t.true(good!.seconds! > 0);
    t.regex(good!.method!, /^(timestamp-query|wall-clock)/, 'the GPU timing method is reported');
    t.is(cpu!.status, 'invalid', JSON.stringify(cpu));
    t.truthy(cpu!.code, 'the refusal has a code');
  } finally {
    await m.close();
  }
});
