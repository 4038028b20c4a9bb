/**
 * The graph IR of a whole model: nodes in ONNX's operator vocabulary over named tensors, independent of
 * the file format it was loaded from (onnx/ builds it; graph passes rewrite it; model/ compiles it).
 *
 * Element types are the model's own (ONNX TensorProto.DataType names shortened). Kernels compute in
 * Tessera dtypes: see `kernelDType` for how each model dtype is held in a kernel.
 */
import type { ModelDType } from '../runtime/model_dtype.js';

// Model dtypes and their kernel dtypes are defined once, in the runtime, which reads them too.
export type { ModelDType } from '../runtime/model_dtype.js';
export { kernelDType } from '../runtime/model_dtype.js';

/** A tensor's type with a static shape (every symbolic dimension bound at compile time). */
export interface TensorInfo {
  readonly dtype: ModelDType;
  /** Extents, outermost first; [] is a scalar. */
  readonly shape: readonly number[];
}

/**
 * The data of a constant tensor (an initializer, a Constant node, or a folded value), row-major.
 * f32: Float32Array; f16: Float32Array (widened at load); f64: Float64Array; i64: BigInt64Array;
 * u64: BigUint64Array; i32/i16/i8/u32/u16/u8: the matching typed array; bool: Uint8Array of 0/1.
 */
export type ConstData =
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array
  | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

export interface ConstTensor extends TensorInfo {
  readonly data: ConstData;
}

/** A node attribute (ONNX AttributeProto): ints are int64 in the file, held as numbers here. */
export type AttrValue =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: ConstTensor }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensors'; readonly value: readonly ConstTensor[] };

export interface GraphNode {
  /** The node's name in the model (may be empty in the file; the loader makes every name unique). */
  readonly name: string;
  /** The operator type, e.g. 'Conv'. */
  readonly op: string;
  /** The operator set domain; '' is ai.onnx. */
  readonly domain: string;
  /** Input tensor names in order; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/**
 * A dimension as a model declares it: a number (dim_value), a symbolic name (dim_param, bound at
 * compile time by `sizes`), or undefined when the file says neither.
 */
export type DeclaredDim = number | string | undefined;

/** A graph input or output as the model declares it. */
export interface ValueDecl {
  readonly name: string;
  /** Undefined when the file does not say (allowed for outputs only: inference gives their types). */
  readonly dtype: ModelDType | undefined;
  /** Outermost first; undefined when the file gives no shape at all. */
  readonly shape: readonly DeclaredDim[] | undefined;
}

/**
 * Nodes computed as one kernel: `nodes[0]` is the anchor (any op), each later node is elementwise in
 * the previous one's output (ops/op.ts `elementwise`), which no other node reads. The group's output is
 * the last node's output 0. Fusion is data: a pass decides the groups, the model compiler follows them.
 */
export interface FusionGroup {
  readonly nodes: readonly string[];
}

/**
 * A whole model: nodes in topological order over named tensors, with the opsets it imports, its
 * declared inputs and outputs, and its constant tensors (initializers, and values folded by passes).
 */
export interface Graph {
  readonly name: string;
  /** Operator set version per domain ('' is ai.onnx). */
  readonly opsets: ReadonlyMap<string, number>;
  /** Inputs the caller feeds (initializers are not among them). */
  readonly inputs: readonly ValueDecl[];
  readonly outputs: readonly ValueDecl[];
  readonly initializers: ReadonlyMap<string, ConstTensor>;
  /** Topological order: every input of a node is a graph input, an initializer or an earlier node's output. */
  readonly nodes: readonly GraphNode[];
  /** Kernel groups chosen by the fusion pass; absent means every node is its own kernel. */
  readonly groups?: readonly FusionGroup[];
}

/** Elements of a shape ([] is a scalar: 1 element). */
export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
