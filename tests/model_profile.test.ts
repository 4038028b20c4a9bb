/**
 * Per-kernel profiles of a model (CompiledModel.profile, `tessera profile`): one entry per kernel in
 * run order, the nodes and ops each computes, FLOPs counted from the shapes (a Conv's 2 x outputs x
 * C/group x window, checked by hand here), positive times; the table lists the slowest first; bad
 * requests are clear errors.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileOnnx } from '../model/compile_onnx.js';
import { profileTable } from '../cli/commands/profile.js';
import { onnxModel } from './helpers/onnx_graph.js';
import { runCli } from './helpers/cli.js';

const weights = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i) / 4);
const bytes = onnxModel({
  nodes: [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1], group: 2 } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'MatMul', inputs: ['p', 'm'], outputs: ['y'] },
  ],
  inputs: [{ name: 'x', dtype: 'f32', shape: [1, 4, 8, 8] }],
  outputs: [{ name: 'y', dtype: 'f32' }],
  initializers: [
    { name: 'w', dtype: 'f32', shape: [6, 2, 3, 3], data: weights(108) },
    { name: 'b', dtype: 'f32', shape: [6], data: weights(6) },
    { name: 'm', dtype: 'f32', shape: [4, 5], data: weights(20) },
  ],
});
const feeds = { x: { data: Float32Array.from({ length: 256 }, (_, i) => (i % 13) / 13), shape: [1, 4, 8, 8], dtype: 'f32' as const } };

test('profile: one entry per kernel in run order, the ops each computes, FLOPs from the shapes, positive times', async (t) => {
  const model = await compileOnnx(bytes);
  try {
    const steps = await model.profile(feeds, 3);
    t.is(steps.length, model.kernelCount);
    t.deepEqual(steps.map((s) => s.step), steps.map((_, i) => i));
    const conv = steps.find((s) => s.ops[0] === 'Conv')!;
    t.deepEqual(conv.ops, ['Conv', 'Relu'], 'the Relu is fused into the Conv kernel');
    t.deepEqual([...conv.outputShape], [1, 6, 8, 8]);
    t.is(conv.flops, 2 * 6 * 8 * 8 * 2 * 3 * 3 + 6 * 8 * 8, 'Conv: 2 x outputs x C/group x window, Relu: one per element');
    const matmul = steps.find((s) => s.ops.includes('MatMul'))!;
    t.is(matmul.flops, 2 * (1 * 6 * 4 * 5) * 4, 'MatMul: 2 x outputs x K');
    for (const s of steps) t.true(s.medianMs > 0 && s.minMs > 0 && s.minMs <= s.medianMs, JSON.stringify(s));
    const table = profileTable(steps, 2);
    const lines = table.trim().split('\n');
    t.is(lines.length, 1 + 2 + 1 + 1, 'header, two slowest, the rest, the total');
    const ms = lines.slice(1, 3).map((l) => Number(l.trim().split(/\s+/)[0]));
    t.true(ms[0]! >= ms[1]!, 'slowest first');
    t.regex(lines.at(-1)!, new RegExp(`all ${steps.length} kernels`));
    await t.throwsAsync(model.profile(feeds, 0), { message: /profile runs must be a positive integer, got 0/ });
  } finally {
    await model.dispose();
  }
});

test('tessera profile prints the table; usage errors name what is wrong', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-profile-'));
  try {
    const path = join(dir, 'small.onnx');
    writeFileSync(path, bytes);
    const r = await runCli(['profile', path, '--runs', '2', '--top', '3']);
    t.is(r.status, 0, r.err);
    t.regex(r.out, /GFLOP\/s/);
    t.regex(r.out, /Conv\+Relu -> \[1, 6, 8, 8\]/);
    t.regex(r.err, /kernels on 1 thread, median of 2 runs/);
    const bad = await runCli(['profile', path, '--runs', 'many']);
    t.is(bad.status, 1);
    t.regex(bad.err, /--runs/);
    const notOnnx = await runCli(['profile', join(dir, 'small.json')]);
    t.regex(notOnnx.err, /MODEL must be an \.onnx file/);
    const unknown = await runCli(['profile', path, '--input', `nope=${join(dir, 'a.npy')}`]);
    t.regex(unknown.err, /--input nope: .* has no input nope; its inputs are x/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
