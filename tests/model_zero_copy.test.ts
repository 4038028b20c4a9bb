/**
 * Zero-copy concatenation (model/plan.ts slices, OpEntry.inputsInOutput): a Concat whose inputs are
 * contiguous blocks of its output runs no kernel, the kernels that write its inputs writing inside
 * its output; where that is not legal (a model input or output among them, one tensor twice, an
 * axis with channels before it) it runs as a kernel. Outputs against onnxruntime-node either way.
 */
import test from 'ava';
import { compileOnnx, type CompiledModel } from '../model/compile_onnx.js';
import { seededFeeds } from '../model/latency.js';
import { random } from '../reference/random.js';
import { Concat } from '../ops/data_movement.js';
import { attr, nodeContext } from './helpers/onnx_node.js';
import { onnxModel, type NodeSpec } from './helpers/onnx_graph.js';
import { assertOutputsClose, ortRun } from './helpers/ort_model.js';

const r = random(11);
const values = (n: number) => Array.from({ length: n }, () => r() - 0.5);

/** A fire module (SqueezeNet): squeeze 1x1, expand 1x1 and 3x3, their Concat, then `tail` nodes reading `cat`. */
function fire(concat: NodeSpec, tail: NodeSpec[], outputs: { name: string; shape: number[] }[]): Uint8Array {
  return onnxModel({
    inputs: [{ name: 'x', dtype: 'f32', shape: [1, 8, 9, 9] }],
    outputs: outputs.map((o) => ({ ...o, dtype: 'f32' as const })),
    initializers: [
      { name: 'ws', dtype: 'f32', shape: [4, 8, 1, 1], data: values(32) },
      { name: 'w1', dtype: 'f32', shape: [8, 4, 1, 1], data: values(32) },
      { name: 'w3', dtype: 'f32', shape: [8, 4, 3, 3], data: values(288) },
      { name: 'wo', dtype: 'f32', shape: [4, 16, 1, 1], data: values(64) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'ws'], outputs: ['s'], attrs: { kernel_shape: [1, 1] } },
      { op: 'Relu', inputs: ['s'], outputs: ['sr'] },
      { op: 'Conv', inputs: ['sr', 'w1'], outputs: ['e1'], attrs: { kernel_shape: [1, 1] } },
      { op: 'Relu', inputs: ['e1'], outputs: ['e1r'] },
      { op: 'Conv', inputs: ['sr', 'w3'], outputs: ['e3'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['e3'], outputs: ['e3r'] },
      concat,
      ...tail,
    ],
  });
}

test('Concat.inputsInOutput: element offsets where every dimension before the axis is 1, else none', (t) => {
  const ctx = (shapes: number[][], axis: number) => nodeContext({ op: 'Concat', opset: 13, attrs: { axis: attr.int(axis) }, inputs: shapes.map((shape) => ({ dtype: 'f32' as const, shape })) });
  t.deepEqual(Concat.inputsInOutput!(ctx([[1, 2, 3, 3], [1, 5, 3, 3]], 1)), [0, 18]);
  t.deepEqual(Concat.inputsInOutput!(ctx([[1, 2, 3, 3], [1, 5, 3, 3]], -3)), [0, 18], 'a negative axis');
  t.deepEqual(Concat.inputsInOutput!(ctx([[2, 3], [4, 3], [1, 3]], 0)), [0, 6, 18], 'axis 0: always contiguous');
  t.is(Concat.inputsInOutput!(ctx([[2, 2, 3], [2, 5, 3]], 1)), undefined, 'batch 2: each input is two blocks');
  t.is(Concat.inputsInOutput!(ctx([[1, 2, 3], [1, 2, 4]], 2)), undefined, 'along the last axis of 2 rows');
});

const squeezeOut: NodeSpec = { op: 'Conv', inputs: ['cat', 'wo'], outputs: ['y'], attrs: { kernel_shape: [1, 1] } };

const ops = (m: CompiledModel) => m.wasm!.program.steps.map((s) => s.nodes);

