/**
 * The contract of an operator in Tessera's operator library: one entry per ONNX operator, registered in
 * one table (ops/registry.ts). An entry infers output types and shapes, folds constants on the host,
 * defines the computation in Tessera's DSL, and gives a default schedule. The model compiler (model/)
 * is the only caller; ops/ knows nothing of the ONNX file format.
 */
import type { Func, Stage } from '../dsl/func.js';
import type { Schedule } from '../schedule/schedule.js';
import type { ConstTensor, GraphNode, TensorInfo } from '../graph/ir.js';

/** A node the library cannot compile as asked: names the node, its op and opset. */
export class OpError extends Error {
  override name = 'OpError';
  constructor(readonly node: string, readonly op: string, readonly opset: number, readonly reason: string) {
    super(`node ${node} (${op}, opset ${opset}): ${reason}`);
  }
}

/** What an operator entry knows of the node it compiles. */
export interface OpContext {
  readonly node: GraphNode;
  /** The model's opset version for the node's domain. */
  readonly opset: number;
  /** Input types and static shapes; undefined for an omitted optional input. */
  readonly inputs: readonly (TensorInfo | undefined)[];
  /** Input values known at compile time (initializers, Constant nodes, folded tensors); else undefined. */
  readonly consts: readonly (ConstTensor | undefined)[];
  /** A valid, pipeline-unique identifier for this node's stages: name them `${prefix}` or `${prefix}_part`. */
  readonly prefix: string;
  /**
   * Which of the entry's implementations (OpEntry.implementations) computes the node; undefined:
   * the first that applies. define and schedule must agree on it.
   */
  readonly implementation?: string;
}

export type ScheduleTarget = 'wasm-simd' | 'webgpu';

/**
 * How an op's stages are placed in the kernel being scheduled. `outputs` are the stages define()
 * returned; `epilogue`, when present, is the last stage of a chain of elementwise ops fused after
 * outputs[0] (it reads outputs[0], possibly through inlined elementwise stages, and is the kernel's
 * output): the op schedules the epilogue's loops as its own and computes outputs[0] inside them.
 */
export interface ScheduleRequest {
  readonly outputs: readonly Stage[];
  readonly epilogue?: Stage;
  readonly target: ScheduleTarget;
  /** Threads the kernel may use (1: no parallel loops). */
  readonly threads: number;
}

export interface OpEntry {
  readonly op: string;
  /** Operator set domain; '' (ai.onnx) when absent. */
  readonly domain?: string;
  /** The opset versions this entry implements, first and last inclusive (within 7..21). */
  readonly opsets: readonly [number, number];
  /**
   * Output types and static shapes, following the ONNX operator spec.
   * @throws OpError for an unsupported attribute or value, or input shapes/dtypes the spec forbids
   */
  inferShapes(ctx: OpContext): TensorInfo[];
  /**
   * Host evaluation for constant folding when the inputs it needs are in ctx.consts; undefined when the
   * op does not fold (or the result would be too large to be worth folding). Ops on shapes (Shape,
   * Gather, Concat, Unsqueeze, Slice, Cast, ConstantOfShape, arithmetic on small int tensors) fold.
   */
  fold?(ctx: OpContext): ConstTensor[] | undefined;
  /**
   * The computation as DSL stages, one per output. `inputs[i]` is a Func holding input i in its kernel
   * dtype (graph/ir.ts kernelDType; a kernel placeholder, or a producer's stage when fused), undefined
   * for omitted optional inputs. Values an op needs at compile time (Reshape's shape, Slice's starts)
   * come from ctx.consts.
   * @throws OpError as inferShapes
   */
  define(ctx: OpContext, inputs: readonly (Func | undefined)[]): Stage[];
  /** The default schedule of the stages define() returned. */
  schedule(sch: Schedule, request: ScheduleRequest, ctx: OpContext): void;
  /**
   * The implementations that compute this node (TVM's op strategy: several definitions of one op,
   * chosen per node by measurement), the default first; absent when the op has one. The model
   * compiler defines each as its own workload and takes the one whose tuning record is fastest
   * (model/kernel_records.ts).
   * @throws OpError as inferShapes
   */
  implementations?(ctx: OpContext): readonly string[];
  /**
   * Whether an implementation's outputs differ from the op's definition by more than the order of
   * its sums (Winograd's transforms): it is never the default, its tuning checks every candidate
   * against the default implementation's outputs, and the model takes it only from records so
   * checked (model/kernel_records.ts kernelChoice).
   */
  approximates?(implementation: string): boolean;
  /**
   * Output 0 is elementwise in input 0 (with numpy broadcasting of the others): the model compiler may
   * fuse it as an epilogue into input 0's producer.
   */
  readonly elementwise?: boolean;
  /**
   * Output 0 is input 0's data under another shape (Reshape, Flatten, Squeeze, Unsqueeze, Identity,
   * Dropout in inference): no kernel runs; the model compiler aliases the buffers.
   */
  readonly aliasesInput?: boolean;
  /**
   * Where output 0 holds each input as one contiguous block (Concat along an axis with only 1s
   * before it): the element offset of each input in the output, or undefined where an input is not
   * contiguous there. The model compiler may then store the inputs inside the output, and run no
   * kernel for the node (zero-copy concatenation).
   */
  inputsInOutput?(ctx: OpContext): readonly number[] | undefined;
}
