/**
 * GPU buffers for kernels: storage buffers uploaded from typed arrays or left zeroed, uniform blocks of
 * 32-bit words, and reading a buffer back. WebGPU wants buffer and copy sizes in multiples of 4 bytes,
 * uniform blocks in multiples of 16; these functions pad, so callers think in their arrays' own bytes.
 */
import type { TypedArray } from '../dtype.js';
import type { GpuContext } from './device.js';
import { GpuBufferError } from './errors.js';
import { withErrorScope } from './error_scope.js';

/** `GPUBufferUsage` flags (WebGPU § Buffer Usages), spelled out so no global is needed in Node. */
export const BufferUsage = {
  MAP_READ: 0x0001, MAP_WRITE: 0x0002, COPY_SRC: 0x0004, COPY_DST: 0x0008, INDEX: 0x0010, VERTEX: 0x0020,
  UNIFORM: 0x0040, STORAGE: 0x0080, INDIRECT: 0x0100, QUERY_RESOLVE: 0x0200,
} as const;

/** `GPUMapMode.READ` (WebGPU § Buffer Mapping). */
const MAP_MODE_READ = 0x0001;

const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
const UNIFORM_USAGE = BufferUsage.UNIFORM | BufferUsage.COPY_DST;

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

const describe = (kind: string, label: string | undefined) => (label ? `${kind} '${label}'` : `unlabeled ${kind}`);

function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n} bytes` : `${n} bytes (${+v.toFixed(2)} ${units[u]})`;
}

function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Refuses a size over a binding limit or the buffer limit, naming the buffer and the limit. */
function checkSize(ctx: GpuContext, what: string, size: number, bindingLimit: 'maxStorageBufferBindingSize' | 'maxUniformBufferBindingSize'): void {
  for (const limit of [bindingLimit, 'maxBufferSize'] as const) {
    if (size > ctx.limits[limit]) {
      throw new GpuBufferError(`${what} needs ${formatBytes(size)}, over the device's ${limit} of ${formatBytes(ctx.limits[limit])}; split the tensor across several buffers or dispatches`);
    }
  }
}

function createFilled(ctx: GpuContext, what: string, size: number, usage: number, label: string | undefined, bytes?: Uint8Array): GPUBuffer {
  ctx.assertAlive(`creating ${what}`);
  let buffer: GPUBuffer;
  try {
    buffer = ctx.device.createBuffer({ label, size, usage, mappedAtCreation: bytes !== undefined });
  } catch (e) {
    throw new GpuBufferError(`creating ${what} of ${formatBytes(size)}: ${(e as Error).message}`);
  }
  if (bytes) {
    new Uint8Array(buffer.getMappedRange()).set(bytes);
    buffer.unmap();
  }
  return buffer;
}

/**
 * A storage buffer holding `data`'s bytes (any typed array; WGSL reads u8/u16 data as packed u32
 * words), zero-padded to a multiple of 4 bytes. Usage STORAGE | COPY_SRC | COPY_DST.
 * Follows WebGPU § Buffer Creation (`mappedAtCreation`).
 * @throws GpuBufferError naming the buffer when its size exceeds maxStorageBufferBindingSize or maxBufferSize
 * @throws GpuDeviceLostError when the device is lost
 */
export function createStorageBuffer(ctx: GpuContext, data: TypedArray, label?: string): GPUBuffer {
  const what = describe('storage buffer', label);
  const size = Math.max(4, roundUp(data.byteLength, 4));
  checkSize(ctx, what, size, 'maxStorageBufferBindingSize');
  return createFilled(ctx, what, size, STORAGE_USAGE, label, bytesOf(data));
}

/**
 * A zero-filled storage buffer of `byteLength` bytes rounded up to a multiple of 4 (at least 4).
 * Usage STORAGE | COPY_SRC | COPY_DST. Follows WebGPU § Buffer Creation (buffers start zeroed).
 * @throws GpuBufferError for a negative or fractional size, or one over maxStorageBufferBindingSize or maxBufferSize
 * @throws GpuDeviceLostError when the device is lost
 */
export function createEmptyStorageBuffer(ctx: GpuContext, byteLength: number, label?: string): GPUBuffer {
  const what = describe('storage buffer', label);
  if (!Number.isInteger(byteLength) || byteLength < 0) throw new GpuBufferError(`${what}: size must be a whole number of bytes, got ${byteLength}`);
  const size = Math.max(4, roundUp(byteLength, 4));
  checkSize(ctx, what, size, 'maxStorageBufferBindingSize');
  return createFilled(ctx, what, size, STORAGE_USAGE, label);
}

