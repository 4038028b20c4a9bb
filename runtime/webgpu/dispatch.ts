/**
 * Dispatching compute pipelines: binding i of group 0 is the call's i-th buffer, workgroup counts are
 * checked against the device before anything is encoded, and what the device says about the bindings
 * or the encoding comes back as a thrown error. Several dispatches can share one command buffer and
 * one compute pass; WebGPU orders them and makes each one's storage writes visible to the next.
 */
import type { GpuContext } from './device.js';
import { GpuDispatchError } from './errors.js';
import { withErrorScope } from './error_scope.js';

/** Workgroup counts in x, y, z. */
export type Workgroups = readonly [number, number, number];

/** One dispatch: a pipeline, its buffers (binding i of group 0 is `bindings[i]`) and its grid. */
export interface DispatchCall {
  readonly pipeline: GPUComputePipeline;
  readonly bindings: readonly GPUBuffer[];
  readonly workgroups: Workgroups;
  /** Names the dispatch in errors and in the device's messages. */
  readonly label?: string;
}

const AXES = ['x', 'y', 'z'] as const;

/**
 * Checks a dispatch's workgroup counts: three whole numbers, none over maxComputeWorkgroupsPerDimension
 * (WebGPU § Dispatch: dispatchWorkgroups validation).
 * @throws GpuDispatchError naming the dimension and the limit
 */
export function checkWorkgroups(ctx: GpuContext, workgroups: Workgroups, label?: string): void {
  const what = `dispatch${label ? ` '${label}'` : ''} of [${workgroups.join(', ')}] workgroups`;
  if (workgroups.length !== 3) throw new GpuDispatchError(`${what}: give three counts, [x, y, z]`);
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  workgroups.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 0) throw new GpuDispatchError(`${what}: dimension ${AXES[i]} must be a whole number of workgroups, got ${n}`);
    if (n > max) {
      throw new GpuDispatchError(`${what}: dimension ${AXES[i]} is over the device's maxComputeWorkgroupsPerDimension ${max}; spread the grid over the other dimensions or give each invocation more work`);
    }
  });
}

/**
 * Records `calls` in order into one compute pass of `encoder` (synchronous; errors the device finds
 * surface when the encoder is finished). Follows WebGPU § Compute Passes (beginComputePass,
 * setBindGroup, dispatchWorkgroups) and § Timestamp Query for `timestampWrites`.
 * @throws GpuDispatchError for workgroup counts over the device's limits, before anything is recorded
 */
export function recordDispatches(ctx: GpuContext, encoder: GPUCommandEncoder, calls: readonly DispatchCall[], timestampWrites?: GPUComputePassTimestampWrites): void {
  for (const call of calls) checkWorkgroups(ctx, call.workgroups, call.label);
  const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
  for (const call of calls) {
    pass.setPipeline(call.pipeline);
    if (call.bindings.length > 0) {
      pass.setBindGroup(0, ctx.device.createBindGroup({
        label: call.label,
        layout: call.pipeline.getBindGroupLayout(0),
        entries: call.bindings.map((buffer, binding) => ({ binding, resource: { buffer } })),
      }));
    }
    pass.dispatchWorkgroups(...call.workgroups);
  }
  pass.end();
}

const namesOf = (calls: readonly DispatchCall[]) => calls.map((c, i) => c.label ?? `#${i}`).join(', ');

/**
 * Encodes `calls` into one command buffer (one compute pass), to be given to `submit`.
 * Follows WebGPU § Command Encoding and § Error Scopes.
 * @throws GpuDispatchError for workgroup counts over the device's limits, or with the device's message
 *   when it rejects a bind group or the encoding (a buffer the shader does not declare, a wrong usage)
 * @throws GpuDeviceLostError when the device is lost
 */
export async function encodeDispatches(ctx: GpuContext, calls: readonly DispatchCall[]): Promise<GPUCommandBuffer> {
  const operation = `encoding dispatches [${namesOf(calls)}]`;
  const { value, error } = await withErrorScope(ctx, operation, () => {
    const encoder = ctx.device.createCommandEncoder({ label: operation });
    recordDispatches(ctx, encoder, calls);
    return encoder.finish();
  });
  if (error) throw new GpuDispatchError(`${operation}: ${error.message}`);
  return value;
}

/**
 * Submits command buffers to the device's queue; resolves once the device has accepted them, not when
 * they finish (read a buffer back, or await `queue.onSubmittedWorkDone()`, to wait for that).
 * Follows WebGPU § Queues (submit) and § Error Scopes.
 * @throws GpuDispatchError with the device's message when it refuses the submission (a destroyed buffer)
 * @throws GpuDeviceLostError when the device is lost
 */
export async function submit(ctx: GpuContext, commandBuffers: readonly GPUCommandBuffer[]): Promise<void> {
  const { error } = await withErrorScope(ctx, 'submitting work', () => ctx.device.queue.submit(commandBuffers));
  if (error) throw new GpuDispatchError(`submitting work: ${error.message}`);
}

/**
 * Runs one dispatch: `pipeline` over `workgroups` with binding i of group 0 set to `bindings[i]`.
 * Resolves when the device has accepted it (see `submit`). Follows WebGPU § Dispatch.
 * @throws GpuDispatchError for counts over maxComputeWorkgroupsPerDimension (the message names the
 *   dimension and the limit), or with the device's message when it rejects the bindings
 * @throws GpuDeviceLostError when the device is lost
 */
export async function dispatch(ctx: GpuContext, pipeline: GPUComputePipeline, bindings: readonly GPUBuffer[], workgroups: Workgroups, label?: string): Promise<void> {
  const commands = await encodeDispatches(ctx, [{ pipeline, bindings, workgroups, label }]);
  await submit(ctx, [commands]);
}
