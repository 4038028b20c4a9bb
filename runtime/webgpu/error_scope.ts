/**
 * Runs WebGPU calls inside validation and out-of-memory error scopes, so that what the implementation
 * reports about them comes back to the caller instead of going to the console (Dawn prints uncaptured
 * errors to stdout). Push and pop happen in the same synchronous stretch, so concurrent operations on
 * one device cannot pop each other's scopes.
 */
import type { GpuContext } from './device.js';

/** What a scoped call returned, and the first error the device reported about it, if any. */
export interface Scoped<T> {
  readonly value: T;
  readonly error: GPUError | null;
}

/**
 * Calls `fn` (synchronous WebGPU calls) inside a validation and an out-of-memory error scope (WebGPU §
 * Error Scopes). Errors thrown by `fn` itself propagate after the scopes are popped.
 * @param operation what is being done, for a lost device's message
 * @throws GpuDeviceLostError when the device is lost, before or while the scopes resolve
 */
export async function withErrorScope<T>(ctx: GpuContext, operation: string, fn: () => T): Promise<Scoped<T>> {
  ctx.assertAlive(operation);
  const { device } = ctx;
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let value: T;
  try {
    value = fn();
  } catch (e) {
    for (let i = 0; i < 2; i++) device.popErrorScope().catch(() => {});
    throw e;
  }
  const [validation, memory] = await Promise.all([device.popErrorScope(), device.popErrorScope()]);
  // A lost device pops every scope as null: the loss is the error.
  ctx.assertAlive(operation);
  return { value, error: validation ?? memory };
}
