/**
 * UltraFace (Ultra-Light-Fast-Generic-Face-Detector-1MB, RFB-320) input and output conventions:
 * the photo resized to 320x240, (RGB - 127) / 128; outputs `scores` [1, N, 2] (background, face) and
 * `boxes` [1, N, 4] (x1, y1, x2, y2 as fractions of the image). Detections are the boxes whose face
 * score passes a threshold, then hard non-maximum suppression, as the model's repository does
 * (vision/utils/box_utils.py hard_nms: prob_threshold 0.7, iou_threshold 0.3).
 */
import type { RgbImage } from '../io/image.js';
import { resizeBilinear, toNchw, type PixelBox } from './model_images.js';

export const ULTRAFACE_WIDTH = 320, ULTRAFACE_HEIGHT = 240;

/** The model's input tensor for `img`: [1, 3, 240, 320] f32. */
export function ultrafaceInput(img: RgbImage): Float32Array {
  return toNchw(resizeBilinear(img, ULTRAFACE_WIDTH, ULTRAFACE_HEIGHT), { mean: [127, 127, 127], scale: [1 / 128, 1 / 128, 1 / 128] });
}

export interface Face extends PixelBox { readonly score: number }

const area = (b: PixelBox) => Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);

/** Intersection over union of two boxes. */
export function iou(a: PixelBox, b: PixelBox): number {
  const inter = area({ x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1), x2: Math.min(a.x2, b.x2), y2: Math.min(a.y2, b.y2) });
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Faces in pixels of a `width` x `height` image from the model's outputs.
 * @param scores [N * 2] (background, face) per anchor; `boxes` [N * 4] fractions x1, y1, x2, y2
 * @returns faces by falling score, none overlapping another by more than `iouThreshold`
 */
export function detectFaces(scores: Float32Array, boxes: Float32Array, width: number, height: number, probThreshold = 0.7, iouThreshold = 0.3): Face[] {
  const candidates: Face[] = [];
  for (let i = 0; i < scores.length / 2; i++) {
    const score = scores[2 * i + 1]!;
    if (score <= probThreshold) continue;
    candidates.push({ score, x1: boxes[4 * i]! * width, y1: boxes[4 * i + 1]! * height, x2: boxes[4 * i + 2]! * width, y2: boxes[4 * i + 3]! * height });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: Face[] = [];
  for (const c of candidates) if (kept.every((k) => iou(k, c) <= iouThreshold)) kept.push(c);
  return kept;
}
