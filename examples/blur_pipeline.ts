/**
 * Halide's two-pass 3x3 box blur over a planar image [C, H, W], and its two textbook schedules.
 *
 *   clamped      = repeatEdge(input)
 *   blur_x(c,y,x) = (clamped(c,y,x-1) + clamped(c,y,x) + clamped(c,y,x+1)) / 3
 *   blur_y(c,y,x) = (blur_x(c,y-1,x) + blur_x(c,y,x) + blur_x(c,y+1,x)) / 3
 *
 * For u16 the division is integer (floor) division and the sums are u16 arithmetic (exact for inputs
 * up to 21845, e.g. 8-bit pixels); for f32 it is true division.
 */
import { compute, placeholder, pipeline, repeatEdge, sizeVar, type Pipeline } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';

export type BlurDtype = 'u16' | 'f32';

/**
 * SIMD lanes for each dtype in the classic schedule: two 128-bit vectors per iteration (16 u16
 * lanes, 8 f32 lanes), which measured faster than one (0.44 against 0.73 ms/MP for u16 at
 * 1536x2560; see docs/tutorial.md).
 */
export const VECTOR_WIDTH: Readonly<Record<BlurDtype, number>> = { u16: 16, f32: 8 };

/**
 * Builds the blur as a pipeline with one input `input` [C, H, W] and one output `blur_y` [C, H, W].
 * The stages are named `input_edge` (the boundary condition), `blur_x` and `blur_y`; each has the
 * axes c, y, x.
 */
export function blurPipeline(dtype: BlurDtype): Pipeline {
  const C = sizeVar('C'), H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [C, H, W], dtype);
  const clamped = repeatEdge(input);
  const axes = ['c', 'y', 'x'];
  const blurX = compute('blur_x', [C, H, W], (c, y, x) =>
    clamped.at(c, y, x.sub(1)).add(clamped.at(c, y, x)).add(clamped.at(c, y, x.add(1))).div(3), { axes });
  const blurY = compute('blur_y', [C, H, W], (c, y, x) =>
    blurX.at(c, y.sub(1), x).add(blurX.at(c, y, x)).add(blurX.at(c, y.add(1), x)).div(3), { axes });
  return pipeline(blurY);
}

/**
 * The same blur with its definitions written as text (dsl/infix.ts): the same Terms, hence the same
 * loop nests and kernels under every schedule.
 */
export function blurPipelineInfix(dtype: BlurDtype): Pipeline {
  const C = sizeVar('C'), H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [C, H, W], dtype);
  const clamped = repeatEdge(input);
  const blurX = compute('blur_x', [C, H, W], 'blur_x(c, y, x) = (clamped(c, y, x - 1) + clamped(c, y, x) + clamped(c, y, x + 1)) / 3', { clamped });
  const blurY = compute('blur_y', [C, H, W], 'blur_y(c, y, x) = (blur_x(c, y - 1, x) + blur_x(c, y, x) + blur_x(c, y + 1, x)) / 3', { blur_x: blurX });
  return pipeline(blurY);
}

/**
 * Halide's default schedule: every stage but the output inlined into its consumer, all loops serial.
 * blur_y's loop nest computes the three blur_x values it needs (and their nine reads of the input)
 * at every point.
 */
export function naiveSchedule(p: Pipeline): Schedule {
  const sch = new Schedule(p);
  sch.stage('blur_x').computeInline();
  return sch;
}

/**
 * Halide's classic blur schedule: blur_y in tiles of 32 rows x 256 columns, vectorized along x,
 * with blur_x computed per tile (34 x 256 values, two rows of overlap) just before blur_y reads it.
 * The loops of blur_y become c, yo, xo, yi, xi; yo is marked parallel, which the WebAssembly
 * backend runs serially for now.
 */
export function classicSchedule(p: Pipeline, dtype: BlurDtype): Schedule {
  const lanes = VECTOR_WIDTH[dtype];
  const sch = new Schedule(p);
  const blurY = sch.stage('blur_y');
  blurY.tile('y', 'x', 32, 256);           // loops: c, yo, xo, yi, xi
  blurY.vectorize('xi', lanes);            // xi -> xio, xii (lanes wide, SIMD)
  blurY.parallel('yo');
  const blurX = sch.stage('blur_x');
  blurX.computeAt('blur_y', 'xo');         // a 34 x 256 strip of blur_x per tile
  blurX.vectorize('x', lanes);
  return sch;
}

/** The schedule called `name`. */
export function blurSchedule(p: Pipeline, name: 'naive' | 'classic', dtype: BlurDtype): Schedule {
  return name === 'naive' ? naiveSchedule(p) : classicSchedule(p, dtype);
}

/** Pixels per workgroup of the GPU schedule: rows x columns, one invocation per pixel. */
export const GPU_BLUR_TILE = { rows: 8, cols: 32 } as const;

/**
 * A GPU schedule: blur_y in 8 x 32 tiles, one workgroup per tile and channel (block z = channel) and
 * one invocation per pixel; blur_x computed per tile into workgroup memory (10 x 32 values, its rows
 * and columns bound to the same invocations, the 10 rows in two passes of 8), so each input pixel is read from global memory about
 * 1.25 times instead of 9. Images must be at least 8 x 32 (the last tiles shift inwards).
 */
export function blurGpuSchedule(p: Pipeline): Schedule {
  const { rows, cols } = GPU_BLUR_TILE;
  const sch = new Schedule(p);
  const blurY = sch.stage('blur_y');
  blurY.tile('y', 'x', rows, cols);          // loops: c, yo, xo, yi, xi
  blurY.gpuBlocks('xo', 'yo', 'c');
  blurY.gpuThreads('xi', 'yi');
  const blurX = sch.stage('blur_x');
  blurX.computeAt('blur_y', 'xo');           // at block level: workgroup memory
  blurX.split('y', rows, { outer: 'yo', inner: 'yi', tail: 'guard' });
  blurX.gpuThreads('x', 'yi');               // 10 rows on 8 rows of invocations: two passes
  return sch;
}

/** Sizes `tessera bench` times the blur at: the 3-channel 1536 x 2560 image of the benchmarks. */
const BENCH_SIZES = { C: 3, H: 1536, W: 2560 };

/**
 * The blur as a module of the `tessera` CLI (docs/cli.md): `blur` (u16) and `blur_f32`, each with
 * the classic, naive and GPU schedules, their work counted in pixels per channel plane.
 *
 *   npx tessera compile examples/blur_pipeline.ts --pipeline blur --schedule classic -o out/blur
 */
export const pipelines = Object.fromEntries((['u16', 'f32'] as const).map((dtype) => [dtype === 'u16' ? 'blur' : 'blur_f32', {
  pipeline: () => blurPipeline(dtype),
  schedules: {
    classic: (p: Pipeline) => classicSchedule(p, dtype),
    naive: naiveSchedule,
    gpu: blurGpuSchedule,
  },
  work: { pixels: 'H * W' },
  sizes: BENCH_SIZES,
}]));
