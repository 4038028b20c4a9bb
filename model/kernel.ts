/**
 * One kernel of a model: a fusion group's nodes (graph/ir.ts FusionGroup) defined as one pipeline:
 * the anchor's define on kernel placeholders, then each elementwise node's define on the previous
 * stage, scheduled by the anchor's entry with the last stage as its epilogue (ops/op.ts
 * ScheduleRequest), lowered and compiled to WebAssembly or WGSL.
 */
import { placeholder, type Func, type Stage } from '../dsl/func.js';
import { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import { lower } from '../lower/lower.js';
import { compileToWasm } from '../codegen/wasm/module.js';
import { splitConstantStages } from '../lower/constant_stages.js';
import { constValue } from '../ir/expr.js';
import { bytes } from '../ir/dtype.js';
import type { LoweredFunc } from '../ir/stmt.js';
import { lowerForGpu } from '../lower/gpu/lower_gpu.js';
import { wgslProgram } from '../codegen/wgsl/program.js';
import type { KernelSignature } from '../runtime/signature.js';
import type { WasmFeature } from '../runtime/abi.js';
import type { GpuProgram } from '../runtime/webgpu/program.js';
import type { GpuLimits } from '../runtime/webgpu/device.js';
import { type ConstTensor, type Graph, type GraphNode, elementCount, kernelDType } from '../graph/ir.js';
import { type Analysis, opContext, stagePrefix } from '../graph/analysis.js';
import { OpError, type OpContext, type ScheduleTarget } from '../ops/op.js';
import { ModelCompileError } from './errors.js';
import type { TuningRecord } from '../autotune/database.js';
import { pipelineFromSpec, specOf, withAxisNames } from '../autotune/workload.js';
import { recordRef } from '../autotune/apply_record.js';
import type { TuningRecordRef } from '../runtime/abi.js';

/** A kernel's nodes, with each node's index in the graph (for stage names). */
export interface KernelJob {
  readonly nodes: readonly GraphNode[];
  readonly indices: readonly number[];
}

/** What a kernel reads and writes: the model tensor behind each kernel argument, in signature order. */
export interface KernelArgs {
  /** Tensor names of the kernel's arguments, inputs then outputs. */
  readonly tensors: readonly string[];
  /** Outputs of the anchor the graph does not use (outputs a node omits), by output index: planned as scratch. */
  readonly unused: readonly { readonly name: string; readonly output: number }[];
}

export interface WasmKernelBuild extends KernelArgs {
  readonly binary: Uint8Array;
  readonly signature: KernelSignature;
  readonly features: readonly WasmFeature[];
  readonly notes: readonly string[];
  /** The tuning record whose schedule this kernel was compiled with, when one was. */
  readonly record?: TuningRecordRef;
  /** The anchor's implementation, when its op has several (a Conv's algorithm) and a record chose it. */
  readonly implementation?: string;
  /** The kernel's stages that read weights only, computed once when the model loads. */
  readonly prepare?: PrepareKernelBuild;
}

/**
 * The stages of a kernel that read constants only (lower/constant_stages.ts: a weight transform, a
 * weight copy in the layout the sums read), as a kernel of their own that the model runs once, when
 * it loads; the kernel reads what it wrote as inputs.
 */
export interface PrepareKernelBuild {
  readonly binary: Uint8Array;
  readonly signature: KernelSignature;
  readonly features: readonly WasmFeature[];
  /** Model tensors of its arguments: the constants it reads, then the prepared tensors it writes. */
  readonly tensors: readonly string[];
  /** The prepared tensors (inputs of the kernel, among its `tensors`) and their bytes. */
  readonly prepared: readonly { readonly name: string; readonly bytes: number }[];
}

/** How a kernel is compiled: from a tuning record's schedule, with one of its anchor's implementations. */
export interface KernelChoice {
  readonly record?: TuningRecord;
  /** OpEntry.implementations' name; undefined: the anchor's default. */
  readonly implementation?: string;
}

export interface GpuKernelBuild extends KernelArgs {
  readonly program: GpuProgram;
  readonly notes: readonly string[];
}

/** The name a placeholder gets for the k-th distinct input tensor (never a stage prefix: those end in digits). */
const inputName = (k: number) => `input_${k}`;

/** A scratch name for output k of a node that omits it. */
export const unusedOutputName = (node: GraphNode, k: number) => `${node.name}:unused${k}`;

/** The name of the k-th tensor the prepare kernel of a group anchored at `node` writes. */
export const preparedTensorName = (node: GraphNode, k: number) => `${node.name}:prepared${k}`;

/** A kernel job's pipeline, scheduled by its anchor's entry, and the model tensor behind each argument. */
export interface KernelDefinition {
  readonly pipeline: Pipeline;
  /** The op entry's schedule (the baseline a tuned schedule must beat). */
  readonly schedule: Schedule;
  readonly args: KernelArgs;
  readonly anchor: OpContext;
  /** The model tensor behind a placeholder or output stage of the pipeline, by its name. */
  readonly tensorOf: ReadonlyMap<string, string>;
}

/**
 * How stages are named: 'graph' after each node's index in the graph (`conv3_relu4`, unique in the
 * model), 'job' after its position in the kernel (`conv0_relu1`): kernels of one workload at
 * different places of a model then have the same definition, hence the same workload key, which
 * is what tuning records are filed under.
 */
export type StageNaming = 'graph' | 'job';

/** Called with the name of each constant tensor whose value an op's definition or schedule reads. */
export type ConstReadListener = (tensor: string) => void;

/**
 * `ctx` with each constant input behind a getter that reports the read: what a kernel's code depends
 * on beyond shapes and attributes is exactly the constants its entry looked at (kernel_cache.ts keys
 * a build by their values, and shares it among groups whose other constants, the weights, differ).
 */
function reportingConstReads(ctx: OpContext, onRead: ConstReadListener): OpContext {
  const consts: (ConstTensor | undefined)[] = new Array(ctx.consts.length).fill(undefined);
  ctx.consts.forEach((c, i) => {
    if (c) Object.defineProperty(consts, i, { enumerable: true, get: () => { onRead(ctx.node.inputs[i]!); return c; } });
  });
  return { ...ctx, consts: Object.freeze(consts) };
}

/**
 * Defines and schedules the group's pipeline (the anchor's define, each fused node's on the stage
 * before, the anchor's schedule with the last stage as its epilogue). `implementation` names the
 * anchor's implementation (OpEntry.implementations; undefined: its default).
 * @throws OpError from the entries; what the DSL or the schedule throws for a definition they refuse
 */
export function defineKernel(g: Graph, a: Analysis, job: KernelJob, target: ScheduleTarget, threads: number, onConstRead?: ConstReadListener, naming: StageNaming = 'graph', implementation?: string): KernelDefinition {
  const funcs = new Map<string, Func>();
  const inputTensor = new Map<string, string>();
  const funcOf = (t: string): Func | undefined => {
    let f = funcs.get(t);
    if (!f) {
      const info = a.types.get(t)!;
      if (elementCount(info.shape) === 0) {
        // A kernel argument has no empty dimension; an op reads an empty constant (axes, roi) from ctx.consts.
        if (a.consts.has(t)) return undefined;
        throw new ModelCompileError(`tensor ${JSON.stringify(t)} (${info.dtype} [${info.shape.join(', ')}]) has no elements, and Tessera's kernels take no empty tensor as input`);
      }
      const name = inputName(inputTensor.size);
      f = placeholder(name, info.shape.length ? info.shape : [1], kernelDType(info.dtype));
      inputTensor.set(name, t);
      funcs.set(t, f);
    }
    return f;
  };
  const stageTensor = new Map<Stage, string>();
  const unused: { name: string; output: number }[] = [];
  let anchorCtx: OpContext | undefined, anchorStages: Stage[] = [];
  let last: Stage | undefined;
  job.nodes.forEach((node, k) => {
    const entry = a.entries.get(node.name)!;
    const base = opContext(node, naming === 'graph' ? job.indices[k]! : k, g.opsets.get(node.domain)!, a.types, a.consts);
    const plain = k === 0 && implementation !== undefined ? { ...base, implementation } : base;
    const ctx = onConstRead ? reportingConstReads(plain, onConstRead) : plain;
    const stages = entry.define(ctx, node.inputs.map((t) => (t === '' ? undefined : funcOf(t))));
    stages.forEach((s, i) => {
      const t = node.outputs[i];
      if (t) { funcs.set(t, s); stageTensor.set(s, t); }
    });
    if (k === 0) { anchorCtx = ctx; anchorStages = stages; }
    last = stages[0];
  });
  const fused = job.nodes.length > 1;
  const outputs = fused ? [last!] : anchorStages;
  outputs.forEach((s, i) => {
    if (stageTensor.has(s)) return;
    const name = unusedOutputName(job.nodes[0]!, i);
    stageTensor.set(s, name);
    unused.push({ name, output: i });
  });
  const pipeline = new Pipeline(outputs);
  const schedule = new Schedule(pipeline);
  a.entries.get(job.nodes[0]!.name)!.schedule(schedule, { outputs: anchorStages, epilogue: fused ? last : undefined, target, threads }, anchorCtx!);
  const tensors = [...pipeline.inputs.map((p) => inputTensor.get(p.name)!), ...outputs.map((s) => stageTensor.get(s)!)];
  const tensorOf = new Map([...inputTensor, ...outputs.map((s) => [s.name, stageTensor.get(s)!] as const)]);
  return { pipeline, schedule, args: { tensors, unused }, anchor: anchorCtx!, tensorOf };
}

/**
 * The pipeline and schedule a record gives for a kernel definition: the record's trace replayed on
 * the pipeline rebuilt from the definition's spec under the record's axis names (what the measurer
 * compiled and timed), with the kernel arguments in that pipeline's order.
 * @throws ScheduleError when the trace does not replay (a record of another definition)
 */
function recordedSchedule(d: KernelDefinition, record: TuningRecord): { pipeline: Pipeline; schedule: Schedule; args: KernelArgs } {
  const pipeline = pipelineFromSpec(withAxisNames(specOf(d.pipeline, {}), record.axes));
  const schedule = Schedule.replay(pipeline, record.trace);
  const tensors = [...pipeline.inputs.map((p) => d.tensorOf.get(p.name)!), ...pipeline.outputs.map((s) => d.tensorOf.get(s.name)!)];
  return { pipeline, schedule, args: { ...d.args, tensors } };
}

/** An identifier naming the kernel: its nodes' stage prefixes (`conv3_relu4`). */
const kernelName = (job: KernelJob) => job.nodes.map((n, k) => stagePrefix(n, job.indices[k]!)).join('_');

const describe = (job: KernelJob) => job.nodes.map((n) => `${n.name} (${n.op})`).join(' + ');

function wrap<T>(job: KernelJob, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OpError) throw e;
    const err = e as Error;
    throw new ModelCompileError(`the kernel of ${describe(job)}: ${err.name}: ${err.message}`, { cause: e });
  }
}

