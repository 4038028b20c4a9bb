/**
 * The workload keys of the test pipelines and of the bench's conv workloads, with their axis names:
 * run in this process, in a child process, and bundled and minified by the workload-key test.
 */
import { workloadOf, definitionAxes } from '../../autotune/workload.js';
import { ALL } from './pipelines.js';
import { conv1x1Pipeline, depthwisePipeline } from '../../bench/workloads.js';
import { sgemmPipeline } from '../../examples/sgemm_pipeline.js';

export function keysOfTestPipelines(): Record<string, { key: string; axes: Record<string, string[]> }> {
  const out: Record<string, { key: string; axes: Record<string, string[]> }> = {};
  for (const [name, make] of Object.entries(ALL)) {
    const tp = make();
    const w = workloadOf(tp.pipeline, tp.sizes);
    out[name] = { key: w.key, axes: definitionAxes(w.spec) };
  }
  const more = {
    sgemm_256: workloadOf(sgemmPipeline(), { M: 256, N: 256, K: 256 }),
    conv1x1: workloadOf(conv1x1Pipeline({ N: 1, C: 64, K: 256, H: 56, W: 56 }), {}),
    depthwise: workloadOf(depthwisePipeline({ N: 1, C: 144, H: 56, W: 56 }), {}),
  };
  for (const [name, w] of Object.entries(more)) out[name] = { key: w.key, axes: definitionAxes(w.spec) };
  return out;
}
