/**
 * The operator table: one line per ONNX operator (or per family of table-driven rules), nothing else.
 * A new operator is a new entry in its family's file plus one line here.
 */
import type { OpEntry } from './op.js';
import { foldEmptyOutputs } from './empty_outputs.js';
import { UNARY_OPS, BROADCAST_OPS, Where, PRelu, Clip } from './elementwise.js';
import { Conv, ConvTranspose } from './conv.js';
import { Gemm, MatMul } from './gemm.js';
import { MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool } from './pool.js';
import { Shape, Reshape, Flatten, Squeeze, Unsqueeze, Expand, Identity, Dropout } from './shape_ops.js';
import { Transpose, Concat, Split, Slice, Pad, Gather, Tile } from './data_movement.js';
import { Constant, ConstantOfShape, Range, Cast, CastLike } from './constants.js';
import { BatchNormalization } from './norm.js';
import { REDUCE_OPS } from './reduce.js';
import { Softmax, LogSoftmax } from './softmax.js';
import { Resize, Upsample } from './resize.js';

const TABLE: readonly OpEntry[] = [
  ...UNARY_OPS,                // Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Elu, Selu, Softplus, Erf, Exp, Log, Sqrt, Reciprocal, Neg, Abs, Floor, Ceil, Round, Sign, Not
  ...BROADCAST_OPS,            // Add, Sub, Mul, Div, Pow, Equal, Less(OrEqual), Greater(OrEqual), And, Or, Xor, Max, Min, Sum, Mean
  Where,
  PRelu,
  Clip,
  Conv,
  ConvTranspose,
  Gemm,
  MatMul,
  MaxPool,
  AveragePool,
  GlobalMaxPool,
  GlobalAveragePool,
  Shape,
  Reshape,
  Flatten,
  Squeeze,
  Unsqueeze,
  Expand,
  Identity,
  Dropout,
  Transpose,
  Concat,
  Split,
  Slice,
  Pad,
  Gather,
  Tile,
  Constant,
  ConstantOfShape,
  Range,
  Cast,
  CastLike,
  BatchNormalization,
  ...REDUCE_OPS,               // ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2, ReduceLogSum
  Softmax,
  LogSoftmax,
  Resize,
  Upsample,
].map(foldEmptyOutputs);

const key = (domain: string, op: string) => `${domain === 'ai.onnx' ? '' : domain}/${op}`;
const BY_NAME = new Map<string, OpEntry[]>();
for (const e of TABLE) {
  const k = key(e.domain ?? '', e.op);
  BY_NAME.set(k, [...(BY_NAME.get(k) ?? []), e]);
}

/**
 * The entry implementing operator `op` of `domain` ('' or 'ai.onnx' for the default domain) at opset
 * version `opset`, or undefined when the library has none (supportedOps() lists what it has).
 */
export function lookupOp(domain: string, op: string, opset: number): OpEntry | undefined {
  return BY_NAME.get(key(domain, op))?.find((e) => opset >= e.opsets[0] && opset <= e.opsets[1]);
}

/** Every operator the library implements, with its domain and opset range, sorted by name. */
export function supportedOps(): { domain: string; op: string; opsets: readonly [number, number] }[] {
  return TABLE.map((e) => ({ domain: e.domain ?? '', op: e.op, opsets: e.opsets })).sort((a, b) => a.op.localeCompare(b.op));
}
