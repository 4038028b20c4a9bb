/**
 * Tessera's side of issue 11's artifact comparison with onnxruntime-web (bench/peers/ort_cold_start.ts):
 * a model compiled ahead of time into an artifact (model/artifact.ts) whose loader imports the
 * runtime bundled as an application would ship it (esbuild, minified: runtime/index.ts alone), then
 *   - its size: loader + runtime + description + kernels, the weights apart, raw and gzipped (zlib's
 *     default level, as a server sends it), and the weights file's size on its own;
 *   - its cold start: a fresh Node process per run (bench/tessera_cold_start_child.mjs) that imports
 *     the loader, loads the artifact (kernels compiled, weights copied in) and runs the first
 *     inference; the figure is the median of the processes' totals.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { median } from 'mathjs';
import { compileOnnx, type CompileOnnxOptions } from '../model/compile_onnx.js';
import { saveModelArtifact } from '../model/artifact.js';
import type { ColdStartInput } from './peers/ort_cold_start.js';
import { coldStartProcess } from './cold_start_process.js';

const CHILD = fileURLToPath(new URL('./tessera_cold_start_child.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ArtifactSize {
  /** Loader, runtime bundle, description and kernels: what a page downloads besides the weights. */
  readonly codeBytes: number;
  readonly codeGzipBytes: number;
  /** The runtime bundle alone, minified and gzipped. */
  readonly runtimeGzipBytes: number;
  /** The kernels' .wasm files, gzipped one by one. */
  readonly kernelsGzipBytes: number;
  readonly kernels: number;
  readonly weightsBytes: number;
}

/** One cold start's phases, milliseconds. */
export interface TesseraColdStartPhases {
  readonly importMs: number;
  readonly loadMs: number;
  readonly firstRunMs: number;
  readonly totalMs: number;
}

export interface TesseraColdStart {
  readonly size: ArtifactSize;
  /** Median of `totalMs` over the processes, ms. */
  readonly medianMs: number;
  readonly runs: readonly TesseraColdStartPhases[];
}

/**
 * Compiles `modelPath` into an artifact in a temporary folder, measures its size and its cold start
 * in `runs` fresh Node processes, and removes the folder.
 * @param options compile options (threads 1 by default; weights 'f16' halves the weights file)
 * @throws Error when `runs` is not a positive integer, or naming the process that failed (its exit
 *   status and error line) or printed no result; what compileOnnx throws
 */
export async function tesseraColdStart(modelPath: string, input: ColdStartInput, runs = 5, options: CompileOnnxOptions = {}, timeoutMs = 120_000): Promise<TesseraColdStart> {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`tesseraColdStart: runs must be a positive integer, got ${runs}`);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cold-'));
  try {
    const model = await compileOnnx(modelPath, options);
    try {
      await saveModelArtifact(model, dir, { name: 'model', runtimeImport: './runtime.mjs' });
    } finally {
      await model.dispose();
    }
    await build({
      absWorkingDir: ROOT, entryPoints: ['runtime/index.ts'], bundle: true, minify: true, format: 'esm', platform: 'neutral',
      target: 'es2022', external: ['node:*'], outfile: join(dir, 'runtime.mjs'), logLevel: 'silent',
    });
    const files = readdirSync(dir);
    const gz = (f: string) => gzipSync(readFileSync(join(dir, f))).byteLength;
    const raw = (f: string) => readFileSync(join(dir, f)).byteLength;
    const code = files.filter((f) => f === 'runtime.mjs' || f === 'model.js' || f === 'model.json' || f.endsWith('.wasm'));
    const kernels = files.filter((f) => f.endsWith('.wasm'));
    const size: ArtifactSize = {
      codeBytes: code.reduce((s, f) => s + raw(f), 0), codeGzipBytes: code.reduce((s, f) => s + gz(f), 0),
      runtimeGzipBytes: gz('runtime.mjs'), kernelsGzipBytes: kernels.reduce((s, f) => s + gz(f), 0), kernels: kernels.length,
      weightsBytes: raw('model.weights.bin'),
    };
    const dataPath = join(dir, 'input.f32');
    writeFileSync(dataPath, new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength));
    const results: TesseraColdStartPhases[] = [];
    for (let i = 0; i < runs; i++) {
      const r = coldStartProcess<TesseraColdStartPhases>(CHILD, [join(dir, 'model.js'), input.name, JSON.stringify(input.shape), dataPath], `Tessera cold start ${i + 1} of ${runs} on ${modelPath}`, timeoutMs);
      results.push({ importMs: r.importMs, loadMs: r.loadMs, firstRunMs: r.firstRunMs, totalMs: r.totalMs });
    }
    return { size, medianMs: median(results.map((r) => r.totalMs)), runs: results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
