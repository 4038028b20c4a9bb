import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { writeFileAtomic } from './atomic_write.js';

/** An 8-bit RGB image, pixels interleaved (R, G, B) in row-major order: `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3;
  data: Uint8Array;
}

export type PlanarDtype = 'u8' | 'u16' | 'f32';

interface PlanarArrayOf {
  u8: Uint8Array;
  u16: Uint16Array;
  f32: Float32Array;
}

/** An image as three channel planes: element (c, y, x) is at `c * height * width + y * width + x`. */
export interface PlanarImage<D extends PlanarDtype = PlanarDtype> {
  data: PlanarArrayOf[D];
  shape: [channels: 3, height: number, width: number];
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
const JPEG_MAX_MEMORY_MB = 2048;

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return bytes.length >= signature.length && signature.every((byte, i) => bytes[i] === byte);
}

function displayPath(path: string | URL): string {
  return path instanceof URL ? fileURLToPath(path) : path;
}

/**
 * Reads a JPEG or PNG file (recognised by its magic bytes, not its extension) as 8-bit RGB.
 * Alpha is dropped; grayscale is expanded to three equal channels; 16-bit PNGs are scaled to 8 bits.
 *
 * @returns `{ width, height, channels: 3, data }`, `data` RGB interleaved, row-major, values 0..255.
 * @throws Error naming the path when the file does not exist, is neither JPEG nor PNG, or fails to decode.
 */
export function readImage(path: string | URL): RgbImage {
  const shownPath = displayPath(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`readImage: no such file: ${shownPath}`, { cause: error });
    throw new Error(`readImage: cannot read ${shownPath}: ${(error as Error).message}`, { cause: error });
  }

  if (startsWith(bytes, PNG_SIGNATURE)) return decodePng(bytes, shownPath);
  if (startsWith(bytes, JPEG_SIGNATURE)) return decodeJpeg(bytes, shownPath);
  throw new Error(`readImage: unsupported image format (expected JPEG or PNG): ${shownPath}`);
}

function decodePng(bytes: Buffer, shownPath: string): RgbImage {
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new Error(`readImage: cannot decode PNG ${shownPath}: ${(error as Error).message}`, { cause: error });
  }
  const { width, height } = png;
  const rgba = png.data;
  const data = new Uint8Array(width * height * 3);
  for (let pixel = 0; pixel < width * height; pixel++) {
    data[pixel * 3] = rgba[pixel * 4];
    data[pixel * 3 + 1] = rgba[pixel * 4 + 1];
    data[pixel * 3 + 2] = rgba[pixel * 4 + 2];
  }
  return { width, height, channels: 3, data };
}

function decodeJpeg(bytes: Buffer, shownPath: string): RgbImage {
  try {
    const { width, height, data } = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxMemoryUsageInMB: JPEG_MAX_MEMORY_MB,
    });
    return { width, height, channels: 3, data };
  } catch (error) {
    throw new Error(`readImage: cannot decode JPEG ${shownPath}: ${(error as Error).message}`, { cause: error });
  }
}

function allocatePlanar<D extends PlanarDtype>(dtype: D, length: number): PlanarArrayOf[D] {
  switch (dtype) {
    case 'u8':
      return new Uint8Array(length) as PlanarArrayOf[D];
    case 'u16':
      return new Uint16Array(length) as PlanarArrayOf[D];
    case 'f32':
      return new Float32Array(length) as PlanarArrayOf[D];
    default:
      throw new Error(`toPlanar: unknown dtype ${String(dtype)} (expected 'u8', 'u16' or 'f32')`);
  }
}

/**
 * Splits an interleaved RGB image into three channel planes of `dtype`, shape [3, height, width].
 * Values are copied unchanged (0..255, not normalised).
 *
 * @throws Error when `img.data.length !== width * height * 3` or `dtype` is unknown.
 */
export function toPlanar<D extends PlanarDtype>(img: RgbImage, dtype: D): PlanarImage<D> {
  const { width, height, data } = img;
  const planeSize = width * height;
  if (data.length !== planeSize * 3) {
    throw new Error(`toPlanar: data has ${data.length} bytes, expected ${planeSize * 3} for ${width}x${height} RGB`);
  }
  const planar = allocatePlanar(dtype, planeSize * 3);
  for (let pixel = 0; pixel < planeSize; pixel++) {
    planar[pixel] = data[pixel * 3];
    planar[planeSize + pixel] = data[pixel * 3 + 1];
    planar[2 * planeSize + pixel] = data[pixel * 3 + 2];
  }
  return { data: planar, shape: [3, height, width] };
}

/**
 * Joins three channel planes, shape [3, height, width], back into an interleaved 8-bit RGB image.
 * Each value is rounded to the nearest integer (halves up) and clamped to 0..255; NaN becomes 0.
 *
 * @throws Error when the shape does not start with 3 or does not match `data.length`.
 */
export function fromPlanar(planar: PlanarImage): RgbImage {
  const [channels, height, width] = planar.shape;
  const planeSize = width * height;
  if (channels !== 3 || planar.data.length !== planeSize * 3) {
    throw new Error(`fromPlanar: shape [${planar.shape.join(', ')}] does not fit ${planar.data.length} elements of RGB planes`);
  }
  const source = planar.data;
  const data = new Uint8Array(planeSize * 3);
  for (let channel = 0; channel < 3; channel++) {
    for (let pixel = 0; pixel < planeSize; pixel++) {
      const value = Math.round(source[channel * planeSize + pixel]);
      data[pixel * 3 + channel] = value > 255 ? 255 : value > 0 ? value : 0;
    }
  }
  return { width, height, channels: 3, data };
}

/**
 * Writes an 8-bit RGB image (interleaved, row-major) as an RGB PNG, atomically: the file at `path`
 * is either left as it was or replaced by the complete PNG (see `writeFileAtomic`).
 *
 * @throws Error when `data.length !== width * height * 3`; filesystem errors (e.g. missing directory).
 */
export function writePng(path: string, image: { width: number; height: number; data: Uint8Array }): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`writePng: invalid size ${width}x${height} for ${path}`);
  }
  if (data.length !== width * height * 3) {
    throw new Error(`writePng: data has ${data.length} bytes, expected ${width * height * 3} for ${width}x${height} RGB (${path})`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const encoded = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: 6 });
  writeFileAtomic(path, encoded);
}
