/**
 * A tiny tune() with relaxed-SIMD FMA, for a child process started with
 * --experimental-wasm-relaxed-simd (tests/tune_measure.test.ts): prints the statuses and the target's
 * features as one JSON line.
 */
import { tune } from '../../autotune/tune.js';
import { matmul } from './pipelines.js';

const tp = matmul(32, 32, 32);
const r = await tune(tp.pipeline, tp.sizes, {
  trials: 4, fma: 'relaxed',
  measure: { minRepeatMs: 5, repeats: 3, warmupMs: 5, builders: 1 },
  search: { batchSize: 4, populationSize: 8, generations: 1 },
});
process.stdout.write(`${JSON.stringify({ statuses: r.statistics.statuses, features: r.target.features })}\n`);
process.exit(0);
