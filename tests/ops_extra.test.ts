/**
 * The operators beyond issue 10's list that CNN, detector and OCR exports also use: Softsign,
 * ThresholdedRelu, Celu, Shrink, Mish, Sin/Cos/Tan, IsNaN/IsInf, Mod (both forms), Size,
 * ArgMax/ArgMin, DepthToSpace/SpaceToDepth, InstanceNormalization, LayerNormalization (with its
 * statistics outputs) and LRN, against onnxruntime-node, with a WebGPU sample.
 */
import test from 'ava';
import { acquireGpu } from '../tessera.js';
import { attr, checkNode, type NodeCase, type NodeInput } from './helpers/onnx_node.js';
import { requireGpu } from './helpers/environment.js';
const gpu = await requireGpu(import.meta.url);

const X = (shape: number[], o: Partial<NodeInput> = {}): NodeInput => ({ dtype: 'f32', shape, ...o });
const W = (shape: number[]): NodeInput => ({ dtype: 'f32', shape, initializer: true });

const CASES: [string, NodeCase][] = [
  ['Softsign', { op: 'Softsign', opset: 13, inputs: [X([17], { range: 4 })] }],
  ['ThresholdedRelu', { op: 'ThresholdedRelu', opset: 10, attrs: { alpha: attr.float(0.3) }, inputs: [X([17])] }],
  ['Celu', { op: 'Celu', opset: 12, attrs: { alpha: attr.float(0.5) }, inputs: [X([17], { range: 3 })] }],
  ['Shrink', { op: 'Shrink', opset: 9, attrs: { lambd: attr.float(0.3), bias: attr.float(0.1) }, inputs: [X([17])] }],
  ['Mish', { op: 'Mish', opset: 18, inputs: [X([17], { range: 4 })] }],
  ['Sin', { op: 'Sin', opset: 7, inputs: [X([17], { range: 4 })] }],
  ['Cos', { op: 'Cos', opset: 7, inputs: [X([17], { range: 4 })] }],
  ['Tan', { op: 'Tan', opset: 7, inputs: [X([17])] }],
  ['IsNaN', { op: 'IsNaN', opset: 13, inputs: [X([5], { data: [NaN, 1, Infinity, 0, -NaN] })] }],
  ['IsInf positive only', { op: 'IsInf', opset: 10, attrs: { detect_negative: attr.int(0) }, inputs: [X([4], { data: [NaN, -Infinity, Infinity, 0] })] }],
  ['Mod integers (the divisor\'s sign)', { op: 'Mod', opset: 13, inputs: [{ dtype: 'i32', shape: [8], data: [-7, 7, -7, 7, 5, -5, 0, 9] }, { dtype: 'i32', shape: [8], data: [3, 3, -3, -3, 5, 2, 4, -4] }] }],
  ['Mod fmod floats (the dividend\'s sign)', { op: 'Mod', opset: 13, attrs: { fmod: attr.int(1) }, inputs: [X([8], { range: 10 }), X([8], { data: [3, 3, -3, -3, 5, 2, 4, -4] })] }],
  ['Mod fmod int64', { op: 'Mod', opset: 13, attrs: { fmod: attr.int(1) }, inputs: [{ dtype: 'i64', shape: [4], data: [-7, 7, -7, 7] }, { dtype: 'i64', shape: [4], data: [3, 3, -3, -3] }] }],
  ['Size', { op: 'Size', opset: 13, inputs: [X([3, 5])] }],
  ['ArgMax keepdims', { op: 'ArgMax', opset: 13, attrs: { axis: attr.int(1) }, inputs: [X([3, 5, 4])] }],
  ['ArgMax select_last_index with ties', { op: 'ArgMax', opset: 13, attrs: { axis: attr.int(-1), keepdims: attr.int(0), select_last_index: attr.int(1) }, inputs: [{ dtype: 'i32', shape: [3, 9], lo: 0, hi: 2 }] }],
  ['ArgMin axis 0', { op: 'ArgMin', opset: 11, attrs: { axis: attr.int(0), keepdims: attr.int(0) }, inputs: [X([6, 4])] }],
  ['DepthToSpace DCR', { op: 'DepthToSpace', opset: 13, attrs: { blocksize: attr.int(2) }, inputs: [X([1, 8, 3, 4])] }],
  ['DepthToSpace CRD', { op: 'DepthToSpace', opset: 13, attrs: { blocksize: attr.int(2), mode: attr.string('CRD') }, inputs: [X([1, 8, 3, 4])] }],
  ['SpaceToDepth', { op: 'SpaceToDepth', opset: 13, attrs: { blocksize: attr.int(2) }, inputs: [X([1, 3, 4, 6])] }],
  ['InstanceNormalization', { op: 'InstanceNormalization', opset: 6, inputs: [X([2, 3, 5, 7]), W([3]), W([3])] }],
  ['LayerNormalization last axis', { op: 'LayerNormalization', opset: 17, inputs: [X([2, 3, 20]), W([20]), W([20])] }],
  ['LayerNormalization axis 1 with Mean and InvStdDev', { op: 'LayerNormalization', opset: 17, attrs: { axis: attr.int(1) }, inputs: [X([2, 3, 4]), W([3, 4])], outputs: 3 }],
  ['LRN size 5', { op: 'LRN', opset: 13, attrs: { size: attr.int(5), alpha: attr.float(0.001) }, inputs: [X([1, 7, 5, 6])] }],
];
for (const [name, c] of CASES) test(name, (t) => checkNode(t, c));

gpu.test.serial('on WebGPU: ArgMax, LayerNormalization, IsNaN on the bits, DepthToSpace, Mod', async (t) => {
  const device = await acquireGpu();
  try {
    for (const name of ['ArgMax keepdims', 'LayerNormalization last axis', 'IsNaN', 'DepthToSpace DCR', 'Mod integers (the divisor\'s sign)', 'LRN size 5']) {
      await checkNode(t, CASES.find(([n]) => n === name)![1], { target: 'webgpu', gpu: device });
    }
  } finally {
    device.destroy();
  }
});
