/**
 * A build worker: rebuilds the workload's pipeline from its spec once, then builds candidates one at a
 * time (autotune/build.ts). A build that runs too long is ended by killing the worker
 * (autotune/builder.ts).
 *
 * Requests: { kind: 'init', spec, options } then { kind: 'build', trace }.
 */
import type { Pipeline } from '../dsl/pipeline.js';
import type { Instruction } from '../schedule/instruction.js';
import { serveRequests } from './worker_port.js';
import { pipelineFromSpec, type WorkloadSpec } from './workload.js';
import { buildCandidate, type BuildOptions } from './build.js';

export type BuildRequest =
  | { readonly kind: 'init'; readonly spec: WorkloadSpec; readonly options: BuildOptions }
  | { readonly kind: 'build'; readonly trace: readonly Instruction[]; readonly options?: BuildOptions };

let state: { pipeline: Pipeline; spec: WorkloadSpec; options: BuildOptions } | undefined;

void serveRequests((m) => {
  const r = m as BuildRequest;
  if (r.kind === 'init') {
    state = { pipeline: pipelineFromSpec(r.spec), spec: r.spec, options: r.options };
    return { value: { ok: true } };
  }
  if (!state) throw new Error('build worker: build before init');
  const result = buildCandidate(state.pipeline, state.spec.sizes, r.trace, r.options ?? state.options);
  // Transfer the module's bytes when they own their buffer (a view into a larger one would detach it).
  const own = result.status === 'ok' && result.kind === 'wasm-simd' && result.binary.byteOffset === 0 && result.binary.byteLength === result.binary.buffer.byteLength;
  const transfer = own ? [result.binary.buffer as ArrayBuffer] : [];
  return { value: result, transfer };
});