/**
 * Compiles a group to WebAssembly.
 * @param threads threads of the model: above 1 the op schedules may add parallel loops and the
 *   module imports a shared memory
 * @param onConstRead told of every constant whose value the entries read while defining and scheduling
 * @param choice the record and implementation to compile with (model/kernel_records.ts kernelChoice)
 * @param prepack split the stages that read weights only into a prepare kernel the model runs once
 *   at load (PrepareKernelBuild; default true); false keeps them in the kernel, run on every call
 * @throws OpError from the entries; ModelCompileError naming the nodes when scheduling, lowering or
 *   codegen fails
 */
export function buildWasmKernel(g: Graph, a: Analysis, job: KernelJob, threads: number, onConstRead?: ConstReadListener, choice: KernelChoice = {}, prepack = true): WasmKernelBuild {
  const { record, implementation } = choice;
  return wrap(job, () => {
    // A record names stages by their place in the kernel (model/tasks.ts tunes that definition).
    const d = defineKernel(g, a, job, 'wasm-simd', threads, onConstRead, record ? 'job' : 'graph', implementation);
    const chosen = record ? recordedSchedule(d, record) : d;
    const { func, notes } = lower(chosen.pipeline, chosen.schedule, { name: kernelName(job) });
    const options = { threads: threads > 1, sharedMemory: threads > 1, fma: 'none', chunked: true } as const;
    const split = prepack ? prepackWeights(g, job, func, chosen.args, options) : undefined;
    const art = compileToWasm(split?.main ?? func, options);
    const args = split?.args ?? chosen.args;
    const once = split ? [`${split.prepare.prepared.length} stage(s) of weights only (${split.names.join(', ')}) computed once at load`] : [];
    const tuned = record ? [`schedule from tuning record ${record.id} (${((record.result.seconds ?? NaN) * 1e3).toPrecision(3)} ms measured)`] : [];
    const implemented = implementation !== undefined ? [`implementation ${implementation}`] : [];
    return {
      ...args, binary: art.binary, signature: art.signature, features: art.features, notes: [...implemented, ...tuned, ...once, ...notes],
      ...(record ? { record: recordRef(record) } : {}), ...(implementation !== undefined ? { implementation } : {}), ...(split ? { prepare: split.prepare } : {}),
    };
  });
}

