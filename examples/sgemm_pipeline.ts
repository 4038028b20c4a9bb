/**
 * SGEMM, C = A·B (row-major f32, A [M, K], B [K, N]), and its schedule.
 *
 * The definition has two helper stages, as Halide's matrix-multiply app does:
 *  - `B_panel(k, j) = B(k, j)`, an identity stage: computed per column tile of C, bound inference
 *    stores it as a dense K x cols panel, so the inner loop reads B contiguously instead of rows
 *    4 KB apart (which all map to one L1 cache set at N = 1024);
 *  - `prod(i, j) = sum_k A(i, k) * B_panel(k, j)`, the accumulator: computed per register tile of C
 *    with the tile's rows unrolled and columns vectorized, it lives in registers.
 * Neither changes the result: C(i, j) = prod(i, j).
 */
import { placeholder, compute, sizeVar, reduceAxis, sum, pipeline, type Pipeline } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';

export function sgemmPipeline(): Pipeline {
  const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
  const A = placeholder('A', [M, K], 'f32');
  const B = placeholder('B', [K, N], 'f32');
  const panel = compute('B_panel', [K, N], (k, j) => B.at(k, j));
  const k = reduceAxis(K, 'k');
  const prod = compute('prod', [M, N], (i, j) => sum(A.at(i, k).mul(panel.at(k, j)), k));
  const C = compute('C', [M, N], (i, j) => prod.at(i, j));
  return pipeline(C);
}

export interface SgemmTile {
  /** Rows of C per register tile (unrolled). */
  readonly rows: number;
  /** Columns of C per register tile (vectorized: a multiple of 4). */
  readonly cols: number;
}

/**
 * Register-tiled schedule: C in rows x cols tiles, column tiles outermost; the B panel of a column
 * tile is packed once per column tile and stays in cache while the row tiles sweep A; prod is
 * computed per tile with k outermost, rows unrolled, columns vectorized (rows x cols/4 v128
 * accumulators: 2 x 16 uses 8 of the 16 xmm registers V8 allocates, leaving room for the B vectors).
 * Sizes that are not multiples of the tile are handled by shift_inwards (they must be at least a tile).
 */
export function sgemmSchedule(p: Pipeline, tile: SgemmTile = { rows: 2, cols: 16 }): Schedule {
  const sch = new Schedule(p);
  const C = sch.stage('C');
  C.tile('i', 'j', tile.rows, tile.cols);   // io, jo, ii, ji
  C.reorder('jo', 'io');                      // column tiles outermost
  C.vectorize('ji');
  C.unroll('ii');
  const prod = sch.stage('prod');
  prod.computeAt('C', 'io');                  // a rows x cols accumulator tile
  prod.reorder('k', 'i', 'j');
  prod.vectorize('j');
  prod.unroll('i');
  const panel = sch.stage('B_panel');
  panel.computeAt('C', 'jo');                 // a dense K x cols panel per column tile
  panel.vectorize('j');
  return sch;
}
