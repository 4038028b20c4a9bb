/**
 * The CLI on ONNX models (run in this process): `tessera compile MODEL.onnx` writes a model artifact
 * that `tessera run` runs with the runtime alone, `tessera run MODEL.onnx` compiles and runs at once;
 * .npy inputs and outputs in the ONNX dtypes (int64 here) equal onnxruntime-node's; bad requests are
 * clear messages.
 */
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModelNpy, encodeModelNpy } from '../io/npy.js';
import { onnxModel } from './helpers/onnx_graph.js';
import { ortRun } from './helpers/ort_model.js';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-model-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'affine.onnx');
const bytes = onnxModel({
  nodes: [{ op: 'Mul', inputs: ['x', 'k'], outputs: ['y'] }, { op: 'Neg', inputs: ['y'], outputs: ['z'] }, { op: 'Tanh', inputs: ['f'], outputs: ['t'] }],
  inputs: [{ name: 'x', dtype: 'i64', shape: ['n'] }, { name: 'f', dtype: 'f32', shape: [2, 3] }],
  outputs: [{ name: 'z', dtype: 'i64' }, { name: 't', dtype: 'f32' }],
  initializers: [{ name: 'k', dtype: 'i64', shape: [1], data: [-7] }],
});
writeFileSync(model, bytes);
const x = { data: BigInt64Array.from([3n, -4n, 100000n, 0n]), shape: [4], dtype: 'i64' as const };
const f = { data: Float32Array.from([0.1, -2, 0.5, 3, -0.25, 1]), shape: [2, 3], dtype: 'f32' as const };
writeFileSync(join(dir, 'x.npy'), encodeModelNpy(x));
writeFileSync(join(dir, 'f.npy'), encodeModelNpy(f));
const inputs = ['--input', `x=${join(dir, 'x.npy')}`, '--input', `f=${join(dir, 'f.npy')}`];

async function outputsIn(t: import('ava').ExecutionContext, out: string) {
  const want = await ortRun(bytes, { x, f });
  const z = decodeModelNpy(readFileSync(join(out, 'z.npy'))), tanh = decodeModelNpy(readFileSync(join(out, 't.npy')));
  t.is(z.dtype, 'i64');
  t.deepEqual([...z.data as BigInt64Array], [...want.z!.data as BigInt64Array]);
  t.is(tanh.dtype, 'f32');
  t.deepEqual([...tanh.shape], [2, 3]);
  (tanh.data as Float32Array).forEach((v, i) => t.true(Math.abs(v - Number(want.t!.data[i])) < 1e-6, `t[${i}]`));
}

test('tessera run MODEL.onnx compiles in memory and writes the outputs as .npy of their ONNX dtypes', async (t) => {
  const out = join(dir, 'run1');
  const r = await runCli(['run', model, '--size', 'n=4', ...inputs, '-o', out]);
  t.is(r.status, 0, r.err);
  t.deepEqual(readdirSync(out).sort(), ['t.npy', 'z.npy']);
  await outputsIn(t, out);
});

test('tessera compile MODEL.onnx writes a model artifact that tessera run runs with the runtime alone, on 2 threads too', async (t) => {
  for (const parallel of ['1', '2']) {
    const art = join(dir, `art${parallel}`);
    const c = await runCli(['compile', model, '--size', 'n=4', '--parallel', parallel, '-o', art]);
    t.is(c.status, 0, c.err);
    t.regex(c.err, new RegExp(`compiled .*affine\\.onnx for wasm-simd \\(${parallel} threads?\\): \\d+ kernels, arena \\d+ bytes \\(lower bound \\d+\\)`));
    for (const file of ['affine.json', 'affine.weights.bin', 'affine.k0.wasm', 'affine.js', 'affine.d.ts']) t.true(existsSync(join(art, file)), file);
    const out = join(dir, `run-art${parallel}`);
    const r = await runCli(['run', join(art, 'affine.json'), ...inputs, '-o', out]);
    t.is(r.status, 0, r.err);
    await outputsIn(t, out);
  }
});

test('model CLI errors say what was wrong', async (t) => {
  const unbound = await runCli(['run', model, ...inputs]);
  t.is(unbound.status, 1);
  t.regex(unbound.err, /GraphError: graph input x dimension 0 is the symbolic size "n"; .*--size n=N/);
  const missing = await runCli(['run', model, '--size', 'n=4', '--input', `x=${join(dir, 'x.npy')}`]);
  t.regex(missing.err, /input f \(f32 \[2, 3\]\) is not given: pass --input f=FILE\.npy/);
  const wrongName = await runCli(['run', model, '--size', 'n=4', ...inputs, '--input', `w=${join(dir, 'x.npy')}`]);
  t.regex(wrongName.err, /--input w: .* has no input w; its inputs are x, f/);
  const wrongDtype = await runCli(['run', model, '--size', 'n=4', '--input', `x=${join(dir, 'f.npy')}`, '--input', `f=${join(dir, 'f.npy')}`]);
  t.regex(wrongDtype.err, /ArgumentError: .*input x has dtype i64, got dtype "f32"/);
  const noFile = await runCli(['compile', join(dir, 'nothing.onnx')]);
  t.regex(noFile.err, /ModelLoadError: no such model file: .*nothing\.onnx/);
  const badTarget = await runCli(['compile', model, '--size', 'n=4', '--target', 'cuda']);
  t.regex(badTarget.err, /--target must be wasm-simd or webgpu, got "cuda"/);
  const badWeights = await runCli(['compile', model, '--size', 'n=4', '--weights', 'bf16']);
  t.regex(badWeights.err, /--weights must be f32 or f16, got "bf16"/);
});

test('tessera compile --weights f16 stores f32 weights as binary16', async (t) => {
  const conv = join(dir, 'scale.onnx');
  writeFileSync(conv, onnxModel({
    nodes: [{ op: 'Mul', inputs: ['v', 'w'], outputs: ['o'] }],
    inputs: [{ name: 'v', dtype: 'f32', shape: [64] }], outputs: [{ name: 'o', dtype: 'f32' }],
    initializers: [{ name: 'w', dtype: 'f32', shape: [64], data: Array.from({ length: 64 }, (_, i) => 1 + i / 3) }],
  }));
  for (const weights of ['f32', 'f16']) {
    const c = await runCli(['compile', conv, '--weights', weights, '-o', join(dir, `scale-${weights}`)]);
    t.is(c.status, 0, c.err);
    t.is(readFileSync(join(dir, `scale-${weights}`, 'scale.weights.bin')).byteLength, weights === 'f16' ? 128 : 256);
  }
  t.regex((await runCli(['compile', conv, '--weights', 'f16', '-o', join(dir, 'scale-again')])).err, /weights stored as f16/);
});
