/**
 * onnxruntime-web's cold start and download size, for issue 11's comparison of Tessera's artifact
 * with ort-web's: each cold start is a fresh Node process (bench/peers/ort_cold_start_child.mjs)
 * that imports the package, creates the session and runs the first inference; the figure is the
 * median over several processes. The size is that of the `.wasm` its Node build loads
 * (ort-wasm-simd-threaded.wasm), raw and gzipped.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { median } from 'mathjs';
import { coldStartProcess } from '../cold_start_process.js';

const CHILD = fileURLToPath(new URL('./ort_cold_start_child.mjs', import.meta.url));

/** One cold start's phases, milliseconds. */
export interface ColdStartPhases {
  /** `await import('onnxruntime-web')`. */
  readonly importMs: number;
  /** InferenceSession.create from the model's bytes (the .wasm is fetched and compiled here). */
  readonly sessionMs: number;
  readonly firstRunMs: number;
  /** The three together. */
  readonly totalMs: number;
}

export interface ColdStart {
  /** Median of `totalMs` over the processes, ms. */
  readonly medianMs: number;
  /** Every process's phases, in run order. */
  readonly runs: readonly ColdStartPhases[];
  readonly threads: number;
}

export interface ColdStartInput {
  readonly name: string;
  readonly shape: readonly number[];
  /** f32, row-major. */
  readonly data: Float32Array;
}

/**
 * Measures onnxruntime-web's cold start on `modelPath` in `runs` fresh Node processes, one after the
 * other (the model file and the input are read before each process's clock starts).
 * @param threads ort.env.wasm.numThreads in the child (default 1)
 * @throws Error when `runs` is not a positive integer, or naming the process that failed (its exit
 *   status and stderr) or printed no result
 */
export function ortWebColdStart(modelPath: string, input: ColdStartInput, runs = 5, threads = 1, timeoutMs = 120_000): ColdStart {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`ortWebColdStart: runs must be a positive integer, got ${runs}`);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ort-cold-'));
  try {
    const dataPath = join(dir, 'input.f32');
    writeFileSync(dataPath, new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength));
    const results: ColdStartPhases[] = [];
    for (let i = 0; i < runs; i++) {
      const r = coldStartProcess<ColdStartPhases>(CHILD, [modelPath, input.name, JSON.stringify(input.shape), dataPath, String(threads)], `onnxruntime-web cold start ${i + 1} of ${runs} on ${modelPath}`, timeoutMs);
      results.push({ importMs: r.importMs, sessionMs: r.sessionMs, firstRunMs: r.firstRunMs, totalMs: r.totalMs });
    }
    return { medianMs: median(results.map((r) => r.totalMs)), runs: results, threads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface WasmSize {
  /** The package and its version, e.g. onnxruntime-web@1.30.0. */
  readonly package: string;
  /** The file, relative to the package. */
  readonly file: string;
  readonly bytes: number;
  /** gzip at zlib's default level, as a server would send it. */
  readonly gzipBytes: number;
}

/**
 * The size of the `.wasm` onnxruntime-web's Node build loads (dist/ort-wasm-simd-threaded.wasm).
 * @throws Error when the package or the file is missing
 */
export function ortWebWasmSize(): WasmSize {
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('onnxruntime-web'));
  const { version } = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string };
  const file = join(dist, 'ort-wasm-simd-threaded.wasm');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new Error(`onnxruntime-web's wasm is not where its Node build loads it from (${file}): ${(e as Error).message}`);
  }
  return { package: `onnxruntime-web@${version}`, file: 'dist/ort-wasm-simd-threaded.wasm', bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
}
