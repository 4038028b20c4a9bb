/**
 * Plain-JS baselines for the benchmarks, written the way a JS developer would without tuning.
 * They also pin down the semantics the compiled kernels must reproduce.
 */

function checkImageSizes(name: string, input: ArrayLike<number>, width: number, height: number, out: ArrayLike<number>): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${name}: invalid size ${width}x${height}`);
  }
  if (input.length !== width * height || out.length !== width * height) {
    throw new Error(`${name}: input and out must hold ${width * height} elements, got ${input.length} and ${out.length}`);
  }
}

/**
 * 3x3 box blur of a single-channel u16 image, row-major `height` x `width`, as two 3-tap passes:
 *   bx(y, x)  = floor((in(y, x-1) + in(y, x) + in(y, x+1)) / 3)
 *   out(y, x) = floor((bx(y-1, x) + bx(y, x) + bx(y+1, x)) / 3)
 * with indices clamped to [0, width-1] and [0, height-1] (clamp-to-edge). Sums are exact (no u16
 * wrap), which equals u16 arithmetic for inputs up to 21845.
 * Allocates a `width * height` Uint16Array temporary per call.
 *
 * @throws Error when the sizes are invalid or the arrays are not `width * height` long.
 */
export function blurTwoPassU16(input: Uint16Array, width: number, height: number, out: Uint16Array): void {
  checkImageSizes('blurTwoPassU16', input, width, height, out);
  const blurredX = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const left = Math.max(x - 1, 0);
      const right = Math.min(x + 1, width - 1);
      const row = y * width;
      blurredX[row + x] = Math.floor((input[row + left] + input[row + x] + input[row + right]) / 3);
    }
  }
  for (let y = 0; y < height; y++) {
    const above = Math.max(y - 1, 0) * width;
    const below = Math.min(y + 1, height - 1) * width;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      out[row + x] = Math.floor((blurredX[above + x] + blurredX[row + x] + blurredX[below + x]) / 3);
    }
  }
}

/**
 * The same 3x3 separable box blur as `blurTwoPassU16` on f32 data, with true division by 3:
 *   bx(y, x)  = (in(y, x-1) + in(y, x) + in(y, x+1)) / 3
 *   out(y, x) = (bx(y-1, x) + bx(y, x) + bx(y+1, x)) / 3
 * clamp-to-edge indices. Arithmetic is in f64 and rounded to f32 on store, so an f32 kernel may
 * differ in the last bit or so: compare with a small tolerance.
 * Allocates a `width * height` Float32Array temporary per call.
 *
 * @throws Error when the sizes are invalid or the arrays are not `width * height` long.
 */
export function blurTwoPassF32(input: Float32Array, width: number, height: number, out: Float32Array): void {
  checkImageSizes('blurTwoPassF32', input, width, height, out);
  const blurredX = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const left = Math.max(x - 1, 0);
      const right = Math.min(x + 1, width - 1);
      const row = y * width;
      blurredX[row + x] = (input[row + left] + input[row + x] + input[row + right]) / 3;
    }
  }
  for (let y = 0; y < height; y++) {
    const above = Math.max(y - 1, 0) * width;
    const below = Math.min(y + 1, height - 1) * width;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      out[row + x] = (blurredX[above + x] + blurredX[row + x] + blurredX[below + x]) / 3;
    }
  }
}

/**
 * C = A·B for square row-major n x n f32 matrices, plain i-k-j loops (C is zeroed first).
 * Arithmetic is in f64, rounded to f32 on each store into C. 2·n³ flops.
 *
 * @throws Error when an array does not hold n * n elements.
 */
export function sgemmIKJ(a: Float32Array, b: Float32Array, c: Float32Array, n: number): void {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n || b.length !== n * n || c.length !== n * n) {
    throw new Error(`sgemmIKJ: a, b and c must hold n*n = ${n * n} elements, got ${a.length}, ${b.length}, ${c.length}`);
  }
  c.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) {
        c[i * n + j] += aik * b[k * n + j];
      }
    }
  }
}
