/**
 * Timing dispatches on the GPU: timestamp queries at the start and end of the compute pass where the
 * device has them, the wall clock around submit and completion otherwise. Software adapters
 * (SwiftShader) may write equal or zero timestamps; then the wall-clock figure stands, and the
 * method says so.
 */
import { BufferUsage, readBuffer } from './buffers.js';
import type { GpuContext } from './device.js';
import { type DispatchCall, recordDispatches, submit } from './dispatch.js';
import { GpuDispatchError } from './errors.js';
import { withErrorScope } from './error_scope.js';

export type TimingMethod = 'timestamp-query' | 'wall-clock' | 'wall-clock (timestamp-query gave no time)';

export interface GpuTiming {
  /** Milliseconds the dispatches took, by `method`. */
  readonly ms: number;
  readonly method: TimingMethod;
  /** Milliseconds from submit until the queue reported the work done (includes submission overhead). */
  readonly wallMs: number;
}

const NS_PER_MS = 1e6;

/**
 * Runs `calls` once, in one compute pass, and times them. Waits first for work submitted earlier, so
 * it is not counted. With 'timestamp-query' the time is end-of-pass minus beginning-of-pass (WebGPU §
 * Timestamp Query: `timestampWrites`, resolveQuerySet; nanoseconds); without it, or when those read 0
 * or less, the wall clock around `queue.submit` and `onSubmittedWorkDone()` (WebGPU § Queues).
 * @returns milliseconds and the method that measured them
 * @throws GpuDispatchError as `encodeDispatches` and `submit` do
 * @throws GpuDeviceLostError when the device is lost
 */
export async function timeDispatches(ctx: GpuContext, calls: readonly DispatchCall[]): Promise<GpuTiming> {
  const operation = 'timing dispatches';
  const { device } = ctx;
  ctx.assertAlive(operation);
  await device.queue.onSubmittedWorkDone();

  const queries = ctx.hasTimestamps
    ? (await withErrorScope(ctx, operation, () => ({
        set: device.createQuerySet({ label: operation, type: 'timestamp', count: 2 }),
        resolved: device.createBuffer({ label: `${operation}: timestamps`, size: 16, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC }),
      }))).value
    : undefined;
  try {
    const { value: commands, error } = await withErrorScope(ctx, operation, () => {
      const encoder = device.createCommandEncoder({ label: operation });
      recordDispatches(ctx, encoder, calls, queries && { querySet: queries.set, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 });
      if (queries) encoder.resolveQuerySet(queries.set, 0, 2, queries.resolved, 0);
      return encoder.finish();
    });
    if (error) throw new GpuDispatchError(`${operation}: ${error.message}`);

    const start = performance.now();
    await submit(ctx, [commands]);
    await device.queue.onSubmittedWorkDone();
    const wallMs = performance.now() - start;
    ctx.assertAlive(operation);
    if (!queries) return { ms: wallMs, method: 'wall-clock', wallMs };

    const [begin, end] = new BigUint64Array(await readBuffer(ctx, queries.resolved, 16));
    const ms = Number(end! - begin!) / NS_PER_MS;
    return ms > 0 ? { ms, method: 'timestamp-query', wallMs } : { ms: wallMs, method: 'wall-clock (timestamp-query gave no time)', wallMs };
  } finally {
    queries?.set.destroy();
    queries?.resolved.destroy();
  }
}
