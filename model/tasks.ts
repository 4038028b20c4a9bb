/**
 * The tuning tasks of a model (Ansor's task extraction, Zheng et al. 2020 §6; MetaSchedule's
 * extract_tasks): the model is loaded, optimized and planned exactly as compileOnnx does, each kernel
 * job is defined as model/kernel.ts defines it (stages named by their place in the kernel, so equal
 * layers are equal workloads), once per implementation of its anchor where its op has several (a
 * Conv's algorithms: alternatives, of which the compiled model takes the fastest), and the kernels
 * are deduplicated by workload key. A task keeps the
 * op entry's schedule as its baseline, its weight (how many kernels of the model run it per
 * inference) and its FLOP estimate (arithmetic of the definition, see flopEstimate).
 */
import type { Graph } from '../graph/ir.js';
import type { Analysis, Sizes } from '../graph/analysis.js';
import type { OpLibrary } from '../graph/library.js';
import { optimizeGraph } from '../graph/optimize.js';
import { loadOnnx, loadOnnxFile } from '../onnx/load.js';
import type { Instruction } from '../schedule/instruction.js';
import type { SpecExpr, Workload, WorkloadSpec } from '../autotune/workload.js';
import { ArgumentError } from '../runtime/tensor.js';
import { executionPlan } from './plan.js';
import { TESSERA_OPS } from './library.js';
import { kernelWorkloads } from './kernel_records.js';
import { ModelCompileError } from './errors.js';

export interface ModelTask {
  /** The workload key the task's records are filed under. */
  readonly key: string;
  /** `Conv+Relu 1x64x55x55`: the kernel's ops and its first output's shape. */
  readonly name: string;
  /** The kernel's pipeline at the model's shapes (stages named by their place in the kernel). */
  readonly workload: Workload;
  /** The op entry's schedule of the pipeline (what the model compiles without records). */
  readonly baseline: readonly Instruction[];
  /** Kernels of the model that run this workload, per inference. */
  readonly weight: number;
  /** Arithmetic operations of one call (flopEstimate). */
  readonly flops: number;
  /** The nodes of each of those kernels. */
  readonly kernels: readonly (readonly string[])[];
  /**
   * The anchor's implementation the workload defines, when its op has several (a Conv's algorithms):
   * the tasks of one kernel's implementations are alternatives, and the model takes the fastest.
   */
  readonly implementation?: string;
  /** The workload key of the kernel's default implementation: equal for the alternatives of one kernel, the task's own key otherwise. */
  readonly choice: string;
  /** For an approximate implementation (Winograd): the default's workload, whose outputs its candidates must match. */
  readonly checkAgainst?: Workload;
  /**
   * Inputs of the workload that every kernel of the task reads from the model's weights: its
   * candidates are measured with the stages that read only them run once (MeasureOptions.constantInputs),
   * as the compiled model runs them once at load.
   */
  readonly constantInputs?: readonly string[];
}

export interface ModelTasks {
  /** The optimized graph and its analysis (as compileOnnx compiles them). */
  readonly graph: Graph;
  readonly analysis: Analysis;
  readonly threads: number;
  /** In the order of their first kernel in the model. */
  readonly tasks: readonly ModelTask[];
}

export interface ExtractTasksOptions {
  /** Values of the model's symbolic dimensions (dim_param). */
  readonly sizes?: Sizes;
  /** Threads the model's kernels run on (default 1): the op schedules add parallel loops above 1. */
  readonly threads?: number;
  readonly library?: OpLibrary;
  /** Graph passes to leave out, by name (graph/optimize.ts PASSES). */
  readonly skipPasses?: readonly string[];
}

/** Arithmetic nodes of an expression, index arithmetic inside accesses left out. */
function arithmetic(e: SpecExpr): number {
  switch (e.k) {
    case 'binary': case 'cmp': return 1 + arithmetic(e.a) + arithmetic(e.b);
    case 'select': return 1 + arithmetic(e.c) + arithmetic(e.t) + arithmetic(e.f);
    case 'call': return 1 + e.args.reduce((s, a) => s + arithmetic(a), 0);
    case 'not': case 'cast': case 'reinterpret': return arithmetic(e.a);
    default: return 0;
  }
}

const constant = (e: SpecExpr): number => (e.k === 'const' && typeof e.v === 'number' ? e.v : NaN);

