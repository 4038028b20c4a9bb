/**
 * How a model's weights are stored in its weights file. The file holds the weights region of the
 * model's memory (or, on WebGPU, the constants' bytes) as it lies there, except for the runs listed
 * as f16: f32 tensors stored as IEEE 754 binary16 (half the bytes), widened to f32 when they are
 * copied in at load. Runs are in increasing order and do not overlap; between them the bytes are
 * stored as they are. An artifact compiled with `weights: 'f16'` lists every f32 constant whose
 * values all fit binary16's range.
 */
import { ArtifactError } from './abi.js';
import { f16ToF32 } from './f16.js';

/** f32 elements [offset, offset + 4 * count) of the region, stored as binary16. */
export interface HalfRun {
  /** Bytes from the start of the region; a multiple of 4. */
  readonly offset: number;
  /** f32 elements. */
  readonly count: number;
}

/**
 * The length of the file that stores a region of `regionBytes` bytes with `runs` as binary16.
 * @throws ArtifactError naming `where` when the runs are not increasing, overlap, are misaligned or
 *   leave the region
 */
export function storedWeightsBytes(regionBytes: number, runs: readonly HalfRun[], where: string): number {
  let end = 0, halved = 0;
  runs.forEach((r, i) => {
    if (!Number.isInteger(r.offset) || !Number.isInteger(r.count) || r.count < 0 || r.offset % 4 !== 0 || r.offset < end || r.offset + 4 * r.count > regionBytes) {
      throw new ArtifactError(`${where}: f16 weights run ${i} (offset ${r.offset}, ${r.count} elements) must be 4-byte aligned, after run ${i - 1}, and inside the ${regionBytes} bytes of weights`);
    }
    end = r.offset + 4 * r.count;
    halved += 2 * r.count;
  });
  return regionBytes - halved;
}

/**
 * Copies stored weights into `region` (the weights' place in memory, or a staging array), widening
 * the f16 runs. `stored` must be `storedWeightsBytes(region.byteLength, runs)` long (checked).
 * @throws ArtifactError naming `where` when the stored bytes have another length, or the runs are bad
 */
export function loadWeights(stored: Uint8Array, runs: readonly HalfRun[], region: Uint8Array, where: string): void {
  const want = storedWeightsBytes(region.byteLength, runs, where);
  if (stored.byteLength !== want) throw new ArtifactError(`${where}: the weights hold ${stored.byteLength} bytes, but ${region.byteLength} bytes of weights with ${runs.length} f16 run(s) are stored in ${want}`);
  let from = 0, to = 0;
  const copy = (n: number) => { region.set(stored.subarray(from, from + n), to); from += n; to += n; };
  for (const r of runs) {
    copy(r.offset - to);
    // Gaps are whole f32 elements and runs 2 bytes per element, so `from` is even; the copies are for
    // views that typed arrays cannot take in place (a file read into an odd offset of its buffer).
    const bits = (stored.byteOffset + from) % 2 === 0
      ? new Uint16Array(stored.buffer, stored.byteOffset + from, r.count)
      : new Uint16Array(stored.slice(from, from + 2 * r.count).buffer);
    const out = (region.byteOffset + to) % 4 === 0
      ? new Float32Array(region.buffer, region.byteOffset + to, r.count)
      : new Float32Array(r.count);
    f16ToF32(bits, out);
    if (out.buffer !== region.buffer) region.set(new Uint8Array(out.buffer), to);
    from += 2 * r.count;
    to += 4 * r.count;
  }
  copy(region.byteLength - to);
}
