/**
 * Weights stored as IEEE binary16 (compileOnnx's `weights: 'f16'`, model/half_weights.ts and
 * runtime/weights.ts): the stored file widens back to the region with every f32 constant rounded to
 * nearest even (a property test against per-element rounding), other constants and the gaps kept
 * byte for byte; a model compiled with f16 weights gives bit for bit the outputs of the same model
 * whose weights were rounded to f16 beforehand and stored as f32 (wasm on 1 and 2 threads, WebGPU,
 * and through a saved artifact); a constant beyond binary16's range stays f32 with a note.
 */
import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileOnnx, type CompileOnnxOptions } from '../model/compile_onnx.ts';
import { saveModelArtifact } from '../model/artifact.ts';
import { storeWeights, type RegionConstant } from '../model/half_weights.ts';
import { loadWeights } from '../runtime/weights.ts';
import { loadArtifact } from '../runtime/index.ts';
import type { LoadedModel } from '../runtime/model_artifact.ts';
import { ArgumentError } from '../runtime/tensor.ts';
import { f16BitsToNumber, numberToF16Bits } from '../runtime/f16.ts';
import { random } from '../examples/random.ts';
import { onnxModel, type InitSpec } from './helpers/onnx_graph.ts';
import { assertOutputsClose } from './helpers/ort_model.ts';

const toHalf = (x: number) => f16BitsToNumber(numberToF16Bits(x));
const floats = (n: number, seed: number, scale = 1) => { const r = random(seed); return Array.from({ length: n }, () => r() * scale); };

test('stored weights widen to the region with f32 constants rounded to binary16, everything else kept', (t) => {
  const constant = fc.record({
    dtype: fc.constantFrom('f32' as const, 'i32' as const, 'f16' as const),
    values: fc.array(fc.float({ noNaN: true, min: -7e4, max: 7e4 }), { minLength: 1, maxLength: 9 }),
    gap: fc.integer({ min: 0, max: 3 }),
  });
  fc.assert(fc.property(fc.array(constant, { maxLength: 6 }), fc.constantFrom('f32' as const, 'f16' as const), (specs, storage) => {
    const constants: RegionConstant[] = [];
    let at = 0;
    for (const [i, s] of specs.entries()) {
      at += 4 * s.gap;
      constants.push({ name: `c${i}`, offset: at, bytes: 4 * s.values.length, dtype: s.dtype });
      at += 4 * s.values.length;
    }
    const region = new Uint8Array(at + 8);
    const view = new DataView(region.buffer);
    const want = new Uint8Array(region.length);
    const wantView = new DataView(want.buffer);
    let halved = 0;
    specs.forEach((s, i) => {
      const c = constants[i]!;
      // An f16 constant of the ONNX file holds binary16 values (widened exactly).
      const values = s.dtype === 'f16' ? s.values.map((v) => toHalf(Math.max(-65504, Math.min(65504, v)))) : s.values;
      const half = s.dtype === 'f16' || (s.dtype === 'f32' && storage === 'f16' && values.every((v) => Number.isFinite(toHalf(v))));
      if (half) halved += 2 * values.length;
      values.forEach((v, k) => {
        if (s.dtype === 'i32') { view.setInt32(c.offset + 4 * k, Math.trunc(v), true); wantView.setInt32(c.offset + 4 * k, Math.trunc(v), true); return; }
        view.setFloat32(c.offset + 4 * k, v, true);
        wantView.setFloat32(c.offset + 4 * k, half ? toHalf(v) : Math.fround(v), true);
      });
    });
    region.fill(0xab, at);   // the bytes after the last constant (alignment padding) are kept
    want.fill(0xab, at);
    const { stored, runs } = storeWeights(region, constants, storage);
    t.is(stored.byteLength, region.byteLength - halved);
    const back = new Uint8Array(region.length);
    loadWeights(stored, runs, back, 'property');
    t.deepEqual(back, want);
  }), { numRuns: 200 });
});

