/**
 * Photos as model inputs and detections drawn back onto them: bilinear resizing, planar NCHW float
 * tensors with per-channel mean and scale in RGB or BGR order, rectangles drawn into an RGB image,
 * and the ImageNet label list. Decoding and PNG writing are examples/image.ts's.
 */
import { readFileSync } from 'node:fs';
import type { RgbImage } from '../io/image.js';

/**
 * Resizes with bilinear interpolation at pixel centers (OpenCV's INTER_LINEAR, PIL's BILINEAR
 * without antialiasing): output pixel (x, y) samples the input at ((x + 0.5) * w / W - 0.5, ...),
 * clamped to the edge.
 * @throws Error for a non-positive or fractional size
 */
export function resizeBilinear(img: RgbImage, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`resizeBilinear: bad size ${width}x${height}`);
  const out = new Uint8Array(width * height * 3);
  const sx = img.width / width, sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, img.height - 1), wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, img.width - 1), wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 3 + c]!;
        const top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx, bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx;
        out[(y * width + x) * 3 + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, channels: 3, data: out };
}

export interface NchwOptions {
  /** Channel order of the tensor: 'rgb' (default) or 'bgr' (Caffe models). */
  readonly order?: 'rgb' | 'bgr';
  /** Subtracted from each channel's 0..255 value, in the tensor's channel order (default 0). */
  readonly mean?: readonly [number, number, number];
  /** Multiplies each channel after the mean (default 1). */
  readonly scale?: readonly [number, number, number];
}

/**
 * The image as a [1, 3, height, width] f32 tensor: (value - mean[c]) * scale[c] per channel.
 * @returns row-major data, plane by plane
 */
export function toNchw(img: RgbImage, options: NchwOptions = {}): Float32Array {
  const { width, height, data } = img;
  const mean = options.mean ?? [0, 0, 0], scale = options.scale ?? [1, 1, 1];
  const src = options.order === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) out[c * plane + i] = (data[i * 3 + src[c]!]! - mean[c]!) * scale[c]!;
  }
  return out;
}

/** A box in pixels: left, top, right, bottom (inclusive). */
export interface PixelBox { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number }

/**
 * A copy of `img` with each box's outline drawn `thickness` pixels wide in `color`, clipped to the image.
 */
export function drawBoxes(img: RgbImage, boxes: readonly PixelBox[], color: readonly [number, number, number] = [255, 40, 40], thickness = 3): RgbImage {
  const data = Uint8Array.from(img.data);
  const put = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    data.set(color, (y * img.width + x) * 3);
  };
  for (const b of boxes) {
    const x1 = Math.round(b.x1), y1 = Math.round(b.y1), x2 = Math.round(b.x2), y2 = Math.round(b.y2);
    for (let t = 0; t < thickness; t++) {
      for (let x = x1; x <= x2; x++) { put(x, y1 + t); put(x, y2 - t); }
      for (let y = y1; y <= y2; y++) { put(x1 + t, y); put(x2 - t, y); }
    }
  }
  return { ...img, data };
}

/**
 * Class names from a file of `index,name` lines (../shared/data/labels/imagenet_labels_winml.txt).
 * @throws Error naming the file and line for a line that is not `index,name` or an index out of order
 */
export function readLabels(path: string | URL): string[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    const m = /^(\d+),(.*)$/.exec(line.trim());
    if (!m || Number(m[1]) !== i) throw new Error(`readLabels: line ${i + 1} of ${String(path)} is not "${i},name": ${JSON.stringify(line.slice(0, 60))}`);
    return m[2]!;
  });
}

/** The indices of the k largest values, largest first. */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b]! - values[a]!).slice(0, k);
}
