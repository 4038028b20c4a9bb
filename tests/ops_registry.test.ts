/**
 * The operator table (ops/registry.ts): every operator issue 10 lists is there, entries of one
 * operator never overlap in opsets, lookups respect the ranges and domains, and an unknown attribute
 * is refused with an OpError that names the node, the op, the opset and the attribute.
 */
import test from 'ava';
import { lookupOp, supportedOps } from '../ops/registry.js';
import { OpError, type OpContext } from '../ops/op.js';

/** The operators of issue 10, item 3. */
const REQUIRED = [
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'BatchNormalization', 'Relu', 'LeakyRelu', 'PRelu', 'Clip', 'Sigmoid', 'HardSigmoid',
  'HardSwish', 'Tanh', 'Elu', 'Erf', 'Exp', 'Log', 'Sqrt', 'Pow', 'Reciprocal', 'Neg', 'Abs', 'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min',
  'Equal', 'Less', 'Greater', 'Where', 'Concat', 'Split', 'Slice', 'Pad', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose',
  'Gather', 'Shape', 'Constant', 'ConstantOfShape', 'Cast', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'Softmax', 'LogSoftmax', 'Resize', 'Upsample', 'Identity', 'Dropout',
];

test('every operator of issue 10 is supported at every opset from its first version (or 7) to 21', (t) => {
  const ops = supportedOps();
  for (const op of REQUIRED) {
    const entries = ops.filter((e) => e.op === op);
    t.true(entries.length > 0, `${op} is missing`);
    const first = Math.min(...entries.map((e) => e.opsets[0]));
    const last = op === 'Upsample' ? 9 : 21; // Upsample was removed at opset 10 (Resize replaces it)
    for (let v = Math.max(first, 7); v <= last; v++) t.truthy(lookupOp('', op, v), `${op} at opset ${v}`);
  }
});

test('entries of one operator do not overlap, and lookups stop at their ranges and domain', (t) => {
  const ops = supportedOps();
  t.deepEqual(ops.map((e) => e.op), [...ops.map((e) => e.op)].sort((a, b) => a.localeCompare(b)), 'sorted by name');
  for (const e of ops) {
    t.true(e.opsets[0] >= 1 && e.opsets[0] <= e.opsets[1] && e.opsets[1] <= 21, `${e.op} [${e.opsets.join(', ')}]`);
    const same = ops.filter((o) => o.op === e.op && o !== e);
    for (const o of same) t.true(o.opsets[1] < e.opsets[0] || o.opsets[0] > e.opsets[1], `${e.op} ranges overlap`);
  }
  t.is(lookupOp('', 'Upsample', 10), undefined);
  t.is(lookupOp('', 'Resize', 9), undefined);
  t.is(lookupOp('', 'HardSwish', 13), undefined);
  t.is(lookupOp('', 'Relu', 22), undefined);
  t.is(lookupOp('com.microsoft', 'Relu', 13), undefined);
  t.is(lookupOp('ai.onnx', 'Relu', 13), lookupOp('', 'Relu', 13));
  t.is(lookupOp('', 'NoSuchOp', 13), undefined);
});

test('an unknown attribute is refused, naming the node, op, opset and the attributes the op has', (t) => {
  const ctx: OpContext = {
    node: { name: 'conv1', op: 'Conv', domain: '', attrs: { padding: { type: 'ints', value: [1, 1] } }, inputs: ['x', 'w'], outputs: ['y'] },
    opset: 13, inputs: [{ dtype: 'f32', shape: [1, 3, 8, 8] }, { dtype: 'f32', shape: [4, 3, 3, 3] }], consts: [undefined, undefined], prefix: 'conv1',
  };
  const e = t.throws(() => lookupOp('', 'Conv', 13)!.inferShapes(ctx), { instanceOf: OpError });
  t.is(e!.message, 'node conv1 (Conv, opset 13): attribute padding is not an attribute of Conv at opset 13; it has auto_pad, dilations, group, kernel_shape, pads, strides');
  t.is(e!.node, 'conv1');
  t.is(e!.op, 'Conv');
  t.is(e!.opset, 13);
  // A wrongly typed attribute too.
  const typed = { ...ctx, node: { ...ctx.node, attrs: { group: { type: 'float' as const, value: 1 } } } };
  t.throws(() => lookupOp('', 'Conv', 13)!.inferShapes(typed), { message: 'node conv1 (Conv, opset 13): attribute group must be of type int, got float' });
});