/** Conv 4 -> 5 (3x3, pad 1) over 9x9, Mul by a constant, Add of a second constant: f32 weights only. */
function convModel(w: readonly number[], scale: readonly number[], shift: readonly number[]): Uint8Array {
  const inits: InitSpec[] = [
    { name: 'w', dtype: 'f32', shape: [5, 4, 3, 3], data: w }, { name: 's', dtype: 'f32', shape: [1, 5, 1, 1], data: scale },
    { name: 'b', dtype: 'f32', shape: [1, 5, 1, 1], data: shift },
  ];
  return onnxModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Mul', inputs: ['c', 's'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'b'], outputs: ['out'] },
    ],
    inputs: [{ name: 'x', dtype: 'f32', shape: [1, 4, 9, 9] }],
    outputs: [{ name: 'out', dtype: 'f32', shape: [1, 5, 9, 9] }],
    initializers: inits,
  });
}

const W = floats(180, 1, 0.7), S = floats(5, 2, 3), B = floats(5, 3, 100);
const original = convModel(W, S, B);
const rounded = convModel(W.map(toHalf), S.map(toHalf), B.map(toHalf));
const feeds = { x: { data: Float32Array.from(floats(324, 4, 2)), shape: [1, 4, 9, 9] } };

async function outputs(model: Uint8Array, options: CompileOnnxOptions) {
  const m = await compileOnnx(model, options);
  try { return { out: await m.run(feeds), notes: m.notes }; } finally { await m.dispose(); }
}

for (const options of [{ threads: 1 }, { threads: 2 }, { target: 'webgpu' as const }]) {
  const what = options.target ?? `wasm-simd, ${options.threads} thread(s)`;
  test(`f16 weights give bit for bit the outputs of the weights rounded beforehand (${what})`, async (t) => {
    const half = await outputs(original, { ...options, weights: 'f16' });
    const want = await outputs(rounded, options);
    assertOutputsClose(t, half.out, want.out, 0, 0, 'f16 weights against pre-rounded f32 weights');
    // The rounding shows: the f32 model's outputs differ.
    const exact = await outputs(original, options);
    t.notDeepEqual(Array.from(exact.out.out!.data as Float32Array), Array.from(half.out.out!.data as Float32Array));
  });
}

test('a saved model with f16 weights stores them in half the bytes and loads to the same outputs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-f16-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sizes: number[] = [];
  for (const weights of ['f32', 'f16'] as const) {
    const m = await compileOnnx(original, { weights });
    const want = await m.run(feeds);
    await saveModelArtifact(m, join(dir, weights), { name: 'conv' });
    await m.dispose();
    sizes.push(statSync(join(dir, weights, 'conv.weights.bin')).size);
    const loaded = await loadArtifact(join(dir, weights, 'conv.json')) as LoadedModel;
    assertOutputsClose(t, await loaded.run(feeds), want, 0, 0, `${weights} artifact`);
    await loaded.close();
  }
  // 190 f32 weights: 2 bytes each fewer.
  t.is(sizes[0]! - sizes[1]!, 2 * (180 + 5 + 5));
});

test('a weight beyond binary16\'s range keeps its tensor f32, with a note naming it', async (t) => {
  const big = convModel(W, S, [1e6, ...B.slice(1)]);
  const half = await outputs(big, { weights: 'f16' });
  t.true(half.notes.some((n) => /constant b stays f32: a value exceeds binary16's largest, 65504/.test(n)), half.notes.join('\n'));
  const want = await outputs(convModel(W.map(toHalf), S.map(toHalf), [1e6, ...B.slice(1)]), {});
  assertOutputsClose(t, half.out, want.out, 0, 0);
});

test('weights must be f32 or f16', async (t) => {
  await t.throwsAsync(compileOnnx(original, { weights: 'bf16' as never }), { instanceOf: ArgumentError, message: "compileOnnx: weights must be 'f32' or 'f16', got \"bf16\"" });
});
