/**
 * The models bench's Tessera artifact measurement (bench/tessera_cold_start.ts) on a tiny model: the
 * artifact's parts are counted (the runtime bundle inside the code size, the weights apart), each
 * cold start is a fresh process whose phases add up to its total and whose outputs are the model's,
 * and bad requests are clear errors.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tesseraColdStart } from '../bench/tessera_cold_start.js';
import { compileOnnx } from '../model/compile_onnx.js';
import { tinyConvModel } from './helpers/tiny_model.js';

test('Tessera cold start: the artifact size by part, fresh processes whose phases add up', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cold-test-'));
  try {
    const path = join(dir, 'tiny.onnx');
    const bytes = tinyConvModel(8);
    writeFileSync(path, bytes);
    const model = await compileOnnx(bytes);
    const input = model.inputs[0]!;
    const distinct = model.wasm!.binaries.length, weights = model.wasm!.weights.byteLength;
    await model.dispose();
    const r = await tesseraColdStart(path, { name: input.name, shape: input.shape, data: new Float32Array(input.shape.reduce((a, b) => a * b, 1)).fill(0.5) }, 2);
    t.is(r.runs.length, 2);
    t.is(r.size.kernels, distinct, 'one .wasm per distinct kernel');
    t.is(r.size.weightsBytes, weights, 'the weights file is counted apart');
    t.true(r.size.runtimeGzipBytes > 10_000 && r.size.runtimeGzipBytes < r.size.codeGzipBytes, JSON.stringify(r.size));
    t.true(r.size.kernelsGzipBytes > 0 && r.size.codeGzipBytes < r.size.codeBytes);
    for (const p of r.runs) {
      t.true(p.importMs > 0 && p.loadMs > 0 && p.firstRunMs > 0);
      t.true(Math.abs(p.importMs + p.loadMs + p.firstRunMs - p.totalMs) < 1e-6, JSON.stringify(p));
    }
    t.true(r.medianMs >= Math.min(...r.runs.map((p) => p.totalMs)) && r.medianMs <= Math.max(...r.runs.map((p) => p.totalMs)));
    await t.throwsAsync(tesseraColdStart(path, { name: input.name, shape: input.shape, data: new Float32Array(1) }, 0), { message: /runs must be a positive integer, got 0/ });
    await t.throwsAsync(tesseraColdStart(path, { name: input.name, shape: input.shape, data: new Float32Array(3) }, 1), { message: /Tessera cold start 1 of 1 on .*tiny\.onnx failed \(exit status 1\): .*ArgumentError/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
