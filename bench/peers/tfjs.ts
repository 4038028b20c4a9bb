/**
 * TensorFlow.js with its WebAssembly backend (XNNPACK, SIMD) as a benchmark peer, in Node. Stock
 * tfjs-backend-wasm runs one thread in Node (no multithread support detected; tfjs issue 3830).
 * Tensors are NHWC. Each `run` is the op call plus `dataSync()` of its result (the copy out of wasm
 * memory) and its disposal; inputs stay resident in the backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let ready: Promise<void> | undefined;

/** Selects the wasm backend, loading its .wasm files from the installed package's dist folder. */
export function initTfjs(): Promise<void> {
  ready ??= (async () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(join(dist, '/'));
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
    await tf.ready();
  })();
  return ready;
}

export interface TfjsOp {
  /** One timed call: the op, dataSync, dispose. */
  run(): void;
  /** The op's output (NHWC, or [M, N] for matMul), copied out. */
  result(): Float32Array;
  dispose(): void;
}

function op(inputs: tf.Tensor[], f: () => tf.Tensor): TfjsOp {
  return {
    run() { const y = f(); y.dataSync(); y.dispose(); },
    result() { const y = f(); const d = y.dataSync() as Float32Array; y.dispose(); return Float32Array.from(d); },
    dispose() { inputs.forEach((t) => t.dispose()); },
  };
}

/** C = A·B, A [n, n], B [n, n] row-major. */
export function tfjsMatMul(a: Float32Array, b: Float32Array, n: number): TfjsOp {
  const A = tf.tensor2d(a, [n, n]), B = tf.tensor2d(b, [n, n]);
  return op([A, B], () => tf.matMul(A, B));
}

/** conv2d, x NHWC [1, H, W, C], filter HWIO [kh, kw, C, K], stride 1, pad 'same', optional bias [K] (fused). */
export function tfjsConv2d(x: Float32Array, H: number, W: number, C: number, filter: Float32Array, kh: number, kw: number, K: number, bias?: Float32Array): TfjsOp {
  const X = tf.tensor4d(x, [1, H, W, C]), F = tf.tensor4d(filter, [kh, kw, C, K]);
  const B = bias ? tf.tensor1d(bias) : undefined;
  return op(B ? [X, F, B] : [X, F], () => (B ? tf.fused.conv2d({ x: X, filter: F, strides: 1, pad: 'same', bias: B }) : tf.conv2d(X, F, 1, 'same')));
}

/** depthwiseConv2d 3x3, x NHWC [1, H, W, C], filter [3, 3, C, 1], stride 1, pad 'same'. */
export function tfjsDepthwise(x: Float32Array, H: number, W: number, C: number, filter: Float32Array): TfjsOp {
  const X = tf.tensor4d(x, [1, H, W, C]), F = tf.tensor4d(filter, [3, 3, C, 1]);
  return op([X, F], () => tf.depthwiseConv2d(X, F, 1, 'same'));
}

/** 3x3 box blur as avgPool (stride 1, pad 'same': border windows average only their in-image pixels), [1, H, W, 1]. */
export function tfjsAvgPool3x3(x: Float32Array, H: number, W: number): TfjsOp {
  const X = tf.tensor4d(x, [1, H, W, 1]);
  return op([X], () => tf.avgPool(X, 3, 1, 'same'));
}

/** An elementwise tf.exp or tf.sigmoid of a 1-D tensor. */
export function tfjsUnary(x: Float32Array, fn: 'exp' | 'sigmoid'): TfjsOp {
  const X = tf.tensor1d(x);
  return op([X], () => (fn === 'exp' ? tf.exp(X) : tf.sigmoid(X)));
}