async function matches(t: import('ava').ExecutionContext, bytes: Uint8Array, threads = 1): Promise<CompiledModel> {
  const m = await compileOnnx(bytes, { threads });
  const feeds = seededFeeds(m, 2);
  assertOutputsClose(t, await m.run(feeds), await ortRun(bytes, feeds), 1e-4, 1e-4);
  return m;
}

for (const threads of [1, 2]) {
  test(`a fire module's Concat runs no kernel: the expand layers write into its output (${threads} thread(s))`, async (t) => {
    const bytes = fire({ op: 'Concat', name: 'cat', inputs: ['e1r', 'e3r'], outputs: ['cat'], attrs: { axis: 1 } }, [squeezeOut], [{ name: 'y', shape: [1, 4, 9, 9] }]);
    const m = await matches(t, bytes, threads);
    try {
      t.false(ops(m).some((nodes) => nodes.includes('cat')), 'no step for the Concat');
      const p = m.wasm!.program;
      const addressOf = (node: string) => { const s = p.steps.find((x) => x.nodes.includes(node))!; return s.addresses.at(-1)!; };
      const e1 = addressOf('n2'), e3 = addressOf('n4');
      t.is(e3 - e1, 8 * 81 * 4, 'the 3x3 expand writes right after the 1x1 expand\'s 8 channels');
      const reader = p.steps.find((x) => x.nodes.includes('n7'))!;
      t.is(reader.addresses[0], e1, 'the next layer reads the Concat\'s output where the expands wrote');
    } finally { await m.dispose(); }
  });
}

test('a Concat runs as a kernel where its inputs cannot live in its output', async (t) => {
  const cases: [string, Uint8Array][] = [
    ['a model input among its inputs', fire({ op: 'Concat', name: 'cat', inputs: ['e1r', 'x'], outputs: ['cat'], attrs: { axis: 1 } }, [squeezeOut], [{ name: 'y', shape: [1, 4, 9, 9] }])],
    ['one tensor twice', fire({ op: 'Concat', name: 'cat', inputs: ['e1r', 'e1r'], outputs: ['cat'], attrs: { axis: 1 } }, [squeezeOut], [{ name: 'y', shape: [1, 4, 9, 9] }])],
    ['an input that is a model output', fire({ op: 'Concat', name: 'cat', inputs: ['e1r', 'e3r'], outputs: ['cat'], attrs: { axis: 1 } }, [squeezeOut], [{ name: 'y', shape: [1, 4, 9, 9] }, { name: 'e3r', shape: [1, 8, 9, 9] }])],
    ['axis 2, with channels before it', fire({ op: 'Concat', name: 'cat', inputs: ['e1r', 'e3r'], outputs: ['cat'], attrs: { axis: 2 } }, [], [{ name: 'cat', shape: [1, 8, 18, 9] }])],
  ];
  for (const [what, bytes] of cases) {
    const m = await matches(t, bytes);
    try {
      t.true(ops(m).some((nodes) => nodes.includes('cat')), what);
    } finally { await m.dispose(); }
  }
});

test('two Concats in a chain: the first in place, the second (reading the first\'s output) a kernel; a later reader of an input sees it intact', async (t) => {
  const bytes = fire({ op: 'Concat', name: 'cat', inputs: ['e1r', 'e3r'], outputs: ['cat'], attrs: { axis: 1 } }, [
    { op: 'Relu', name: 'late', inputs: ['e3r'], outputs: ['e3r2'] },
    { op: 'Concat', name: 'cat2', inputs: ['cat', 'e3r2'], outputs: ['z'], attrs: { axis: 1 } },
    // Read after both Concats: e1r must still hold its values inside cat.
    { op: 'Add', name: 'sum', inputs: ['e1r', 'e1r'], outputs: ['w'] },
  ], [{ name: 'z', shape: [1, 24, 9, 9] }, { name: 'w', shape: [1, 8, 9, 9] }]);
  const m = await matches(t, bytes);
  try {
    t.false(ops(m).some((nodes) => nodes.includes('cat')));
    t.true(ops(m).some((nodes) => nodes.includes('cat2')));
  } finally { await m.dispose(); }
});
