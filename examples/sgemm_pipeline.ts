/**
 * SGEMM, C = A·B (row-major f32, A [M, K], B [K, N]), and its schedules. The product is computed in
 * an accumulator stage `prod` at each register tile of C, as Halide's matrix-multiply app does:
 * the tile's rows are unrolled and its columns vectorized, so the accumulators live in registers.
 */
import { placeholder, compute, sizeVar, reduceAxis, sum, pipeline, type Pipeline } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';

export function sgemmPipeline(): Pipeline {
  const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
  const A = placeholder('A', [M, K], 'f32');
  const B = placeholder('B', [K, N], 'f32');
  const k = reduceAxis(K, 'k');
  const prod = compute('prod', [M, N], (i, j) => sum(A.at(i, k).mul(B.at(k, j)), k));
  const C = compute('C', [M, N], (i, j) => prod.at(i, j));
  return pipeline(C);
}

export interface SgemmTile {
  /** Rows of C per register tile (unrolled). */
  readonly rows: number;
  /** Columns of C per register tile (vectorized: a multiple of 4). */
  readonly cols: number;
  /** Register tiles per row block: a block of rowBlock*rows rows of A stays in L2 while the column panels sweep. */
  readonly rowBlock?: number;
}

/**
 * Register-tiled schedule: C is tiled rows x cols with the column tiles outermost (a panel of B
 * stays in cache while the row tiles sweep A); prod is computed per tile with k outermost, rows
 * unrolled and columns vectorized, so its rows x cols accumulators are registers. M must be a
 * multiple of `rows` and N of `cols` (shift_inwards handles other sizes when they are at least a tile).
 */
export function sgemmSchedule(p: Pipeline, tile: SgemmTile = { rows: 4, cols: 8, rowBlock: 16 }): Schedule {
  const sch = new Schedule(p);
  const C = sch.stage('C');
  C.tile('i', 'j', tile.rows, tile.cols);
  let site = 'io';
  if (tile.rowBlock) {
    C.split('io', tile.rowBlock, { outer: 'ib', inner: 'it' });
    C.reorder('ib', 'jo', 'it');
    site = 'it';
  } else {
    C.reorder('jo', 'io');
  }
  C.vectorize('ji');
  C.unroll('ii');
  const prod = sch.stage('prod');
  prod.computeAt('C', site);
  prod.reorder('k', 'i', 'j');
  prod.vectorize('j');
  prod.unroll('i');
  return sch;
}