/**
 * The stages of a lowered kernel that read only the model's weights, split into a prepare kernel
 * (lower/constant_stages.ts), with the kernel's arguments renamed: the buffers it writes become
 * per-group tensors (preparedTensorName) the kernel takes as inputs. Undefined when none splits.
 */
function prepackWeights(g: Graph, job: KernelJob, func: LoweredFunc, args: KernelArgs, options: Parameters<typeof compileToWasm>[1]): { main: LoweredFunc; args: KernelArgs; prepare: PrepareKernelBuild; names: string[] } | undefined {
  // Weights are in memory before the first step runs: what is computed from them alone runs once.
  const weights = new Set(func.args.filter((arg, i) => arg.role === 'input' && g.initializers.has(args.tensors[i]!)).map((arg) => arg.buffer));
  const split = splitConstantStages(func, weights);
  if (!split) return undefined;
  const tensorOf = new Map(func.args.map((arg, i) => [arg.buffer, args.tensors[i]!]));
  const prepared = split.split.map((arg, k) => ({ name: preparedTensorName(job.nodes[0]!, k), bytes: Number(constValue(arg.shape[0]!)) * bytes(arg.buffer.dtype) }));
  split.split.forEach((arg, k) => tensorOf.set(arg.buffer, prepared[k]!.name));
  const p = compileToWasm(split.prepare, options);
  return {
    main: split.main,
    args: { ...args, tensors: split.main.args.map((arg) => tensorOf.get(arg.buffer)!) },
    prepare: { binary: p.binary, signature: p.signature, features: p.features, tensors: split.prepare.args.map((arg) => tensorOf.get(arg.buffer)!), prepared },
    names: split.split.map((x) => x.buffer.name),
  };
}

/**
 * Compiles a group to a GPU program checked against `limits`.
 * @throws as buildWasmKernel
 */
export function buildGpuKernel(g: Graph, a: Analysis, job: KernelJob, limits?: GpuLimits, onConstRead?: ConstReadListener): GpuKernelBuild {
  return wrap(job, () => {
    const d = defineKernel(g, a, job, 'webgpu', 1, onConstRead);
    const lowered = lowerForGpu(d.pipeline, d.schedule, { limits, name: kernelName(job) });
    return { ...d.args, program: wgslProgram(lowered), notes: lowered.notes };
  });
}