/**
 * A uniform buffer holding 32-bit words (write f32 fields through a Float32Array over the same
 * ArrayBuffer), zero-padded to a multiple of 16 bytes as WGSL's uniform layout rounds structs.
 * Usage UNIFORM | COPY_DST. Follows WebGPU § Buffer Creation; WGSL § Address Space Layout Constraints.
 * @throws GpuBufferError naming the buffer when its size exceeds maxUniformBufferBindingSize or maxBufferSize
 * @throws GpuDeviceLostError when the device is lost
 */
export function createUniformBuffer(ctx: GpuContext, data: Int32Array | Uint32Array, label?: string): GPUBuffer {
  const what = describe('uniform buffer', label);
  const size = Math.max(16, roundUp(data.byteLength, 16));
  checkSize(ctx, what, size, 'maxUniformBufferBindingSize');
  return createFilled(ctx, what, size, UNIFORM_USAGE, label, bytesOf(data));
}

/**
 * Writes `data`'s bytes into `buffer` at `byteOffset` (a multiple of 4) through the queue; a length
 * that is not a multiple of 4 is zero-padded, so the padding overwrites up to 3 bytes after it.
 * Follows WebGPU § GPUQueue writeBuffer.
 * @throws GpuBufferError when the write does not fit the buffer, the offset is not a multiple of 4,
 *   the buffer lacks COPY_DST usage, or the device refuses it
 * @throws GpuDeviceLostError when the device is lost
 */
export async function writeBuffer(ctx: GpuContext, buffer: GPUBuffer, data: TypedArray, byteOffset = 0): Promise<void> {
  const what = describe('buffer', buffer.label);
  const padded = roundUp(data.byteLength, 4);
  if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0) throw new GpuBufferError(`writing ${what}: the offset must be a multiple of 4 bytes, got ${byteOffset}`);
  if (byteOffset + padded > buffer.size) throw new GpuBufferError(`writing ${what}: ${formatBytes(padded)} at offset ${byteOffset} do not fit its ${formatBytes(buffer.size)}`);
  if (!(buffer.usage & BufferUsage.COPY_DST)) throw new GpuBufferError(`writing ${what}: it was created without COPY_DST usage`);
  let bytes = bytesOf(data);
  if (padded !== bytes.byteLength) { const p = new Uint8Array(padded); p.set(bytes); bytes = p; }
  const { error } = await withErrorScope(ctx, `writing ${what}`, () => ctx.device.queue.writeBuffer(buffer, byteOffset, bytes as Uint8Array<ArrayBuffer>));
  if (error) throw new GpuBufferError(`writing ${what}: ${error.message}`);
}

/**
 * Reads the first `byteLength` bytes of `buffer` (default: all of it): copies them (rounded up to 4)
 * into a MAP_READ staging buffer, maps it, copies out and destroys the staging buffer. Waits for all
 * work submitted before it. Follows WebGPU § Buffer Mapping (mapAsync) and § copyBufferToBuffer.
 * @returns exactly `byteLength` bytes
 * @throws GpuBufferError when `byteLength` is out of range, the buffer lacks COPY_SRC usage, or the
 *   device refuses the copy or the mapping (the message names the buffer)
 * @throws GpuDeviceLostError when the device is lost, before or during the read
 */
export async function readBuffer(ctx: GpuContext, buffer: GPUBuffer, byteLength: number = buffer.size): Promise<ArrayBuffer> {
  const what = describe('buffer', buffer.label);
  const operation = `reading ${what}`;
  ctx.assertAlive(operation);
  if (!Number.isInteger(byteLength) || byteLength < 0 || byteLength > buffer.size) {
    throw new GpuBufferError(`${operation}: cannot read ${byteLength} bytes from a buffer of ${formatBytes(buffer.size)}`);
  }
  if (!(buffer.usage & BufferUsage.COPY_SRC)) throw new GpuBufferError(`${operation}: it was created without COPY_SRC usage, so it cannot be copied out`);
  if (byteLength === 0) return new ArrayBuffer(0);
  const copySize = roundUp(byteLength, 4);
  if (copySize > buffer.size) throw new GpuBufferError(`${operation}: copies move multiples of 4 bytes, and ${copySize} bytes do not fit its ${formatBytes(buffer.size)}`);

  const { device } = ctx;
  const { value: staging, error } = await withErrorScope(ctx, operation, () => {
    const staging = device.createBuffer({ label: `staging for ${what}`, size: copySize, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder({ label: operation });
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, copySize);
    device.queue.submit([encoder.finish()]);
    return staging;
  });
  try {
    if (error) throw new GpuBufferError(`${operation}: ${error.message}`);
    try {
      await staging.mapAsync(MAP_MODE_READ, 0, copySize);
    } catch (e) {
      ctx.assertAlive(operation);
      throw new GpuBufferError(`${operation}: mapping its staging buffer failed: ${(e as Error).message}`);
    }
    ctx.assertAlive(operation);
    const out = staging.getMappedRange(0, copySize).slice(0, byteLength);
    staging.unmap();
    return out;
  } finally {
    staging.destroy();
  }
}
