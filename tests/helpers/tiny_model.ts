/**
 * A tiny ONNX model for the per-model tuning tests: a 3x3 Conv (4 -> 8 channels, pad 1) + Relu, then
 * two 1x1 Convs + Relu of the same shape with different weights (one workload, two kernels), both
 * outputs, and their sum (Add) a third. `size`
 * is the spatial extent: two sizes give workloads of one stage structure (transfer).
 */
import { onnxModel } from './onnx_graph.js';
import { random } from '../../reference/random.js';

const values = (n: number, seed: number) => { const r = random(seed); return Array.from({ length: n }, () => r() * 0.5); };

export function tinyConvModel(size: number): Uint8Array {
  return onnxModel({
    inputs: [{ name: 'x', dtype: 'f32', shape: [1, 4, size, size] }],
    outputs: ['y2', 'y3', 'y'].map((name) => ({ name, dtype: 'f32' as const, shape: [1, 8, size, size] })),
    initializers: [
      { name: 'w1', dtype: 'f32', shape: [8, 4, 3, 3], data: values(8 * 4 * 9, 1) },
      { name: 'b1', dtype: 'f32', shape: [8], data: values(8, 2) },
      { name: 'w2', dtype: 'f32', shape: [8, 8, 1, 1], data: values(64, 3) },
      { name: 'w3', dtype: 'f32', shape: [8, 8, 1, 1], data: values(64, 4) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'Conv', inputs: ['r1', 'w2'], outputs: ['c2'], attrs: { kernel_shape: [1, 1] } },
      { op: 'Relu', inputs: ['c2'], outputs: ['y2'] },
      { op: 'Conv', inputs: ['r1', 'w3'], outputs: ['c3'], attrs: { kernel_shape: [1, 1] } },
      { op: 'Relu', inputs: ['c3'], outputs: ['y3'] },
      { op: 'Add', inputs: ['y2', 'y3'], outputs: ['y'] },
    ],
  });
}
