/**
 * Stages of a kernel that read weights only (lower/constant_stages.ts), run once when the model
 * loads: which stages split out of a lowered kernel and which stay, and models whose 'channels'
 * layers read their packed weights from the prepare steps' output, against onnxruntime-node, with
 * two layers of one workload (one kernel, two prepare steps on their own weights), on 1 and 2
 * threads, and through a saved artifact.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { placeholder } from '../dsl/func.js';
import { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import { lower } from '../lower/lower.js';
import { splitConstantStages } from '../lower/constant_stages.js';
import { walkStmt, type Stmt } from '../ir/stmt.js';
import { lookupOp } from '../ops/registry.js';
import { compileOnnx } from '../model/compile_onnx.js';
import { saveModelArtifact } from '../model/artifact.js';
import { seededFeeds } from '../model/latency.js';
import { loadArtifact } from '../runtime/index.js';
import type { LoadedModel } from '../runtime/model_artifact.js';
import { random } from '../reference/random.js';
import { attr, nodeContext } from './helpers/onnx_node.js';
import { onnxModel } from './helpers/onnx_graph.js';
import { assertOutputsClose, ortRun } from './helpers/ort_model.js';

/** A Winograd 3x3 layer (8 -> 8 channels, 10x10, pad 1) lowered with its op schedule. */
function winogradKernel() {
  const ctx = { ...nodeContext({ op: 'Conv', opset: 11, attrs: { pads: attr.ints([1, 1, 1, 1]) }, inputs: [{ dtype: 'f32', shape: [1, 8, 10, 10] }, { dtype: 'f32', shape: [8, 8, 3, 3], initializer: true }] }), implementation: 'winograd' };
  const entry = lookupOp('', 'Conv', 11)!;
  const x = placeholder('x', [1, 8, 10, 10], 'f32'), w = placeholder('w', [8, 8, 3, 3], 'f32');
  const stages = entry.define(ctx, [x, w]);
  const sch = new Schedule(new Pipeline(stages));
  entry.schedule(sch, { outputs: stages, target: 'wasm-simd', threads: 1 }, ctx);
  const f = lower(sch.pipeline, sch).func;
  const arg = (name: string) => f.args.find((a) => a.buffer.name === name)!.buffer;
  return { f, x: arg('x'), w: arg('w') };
}

const produced = (s: Stmt) => { const out: string[] = []; walkStmt(s, (x) => { if (x.kind === 'produce') out.push(x.func.name); }); return out; };

test('the weight transform splits out of a Winograd kernel: its own function from the weights, an input of the kernel', (t) => {
  const { f, w } = winogradKernel();
  const transform = f.args.length;
  const s = splitConstantStages(f, new Set([w]))!;
  t.truthy(s);
  t.deepEqual(s.split.map((a) => a.buffer.name), [produced(f.body).find((n) => n.endsWith('_wu'))], 'U alone: V and the sums read the input');
  t.deepEqual(s.prepare.args.map((a) => [a.buffer.name, a.role]), [['w', 'input'], [s.split[0]!.buffer.name, 'output']]);
  t.deepEqual(produced(s.prepare.body), [s.split[0]!.buffer.name]);
  t.is(s.main.args.length, transform + 1);
  t.true(s.main.args.some((a) => a.buffer === s.split[0]!.buffer && a.role === 'input'));
  t.false(produced(s.main.body).includes(s.split[0]!.buffer.name), 'the kernel no longer computes U');
  t.true(produced(s.main.body).length === produced(f.body).length - 1);
});

test('what a stage reads decides: nothing splits without constants; with the input constant, its planes and transform split and U stays', (t) => {
  const { f, x } = winogradKernel();
  t.is(splitConstantStages(f, new Set()), undefined);
  const s = splitConstantStages(f, new Set([x]))!;
  const names = s.split.map((a) => a.buffer.name);
  t.true(names.some((n) => n.endsWith('_planes')) && names.some((n) => n.endsWith('_wv')), names.join(', '));
  t.false(names.some((n) => n.endsWith('_wu')), 'U reads the weights, which are not constant here');
});

/** Two 3x3 layers + Relu of one workload (8 -> 8 at 16x16, different weights), then a strided one (8 -> 16): each 'channels'. */
function channelsModel(): Uint8Array {
  const r = random(7);
  const values = (n: number) => Array.from({ length: n }, () => r() - 0.5);
  return onnxModel({
    inputs: [{ name: 'x', dtype: 'f32', shape: [1, 8, 16, 16] }],
    outputs: [{ name: 'y', dtype: 'f32', shape: [1, 16, 8, 8] }],
    initializers: [
      { name: 'w1', dtype: 'f32', shape: [8, 8, 3, 3], data: values(576) },
      { name: 'w2', dtype: 'f32', shape: [8, 8, 3, 3], data: values(576) },
      { name: 'w3', dtype: 'f32', shape: [16, 8, 3, 3], data: values(1152) },
      { name: 'b3', dtype: 'f32', shape: [16], data: values(16) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1'], outputs: ['c1'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'Conv', inputs: ['r1', 'w2'], outputs: ['c2'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
      { op: 'Conv', inputs: ['r2', 'w3', 'b3'], outputs: ['y'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] } },
    ],
  });
}

for (const threads of [1, 2]) {
  test(`packed weights computed once at load match onnxruntime on ${threads} thread(s), as the kernels that pack in every call do`, async (t) => {
    const bytes = channelsModel();
    const [packed, unpacked] = await Promise.all([true, false].map((prepack) => compileOnnx(bytes, { threads, prepack })));
    try {
      const program = packed.wasm!.program;
      t.is(program.prepare?.length, 3, 'one prepare step per layer');
      t.is(unpacked.wasm!.program.prepare, undefined);
      const [s1, s2] = program.steps as [typeof program.steps[0], typeof program.steps[0]];
      t.is(s1.kernel, s2.kernel, 'the two layers of one workload share their kernel');
      const [p1, p2] = program.prepare! as [typeof s1, typeof s1];
      t.is(p1.kernel, p2.kernel, '... and their prepare kernel');
      t.notDeepEqual(p1.addresses, p2.addresses, 'each packs its own weights into its own place');
      t.true(program.prepare!.every((p) => p.addresses.every((a) => a < program.memory.arenaAddress)), 'the packed weights lie below the arena');
      const feeds = seededFeeds(packed, 3);
      const want = await ortRun(bytes, feeds);
      assertOutputsClose(t, await packed.run(feeds), want, 1e-4, 1e-4, 'packed at load');
      assertOutputsClose(t, await unpacked.run(feeds), want, 1e-4, 1e-4, 'packed in every call');
      assertOutputsClose(t, await packed.run(feeds), want, 1e-4, 1e-4, 'a second run reads the same packed weights');
    } finally {
      await packed.dispose();
      await unpacked.dispose();
    }
  });
}

test('a saved artifact runs its prepare steps when it loads', async (t) => {
  const bytes = channelsModel();
  const model = await compileOnnx(bytes);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-prepack-'));
  try {
    await saveModelArtifact(model, dir, { name: 'packed', runtimeImport: pathToFileURL(join(import.meta.dirname, '../runtime/index.ts')).href });
    const loaded = await loadArtifact(join(dir, 'packed.json')) as LoadedModel;
    const feeds = seededFeeds(model, 5);
    assertOutputsClose(t, await loaded.run(feeds), await ortRun(bytes, feeds), 1e-4, 1e-4);
    await loaded.close();
  } finally {
    await model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
