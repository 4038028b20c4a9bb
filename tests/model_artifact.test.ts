/**
 * Model artifacts: a compiled model saved with saveModelArtifact (description, one binary per
 * kernel, weights, loader, typings) loads with the runtime alone (loadArtifact, and the generated
 * loader) and gives the compiled model's outputs on 1 and 2 threads and on WebGPU; a damaged artifact
 * is an ArtifactError that names the file and field.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileOnnx } from '../model/compile_onnx.ts';
import { saveModelArtifact } from '../model/artifact.ts';
import { loadArtifact } from '../runtime/index.ts';
import { ArtifactError } from '../runtime/abi.ts';
import type { LoadedModel } from '../runtime/model_artifact.ts';
import { random } from '../examples/random.ts';
import { onnxModel } from './helpers/onnx_graph.ts';
import { assertOutputsClose } from './helpers/ort_model.ts';

const bytes = onnxModel({
  nodes: [
    { op: 'Mul', inputs: ['x', 'w'], outputs: ['y'] },
    { op: 'Tanh', inputs: ['y'], outputs: ['t'] },
    { op: 'Add', inputs: ['t', 'x'], outputs: ['u'] },
    { op: 'Mul', inputs: ['u', 'u'], outputs: ['out'] },
    { op: 'Greater', inputs: ['x', 'w'], outputs: ['mask'] },
  ],
  inputs: [{ name: 'x', dtype: 'f32', shape: [2, 40] }],
  outputs: [{ name: 'out', dtype: 'f32', shape: [2, 40] }, { name: 'mask', dtype: 'bool', shape: [2, 40] }],
  initializers: [{ name: 'w', dtype: 'f32', shape: [40], data: Array.from({ length: 40 }, (_, i) => Math.sin(i)) }],
});
const r = random(4);
const feeds = { x: { data: Float32Array.from({ length: 80 }, () => r() * 2), shape: [2, 40] } };
const temp = () => mkdtempSync(join(tmpdir(), 'tessera-model-'));

for (const threads of [1, 2]) {
  test(`a saved model on ${threads} thread(s) loads with the runtime alone and gives the same outputs`, async (t) => {
    const dir = temp();
    try {
      const model = await compileOnnx(bytes, { threads });
      const want = await model.run(feeds);
      const written = await saveModelArtifact(model, dir, { name: 'tiny', runtimeImport: pathToFileURL(join(import.meta.dirname, '../runtime/index.ts')).href });
      await model.dispose();
      t.true(written.at(-1)!.endsWith('tiny.json'));
      for (const f of ['tiny.json', 'tiny.weights.bin', 'tiny.k0.wasm', 'tiny.js', 'tiny.d.ts']) t.true(existsSync(join(dir, f)), f);
      const description = JSON.parse(readFileSync(join(dir, 'tiny.json'), 'utf8'));
      t.is(description.kind, 'model');
      t.is(description.model.threads, threads);
      const loaded = await loadArtifact(join(dir, 'tiny.json')) as LoadedModel;
      t.is(loaded.kind, 'model');
      assertOutputsClose(t, await loaded.run(feeds), want, 0, 0, 'loadArtifact');
      await loaded.close();
      const { load } = await import(pathToFileURL(join(dir, 'tiny.js')).href) as { load: () => Promise<LoadedModel> };
      const viaLoader = await load();
      assertOutputsClose(t, await viaLoader.run(feeds), want, 0, 0, 'generated loader');
      await viaLoader.close();
      t.regex(readFileSync(join(dir, 'tiny.d.ts'), 'utf8'), /"x": \{ data: Float32Array; shape: readonly number\[\]; dtype\?: 'f32' \};  \/\/ f32 \[2, 40\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a WebGPU model artifact loads and runs on the device', async (t) => {
  const dir = temp();
  try {
    const model = await compileOnnx(bytes, { target: 'webgpu' });
    const want = await model.run(feeds);
    await saveModelArtifact(model, dir, { name: 'tiny_gpu' });
    await model.dispose();
    const loaded = await loadArtifact(join(dir, 'tiny_gpu.json')) as LoadedModel;
    t.is(loaded.target, 'webgpu');
    assertOutputsClose(t, await loaded.run(feeds), want, 0, 0);
    await loaded.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged model artifacts are ArtifactErrors naming the file and field', async (t) => {
  const dir = temp();
  try {
    const model = await compileOnnx(bytes);
    await saveModelArtifact(model, dir, { name: 'm' });
    await model.dispose();
    const path = join(dir, 'm.json');
    const good = readFileSync(path, 'utf8');
    const edit = (f: (d: Record<string, any>) => void) => { const d = JSON.parse(good); f(d); writeFileSync(path, JSON.stringify(d)); };
    edit((d) => { d.model.steps[0].addresses.pop(); });
    t.regex((await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError }))!.message, /m\.json: model\.steps\[0\]\.addresses must be \d+ addresses \(one per argument of kernel 0\)/);
    edit((d) => { d.model.inputs[0].dtype = 'f128'; });
    t.regex((await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError }))!.message, /model\.inputs\[0\]\.dtype must be one of 'f32'/);
    edit((d) => { d.weights.bytes += 4; });
    t.regex((await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError }))!.message, /m\.json: weights\.bytes must be \d+ \(model\.memory\.weightsBytes, with its f16 runs at 2 bytes per element\)/);
    edit((d) => { d.model.memory.f16Weights = [{ offset: 2, count: 1 }]; });
    t.regex((await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError }))!.message, /m\.json: f16 weights run 0 \(offset 2, 1 elements\) must be 4-byte aligned/);
    edit(() => {});
    const weightsFile = join(dir, 'm.weights.bin'), weights = readFileSync(weightsFile);
    writeFileSync(weightsFile, weights.subarray(4));
    t.regex((await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError }))!.message, /m\.weights\.bin has \d+ bytes, but the description says \d+/);
    writeFileSync(weightsFile, weights);
    edit((d) => { d.binaries = []; });
    t.regex((await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError }))!.message, /binaries must be a non-empty array/);
    edit(() => {});
    rmSync(join(dir, 'm.k0.wasm'));
    await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError, message: /m\.k0\.wasm/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
