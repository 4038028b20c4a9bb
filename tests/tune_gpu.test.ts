/**
 * Tuning for WebGPU (SwiftShader in CI, or the machine's adapter): tune() builds the GPU space
 * (workgroups x invocations x private register tiles) for SGEMM from its definition, measures on the
 * device through the Measurer, and with a small budget finds a schedule faster than the hand GPU
 * schedule (examples/sgemm_pipeline.ts, measured by the same measurer as a baseline), whose kernel
 * matches plain JS loops.
 */
import { acquireGpu, compileGpu } from '../tessera.js';
import { tune } from '../autotune/tune.js';
import { sgemmPipeline, sgemmGpuSchedule } from '../examples/sgemm_pipeline.js';
import { failedCheck } from '../autotune/checks.js';
import { sketchOf } from '../autotune/candidate.js';
import { requireGpu } from './helpers/environment.js';

const { test } = await requireGpu(import.meta.url);

test('tune SGEMM 128 on WebGPU: faster than the hand GPU schedule, and correct', async (t) => {
  const gpu = await acquireGpu();
  try {
    const n = 128;
    const p = sgemmPipeline();
    const r = await tune(p, { M: n, N: n, K: n }, {
      target: 'webgpu', gpu, trials: 8, seed: 1, baselines: { hand: sgemmGpuSchedule(p).trace },
      measure: { minRepeatMs: 20, repeats: 3 }, search: { batchSize: 4, populationSize: 16, generations: 1, remeasureRounds: 3 },
    });
    t.is(r.target.kind, 'webgpu');
    t.is(failedCheck(sketchOf(r.space, r.trace)!.checks, r.trace), undefined);
    const hand = r.statistics.baselines.hand!;
    t.is(hand.status, 'ok', JSON.stringify(hand));
    t.true(r.seconds < hand.seconds!, `tuned ${r.seconds} s, hand ${hand.seconds} s`);
    const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 11) / 11 - 0.5), b = Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 13) / 13 - 0.5);
    const want = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) want[i * n + j] += a[i * n + k]! * b[k * n + j]!;
    const f = await compileGpu(p, r.schedule, { context: gpu });
    const got = (await f({ A: { data: a, shape: [n, n] }, B: { data: b, shape: [n, n] } })).C!.data;
    let worst = 0;
    got.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - want[i]!)); });
    t.true(worst < 1e-4, `largest error ${worst}`);
  } finally {
    gpu.destroy();
  }
});
