/**
 * SGEMM, C = A·B (row-major f32, A [M, K], B [K, N]): the definition is the algorithm only; the
 * schedule adds what makes it fast, as TVM's and Halide's GEMM schedules do:
 *  - cache_write(C): the sum is computed into `C_local`, computed per rows x cols register tile of C
 *    with the tile's rows unrolled and its columns vectorized, so the accumulators live in registers;
 *  - cache_read(B): `C_local` reads a copy `B_panel` computed per column tile of C, which bound
 *    inference stores as a dense K x cols panel, so the inner loop reads B contiguously instead of
 *    rows 4 KB apart (which all map to one L1 cache set at N = 1024).
 */
import { placeholder, compute, sizeVar, reduceAxis, sum, pipeline, type Pipeline } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';

export function sgemmPipeline(): Pipeline {
  const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
  const A = placeholder('A', [M, K], 'f32');
  const B = placeholder('B', [K, N], 'f32');
  const k = reduceAxis(K, 'k');
  const C = compute('C', [M, N], (i, j) => sum(A.at(i, k).mul(B.at(k, j)), k));
  return pipeline(C);
}

export interface SgemmTile {
  /** Rows of C per register tile (unrolled). */
  readonly rows: number;
  /** Columns of C per register tile (vectorized: a multiple of 4). */
  readonly cols: number;
}

/**
 * Register-tiled schedule: C in rows x cols tiles, column tiles outermost, so the B panel of a
 * column tile is packed once and stays in cache while the row tiles sweep A; the accumulator tile
 * has k outermost (2 x 16 uses 8 of the 16 xmm registers V8 allocates, leaving room for the B
 * vectors). Sizes that are not multiples of the tile are handled by shift_inwards (they must be at
 * least a tile).
 */
export function sgemmSchedule(p: Pipeline, tile: SgemmTile = { rows: 2, cols: 16 }): Schedule {
  const sch = new Schedule(p);
  const acc = sch.stage('C').cacheWrite();          // C_local(i, j) = sum_k ...; C(i, j) = C_local(i, j)
  const panel = sch.cacheRead('B', [acc]);           // C_local reads B_cache(k, j) = B(k, j)
  const C = sch.stage('C');
  C.tile('i', 'j', tile.rows, tile.cols);           // io, jo, ii, ji
  C.reorder('jo', 'io');                              // column tiles outermost
  C.vectorize('ji');
  C.unroll('ii');
  const local = sch.stage(acc);
  local.computeAt('C', 'io');                         // a rows x cols accumulator tile
  local.reorder('k', 'i', 'j');
  local.vectorize('j');
  local.unroll('i');
  const packed = sch.stage(panel);
  packed.computeAt('C', 'jo');                        // a dense K x cols panel per column tile
  packed.vectorize('ax1');
  return sch;
}

/** Work per workgroup of the GPU schedule: a TILE x TILE block of C by THREADS x THREADS invocations. */
export const GPU_SGEMM = { tile: 32, threads: 8, kStep: 8 } as const;

/**
 * A workgroup-tiled GPU schedule (the classic shared-memory GEMM, as in TVM's and Halide's GPU
 * tutorials): each workgroup computes a 32 x 32 block of C with 8 x 8 invocations, each a 4 x 4
 * register tile (rows unrolled, columns a vec4). The reduction steps through K by 8: per step the
 * workgroup copies the 32 x 8 panel of A and the 8 x 32 panel of B into workgroup memory (each copy
 * spread over the 64 invocations), the compiler places the barriers, and every invocation reads its
 * operands from there. M and N must be at least 32 (the last tile shifts inwards).
 */
export function sgemmGpuSchedule(p: Pipeline): Schedule {
  const { tile, threads, kStep } = GPU_SGEMM;
  const perThread = tile / threads;
  const sch = new Schedule(p);
  const C = sch.stage('C');
  C.tile('i', 'j', tile, tile, { names: ['io', 'jo', 'ii', 'ji'] });
  C.split('ii', perThread, { outer: 'ty', inner: 'ri' });
  C.split('ji', perThread, { outer: 'tx', inner: 'rj' });
  C.split('k', kStep, { outer: 'ko', inner: 'ki' });
  C.reorder('io', 'jo', 'ko', 'ty', 'tx', 'ki', 'ri', 'rj');
  C.gpuBlocks('jo', 'io');
  C.gpuThreads('tx', 'ty');
  C.unroll('ri');
  C.vectorize('rj');
  // A's panel is tile x kStep (rows i, columns k), B's kStep x tile (rows k, columns j): the side of
  // length `tile` is split so that both copies run on the threads x threads invocations.
  const a = sch.stage(sch.cacheRead('A', ['C']));
  a.computeAt('C', 'ko');
  a.split('ax0', threads, { outer: 'rows', inner: 'lty', tail: 'guard' });
  a.gpuThreads('ax1', 'lty');
  const b = sch.stage(sch.cacheRead('B', ['C']));
  b.computeAt('C', 'ko');
  b.split('ax1', threads, { outer: 'cols', inner: 'ltx', tail: 'guard' });
  b.reorder('cols', 'ax0');
  b.gpuThreads('ltx', 'ax0');
  return sch;
}

/**
 * SGEMM as a module of the `tessera` CLI (docs/cli.md): the register-tiled schedule (`tiled`) and the
 * workgroup-tiled GPU schedule (`gpu`), 2 M N K flops per call.
 *
 *   npx tessera compile examples/sgemm_pipeline.ts --schedule tiled -o out/sgemm
 */
export const pipelines = {
  sgemm: {
    pipeline: sgemmPipeline,
    schedules: { tiled: (p: Pipeline) => sgemmSchedule(p), gpu: sgemmGpuSchedule },
    work: { flops: '2 * M * N * K' },
    sizes: { M: 512, N: 512, K: 512 },
  },
};