/**
 * Arithmetic operations of one call of a definition at constant shapes: per stage, its points times
 * its reduction's points times (the arithmetic nodes of its value, plus one for the reduction's
 * update). Stages an inlining schedule folds into their consumers are counted once, as defined.
 * A model's layers are ranked by it, as Ansor ranks tasks by FLOPs (Zheng et al. 2020 §6).
 * @returns NaN when a shape is symbolic
 */
export function flopEstimate(spec: WorkloadSpec): number {
  let total = 0;
  for (const s of spec.stages) {
    const points = s.shape.reduce((p, d) => p * constant(d), 1);
    const reduced = (s.reduction?.axes ?? []).reduce((p, a) => p * constant(a.extent), 1);
    total += points * reduced * (arithmetic(s.body) + (s.reduction ? 1 : 0));
  }
  return total;
}

/**
 * The tasks of a model (see the file's comment).
 * @param model the .onnx bytes, its path, or a loaded graph (onnx/load.ts)
 * @throws ModelLoadError, GraphError, OpError as compileOnnx; ModelCompileError naming the nodes when a
 *   kernel cannot be defined or scheduled; ArgumentError for a bad thread count
 */
export function extractTasks(model: Uint8Array | string | Graph, o: ExtractTasksOptions = {}): ModelTasks {
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new ArgumentError(`extractTasks: threads must be a positive integer, got ${threads}`);
  const loaded = typeof model === 'string' ? loadOnnxFile(model) : model instanceof Uint8Array ? loadOnnx(model) : model;
  const { graph, analysis } = optimizeGraph(loaded, o.library ?? TESSERA_OPS, { sizes: o.sizes, skip: o.skipPasses });
  const byKey = new Map<string, { task: Omit<ModelTask, 'weight' | 'kernels'>; kernels: string[][]; constant: Set<string> }>();
  // The kernels the wasm model runs (a zero-copy Concat runs none).
  for (const job of executionPlan(graph, analysis, { zeroCopy: true }).kernels) {
    const nodes = job.nodes.map((n) => n.name);
    const ops = job.nodes.map((n) => n.op).join('+');
    let defined: ReturnType<typeof kernelWorkloads>;
    try {
      defined = kernelWorkloads(graph, analysis, job, threads);
    } catch (e) {
      if ((e as Error).name === 'OpError') throw e;
      throw new ModelCompileError(`the kernel of ${nodes.join(' + ')} (${ops}) cannot be defined: ${(e as Error).message}`, { cause: e });
    }
    const choice = defined[0]!.workload.key;
    for (const { implementation, definition, workload, checkAgainst } of defined) {
      const constant = new Set(definition.pipeline.inputs.filter((p, i) => graph.initializers.has(definition.args.tensors[i]!)).map((p) => p.name));
      const known = byKey.get(workload.key);
      if (known) {
        known.kernels.push(nodes);
        for (const n of known.constant) if (!constant.has(n)) known.constant.delete(n);
        continue;
      }
      const out = analysis.types.get(definition.args.tensors[definition.pipeline.inputs.length]!)?.shape ?? definition.pipeline.outputs[0]!.shape;
      const flops = flopEstimate(workload.spec);
      const name = `${ops} ${out.map(String).join('x')}${implementation ? ` (${implementation})` : ''}`;
      byKey.set(workload.key, {
        task: { key: workload.key, name, workload: { ...workload, name }, baseline: definition.schedule.trace, flops, choice, ...(implementation ? { implementation } : {}), ...(checkAgainst ? { checkAgainst } : {}) },
        kernels: [nodes], constant,
      });
    }
  }
  const tasks = [...byKey.values()].map(({ task, kernels, constant }) => ({ ...task, weight: kernels.length, kernels, ...(constant.size ? { constantInputs: [...constant] } : {}) }));
  return { graph, analysis, threads, tasks };
}

/** Extra columns of a task table, by heading (a tuning run's best time, trials). */
export type TaskColumns<T extends ModelTask = ModelTask> = Readonly<Record<string, (task: T, index: number) => string>>;

/** The tasks as a plain-text table: index, name, weight, MFLOP per call, the workload key's head, and `columns`. */
export function tasksTable<T extends ModelTask>(tasks: readonly T[], columns: TaskColumns<T> = {}): string {
  const head = ['#', 'task', 'weight', 'MFLOP', 'workload', ...Object.keys(columns)];
  const rows = tasks.map((t, i) => [String(i), t.name, String(t.weight), (t.flops / 1e6).toFixed(2), t.key.slice(0, 10), ...Object.values(columns).map((c) => c(t, i))]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (r: readonly string[]) => r.map((c, k) => (k === 1 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
