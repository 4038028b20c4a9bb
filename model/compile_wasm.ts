/**
 * A graph to a runnable WebAssembly model program (runtime/model_program.ts): the passes, one kernel
 * per fusion group, every tensor placed in one memory, the steps with their addresses.
 */
import { type Graph, elementCount } from '../graph/ir.js';
import { bytes } from '../ir/dtype.js';
import type { Analysis } from '../graph/analysis.js';
import type { ModelStep, ModelTensorSpec, WasmModelProgram } from '../runtime/model_program.js';
import { buildWasmKernel, type WasmKernelBuild } from './kernel.js';
import { executionPlan } from './plan.js';
import { placeTensors, type StepUse } from './memory.js';
import type { KernelCache } from './kernel_cache.js';
import { type WeightsStorage, storeWeights } from './half_weights.js';
import { kernelChoice, type KernelTuning } from './kernel_records.js';
import type { TuningRecordRef } from '../runtime/abi.js';

export interface WasmModelBuild {
  readonly program: WasmModelProgram;
  /** One module per entry of `program.kernels` (distinct kernels; steps may share one). */
  readonly binaries: readonly Uint8Array[];
  /** The weights file: the weights region with the program's f16 runs stored as binary16. */
  readonly weights: Uint8Array;
  /** What lowering could not do as the schedules asked, per kernel; which kernels took a tuning record. */
  readonly notes: readonly string[];
  /** The steps compiled from a tuning record: the step's nodes and the record. */
  readonly tuned: readonly { readonly nodes: readonly string[]; readonly record: TuningRecordRef; readonly implementation?: string }[];
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a === b || (a.byteLength === b.byteLength && a.every((x, i) => x === b[i]));

/** What a model holds of one kernel: its binary, calling convention and the features it needs. */
type KernelBinary = Pick<WasmKernelBuild, 'binary' | 'signature' | 'features'>;

/**
 * The distinct kernels among `builds` (equal binaries and signatures: the kernel cache gives every
 * group of one workload the same build), and the index of each build's among them, so that a model
 * holds, loads and instantiates each once.
 */
function distinctKernels(builds: readonly KernelBinary[]): { distinct: KernelBinary[]; kernelOf: number[] } {
  const distinct: KernelBinary[] = [];
  const signatures: string[] = [];
  const kernelOf = builds.map((b) => {
    const sig = JSON.stringify([b.signature, b.features]);
    let k = distinct.findIndex((d, i) => signatures[i] === sig && sameBytes(d.binary, b.binary));
    if (k < 0) { k = distinct.length; distinct.push(b); signatures.push(sig); }
    return k;
  });
  return { distinct, kernelOf };
}

/**
 * @param g an optimized graph (graph/optimize.ts) and `a` its analysis
 * @param threads threads the model runs on (1: no parallel loops, no shared memory)
 * @param storage how the weights file stores f32 constants (model/half_weights.ts)
 * @param tuning records to compile kernels from (model/kernel_records.ts): each kernel whose workload
 *   (of any implementation of its anchor) has a record of the target's class is compiled from the
 *   fastest instead of its op's schedule
 * @param prepack stages that read weights only run once at load (model/kernel.ts buildWasmKernel)
 * @throws OpError, ModelCompileError (a kernel), GraphError (a constant out of the kernels' range)
 */
export function compileWasmModel(g: Graph, a: Analysis, threads: number, cache?: KernelCache, storage: WeightsStorage = 'f32', tuning?: KernelTuning, prepack = true): WasmModelBuild {
  const plan = executionPlan(g, a, { zeroCopy: true });
  const builds: WasmKernelBuild[] = plan.kernels.map((job) => cache ? cache.wasm(g, a, job, threads, tuning, prepack)
    : buildWasmKernel(g, a, job, threads, undefined, tuning && kernelChoice(g, a, job, threads, tuning), prepack));
  const steps: StepUse[] = builds.map((b, k) => {
    const nIn = b.signature.args.filter((x) => x.role === 'input').length;
    const job = plan.kernels[k]!;
    const elementwiseOnly = job.nodes.every((n) => a.entries.get(n.name)?.elementwise);
    const reads = b.tensors.slice(0, nIn), writes = b.tensors.slice(nIn);
    const out = writes.length === 1 ? a.types.get(writes[0]!) : undefined;
    const inPlace = elementwiseOnly && out ? reads.filter((t) => {
      const ti = a.types.get(t);
      return ti && ti.dtype === out.dtype && ti.shape.length === out.shape.length && ti.shape.every((d, i) => d === out.shape[i]);
    }) : [];
    return { reads, writes, inPlace };
  });
  // Outputs a node omits have no graph type: size them from the kernel's own argument.
  const extra = new Map<string, number>();
  builds.forEach((b) => b.unused.forEach((u) => {
    const arg = b.signature.args[b.tensors.indexOf(u.name)]!;
    extra.set(u.name, arg.shape.reduce<number>((p, d) => p * Number(d), 1) * bytes(arg.dtype));
  }));
  // What the prepare kernels compute from the weights lies beside them, written once at load.
  const preparing = builds.flatMap((b, k) => (b.prepare ? [{ step: k, prepare: b.prepare }] : []));
  const prepared = new Map(preparing.flatMap(({ prepare }) => prepare.prepared.map((x) => [x.name, x.bytes] as const)));
  const place = placeTensors(g, a, steps, plan.aliases, extra, prepared, plan.slices);
  const { distinct, kernelOf } = distinctKernels([...builds, ...preparing.map((p) => p.prepare)]);
  const kernels = distinct.map((b) => ({ ...b.signature, features: [...b.features] }));
  const nodesOf = (k: number) => plan.kernels[k]!.nodes.map((n) => n.name);
  const addresses = (tensors: readonly string[]) => tensors.map((t) => place.address.get(t)!);
  const modelSteps: ModelStep[] = builds.map((b, k) => ({ kernel: kernelOf[k]!, nodes: nodesOf(k), params: [], addresses: addresses(b.tensors) }));
  const prepareSteps: ModelStep[] = preparing.map((p, i) => ({ kernel: kernelOf[builds.length + i]!, nodes: nodesOf(p.step), params: [], addresses: addresses(p.prepare.tensors) }));
  const spec = (name: string): ModelTensorSpec => {
    const t = a.types.get(name)!;
    // An empty tensor no kernel writes has no place of its own; any address holds its 0 bytes.
    const address = place.address.get(name) ?? (elementCount(t.shape) === 0 ? place.arenaAddress : undefined);
    if (address === undefined) throw new Error(`internal: tensor ${name} has no address`);
    return { name, dtype: t.dtype, shape: [...t.shape], address };
  };
  const weights = storeWeights(place.weights, place.constants.map((c) => ({ ...c, dtype: g.initializers.get(c.name)!.dtype })), storage);
  const program: WasmModelProgram = {
    name: g.name || 'model', threads,
    memory: {
      weightsAddress: place.weightsAddress, weightsBytes: place.weights.byteLength, arenaAddress: place.arenaAddress, arenaBytes: place.arenaBytes, scratchAddress: place.scratchAddress,
      ...(weights.runs.length ? { f16Weights: weights.runs } : {}),
    },
    inputs: g.inputs.map((i) => spec(i.name)),
    outputs: g.outputs.map((o) => spec(o.name)),
    kernels,
    steps: modelSteps,
    ...(prepareSteps.length ? { prepare: prepareSteps } : {}),
    plan: { peakBytes: place.peakBytes, lowerBoundBytes: place.lowerBoundBytes },
  };
  const notes = [...builds.flatMap((b, k) => b.notes.map((n) => `${modelSteps[k]!.nodes.join('+')}: ${n}`)), ...weights.notes];
  const tuned = builds.flatMap((b, k) => (b.record ? [{ nodes: modelSteps[k]!.nodes, record: b.record, ...(b.implementation !== undefined ? { implementation: b.implementation } : {}) }] : []));
  return { program, binaries: distinct.map((b) => b.binary), weights: weights.stored, notes, tuned };
}
