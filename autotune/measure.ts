/**
 * The Measurer: builder and runner together (MetaSchedule's builder + runner), the one way the tuner
 * learns how fast a candidate is. It never throws for a bad candidate: every trace gets a
 * MeasureResult, ok with a time or the class of its failure (invalid, compile, compile-timeout,
 * timeout, trap, oom, wrong), so one failing candidate never ends a tuning session (tvm#10937) and a
 * hanging one never stalls it (tvm#12330).
 *
 * A batch is measured in two phases: every candidate is built in parallel on all cores (build workers,
 * autotune/builder.ts), then each built candidate is checked and timed alone (the runner,
 * autotune/runner.ts) while no build runs: on this project's 2-core machines a compile on the other
 * core slows a timed kernel down (they share caches and memory bandwidth), so overlapping the two
 * would rank candidates by the luck of their neighbours. Before a candidate's time counts, its outputs
 * on the workload's seeded random inputs are checked against the reference's (autotune/check.ts).
 * Candidates that lower to the same function (autotune/lowered_hash.ts) are run once.
 *
 * The same Measurer runs in a browser page (module Web Workers; pass their bundled entries in
 * `o.workers`), so that records are taken on the engine that will run the kernel.
 */
import type { Instruction } from '../schedule/instruction.js';
import type { GpuLimits } from '../schedule/gpu_limits.js';
import { type Workload } from './workload.js';
import { type TuningTarget, TargetError } from './target.js';
import type { MeasureResult } from './result.js';
import { DEFAULT_TOLERANCE, type Tolerance } from './check.js';
import { seededInputs } from './inputs.js';
import { evaluatorOutputs, usesEvaluator, type ReferenceMode } from './reference_outputs.js';
import { arrayTypeOf, type DType } from '../ir/dtype.js';
import { specShapes } from './workload.js';
import { type Builder, type BuildOutcome, WorkerBuilder, type WorkerBuilderOptions } from './builder.js';
import type { BuildOptions } from './build.js';
import { Runner, type RunOptions } from './runner.js';
import { isNode } from '../runtime/platform.js';
import { defaultThreadCount } from '../runtime/thread_pool.js';

export type { MeasureStatus, MeasureResult } from './result.js';

export interface MeasureOptions {
  /** Limit of one build (ms; default 10 000, as tinygrad's BEAM). */
  readonly compileTimeoutMs?: number;
  /** Limit of one run of a kernel: loading, the checked run, and the base of the timing limit (ms; default 10 000). */
  readonly runTimeoutMs?: number;
  /** A timed repeat lasts at least this long: the inner call count grows until it does (ms; default 50). */
  readonly minRepeatMs?: number;
  /** Timed repeats whose median is the result (default 5). */
  readonly repeats?: number;
  /** Calls before timing (ms; default 20 in Node, whose runner skips V8's baseline tier, 1000 in a browser, which tiers up on its own). */
  readonly warmupMs?: number;
  /** Float tolerance of the correctness check (default DEFAULT_TOLERANCE, autotune/check.ts). */
  readonly tolerance?: Tolerance;
  /** Linear memory a kernel may use (bytes; default 1 GiB): a candidate that needs more is `oom`. */
  readonly memoryLimitBytes?: number;
  /** Seed of the random inputs (default 1). */
  readonly seed?: number;
  /** How the reference outputs are computed (autotune/reference_outputs.ts; default 'auto'). */
  readonly reference?: ReferenceMode;
  /**
   * The definition whose outputs every candidate must reproduce, when not the measured workload's
   * own: another definition of the same inputs and outputs (names, shapes, dtypes), such as the exact
   * convolution an approximate implementation (Winograd) stands in for. Its outputs are computed as
   * `reference` says, and ok results carry its key (MeasureResult.checkedAgainst).
   */
  readonly checkAgainst?: Workload;
  /**
   * Inputs of the workload (by name) whose values a compiled model fixes, its weights: the stages
   * that read only them run once before the timing, as the model runs them once at load
   * (lower/constant_stages.ts), so a weight transform is not timed in every call.
   */
  readonly constantInputs?: readonly string[];
  /** Build workers (default: the hardware threads). */
  readonly builders?: number;
  /** Builds the candidates instead of a worker pool (a test wraps the pool to inject faults). */
  readonly builder?: (workload: Workload, build: BuildOptions, pool: WorkerBuilderOptions) => Promise<Builder>;
  /** Worker modules, for a browser bundle (Node finds them next to this file). */
  readonly workers?: { readonly build?: URL; readonly run?: URL };
}

const GIB = 1 << 30;
/** Built candidates kept for remeasure (their binaries are small). */
const BUILD_CACHE = 512;

const traceKey = (t: readonly Instruction[]): string => JSON.stringify(t);

/** How candidates are built for `target`: its kind and threads, fused multiply-adds where it has relaxed SIMD, its GPU limits. */
export function buildOptionsOf(target: TuningTarget): BuildOptions {
  return {
    kind: target.kind, threads: target.threads, fma: target.features.includes('relaxed-simd') ? 'relaxed' : 'none',
    ...(target.gpu ? { gpuLimits: target.gpu.limits as unknown as GpuLimits } : {}),
  };
}

/** Zero outputs of the workload's shapes and dtypes. */
function placeholderOutputs(w: Workload): Record<string, { data: InstanceType<ReturnType<typeof arrayTypeOf>>; shape: number[] }> {
  const shapes = specShapes(w.spec).outputs;
  return Object.fromEntries(w.pipeline.outputs.map((o) => {
    const shape = shapes[o.name]!;
    return [o.name, { data: new (arrayTypeOf(o.dtype as Exclude<DType, 'bool'>))(shape.reduce((a, b) => a * b, 1)), shape }];
  }));
}

/**
 * Refuses a reference definition whose inputs or outputs differ from the workload's.
 * @throws RangeError naming the first difference
 */
function sameInterface(w: Workload, ref: Workload): void {
  const a = specShapes(w.spec), b = specShapes(ref.spec);
  const describe = (shapes: Readonly<Record<string, readonly number[]>>, dtypes: Readonly<Record<string, string>>) =>
    Object.keys(shapes).sort().map((n) => `${n}:${dtypes[n]}[${shapes[n]!.join(',')}]`).join(' ');
  const dt = (x: Workload) => Object.fromEntries([...x.spec.inputs.map((i) => [i.name, i.dtype]), ...x.pipeline.outputs.map((o) => [o.name, o.dtype])]);
  for (const part of ['inputs', 'outputs'] as const) {
    const mine = describe(a[part], dt(w)), theirs = describe(b[part], dt(ref));
    if (mine !== theirs) throw new RangeError(`checkAgainst: the reference ${ref.name} has ${part} ${theirs}, the workload ${w.name} has ${mine}`);
  }
}

export class Measurer {
  private readonly cache = new Map<string, BuildOutcome>();
  private closed = false;

  private constructor(
    readonly workload: Workload,
    readonly target: TuningTarget,
    private readonly builder: Builder,
    private readonly runner: Runner,
    private readonly run: RunOptions,
    private readonly memoryLimitBytes: number,
    /** How the reference outputs were computed. */
    readonly referenceMethod: 'evaluator' | 'default-schedule',
    /** The key of the definition the outputs were checked against, when not the workload's own (MeasureOptions.checkAgainst). */
    private readonly checkedAgainst?: string,
  ) {}

  /**
   * Computes the reference outputs on seeded inputs, starts the build workers and the runner.
   * @param target what to measure on (autotune/target.ts); a webgpu target runs on the runner's own
   *   device, acquired there, and candidates are checked against `target.gpu.limits`
   * @throws TargetError for a target this engine cannot run (threads without SharedArrayBuffer);
   *   Error when the reference cannot be computed on the inputs; WorkerLostError when a worker cannot
   *   start; RangeError for a checkAgainst of another interface, or constantInputs that are not inputs
   */
  static async create(workload: Workload, target: TuningTarget, o: MeasureOptions = {}): Promise<Measurer> {
    if (target.kind === 'wasm-simd' && target.threads > 1 && typeof SharedArrayBuffer === 'undefined') {
      throw new TargetError(`target threads ${target.threads} needs SharedArrayBuffer (a browser page must be cross-origin isolated)`);
    }
    if (target.kind === 'webgpu' && !target.gpu) throw new TargetError('a webgpu target needs its gpu (adapter and limits): use currentTarget({ kind: "webgpu", gpu })');
    const inputs = seededInputs(workload.spec, o.seed ?? 1);
    const reference = o.checkAgainst ?? workload;
    if (o.checkAgainst) sameInterface(workload, o.checkAgainst);
    const method = usesEvaluator(reference, o.reference) ? 'evaluator' as const : 'default-schedule' as const;
    // With the default schedule the runner computes the reference; until then zeros give names, shapes and dtypes.
    const outputs = method === 'evaluator' ? evaluatorOutputs(reference, inputs) : placeholderOutputs(workload);
    const compileTimeoutMs = o.compileTimeoutMs ?? 10000;
    const builders = o.builders ?? defaultThreadCount();
    const memoryLimitBytes = o.memoryLimitBytes ?? GIB;
    const pool: WorkerBuilderOptions = { workers: builders, compileTimeoutMs, ...(o.workers?.build ? { entry: o.workers.build } : {}) };
    const unknown = (o.constantInputs ?? []).filter((n) => !workload.pipeline.inputs.some((p) => p.name === n));
    if (unknown.length) throw new RangeError(`constantInputs: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not inputs' : 'is not an input'} of ${workload.name} (its inputs: ${workload.pipeline.inputs.map((p) => p.name).join(', ')})`);
    const build: BuildOptions = { ...buildOptionsOf(target), ...(o.constantInputs?.length && target.kind === 'wasm-simd' ? { constantInputs: o.constantInputs } : {}) };
    const builder = o.builder ? await o.builder(workload, build, pool) : await WorkerBuilder.create(workload.spec, build, pool);
    let runner: Runner;
    try {
      runner = await Runner.create({
        target: target.kind, threads: target.threads, memoryLimitBytes,
        inputs: Object.entries(inputs).map(([name, t]) => ({ name, ...t })),
        expected: Object.entries(outputs).map(([name, t]) => ({ name, ...t })),
        tolerance: o.tolerance ?? DEFAULT_TOLERANCE,
        ...(o.workers?.run ? { entry: o.workers.run } : {}),
      });
    } catch (e) {
      await builder.close();
      throw e;
    }
    const run: RunOptions = {
      runTimeoutMs: o.runTimeoutMs ?? 10000, minRepeatMs: o.minRepeatMs ?? 50, repeats: o.repeats ?? 5,
      warmupMs: o.warmupMs ?? (isNode() ? 20 : 1000),
    };
    if (method === 'default-schedule') {
      // The reference definition's own builder when it is another definition, closed once it is built.
      let other: Builder | undefined;
      try {
        if (o.checkAgainst) {
          const single = { ...pool, workers: 1 };
          other = o.builder ? await o.builder(reference, buildOptionsOf(target), single) : await WorkerBuilder.create(reference.spec, buildOptionsOf(target), single);
        }
        // Built for the wasm-simd target whatever the measured one: the default schedule has no GPU binding.
        const [built] = await (other ?? builder).build([[]], { kind: 'wasm-simd', threads: 1, fma: 'none' });
        if (built!.status !== 'ok') throw new Error(`the default schedule, which gives the reference outputs, does not build (${built!.status}): ${'error' in built! ? built.error : ''}`);
        await runner.takeReference(built, run);
      } catch (e) {
        await Promise.all([builder.close(), runner.close()]);
        throw e;
      } finally {
        await other?.close();
      }
    }
    return new Measurer(workload, target, builder, runner, run, memoryLimitBytes, method, o.checkAgainst?.key);
  }

  /** Builds (or takes from the cache) every trace not yet built. */
  private async builds(traces: readonly (readonly Instruction[])[]): Promise<BuildOutcome[]> {
    if (this.closed) throw new Error('the measurer is closed');
    const keys = traces.map(traceKey);
    const missing = [...new Set(keys.filter((k) => !this.cache.has(k)))];
    const built = await this.builder.build(missing.map((k) => traces[keys.indexOf(k)]!));
    missing.forEach((k, i) => {
      this.cache.set(k, built[i]!);
      if (this.cache.size > BUILD_CACHE) this.cache.delete(this.cache.keys().next().value!);
    });
    return keys.map((k) => this.cache.get(k)!);
  }

  /** The result of a build that did not produce a runnable candidate, or undefined when it did. */
  private buildFailure(b: BuildOutcome): MeasureResult | undefined {
    const common = { compileSeconds: b.compileSeconds, ...('loweredHash' in b && b.loweredHash ? { loweredHash: b.loweredHash } : {}) };
    if (b.status === 'invalid') return { status: 'invalid', error: b.error, ...(b.code ? { code: b.code } : {}), ...common };
    if (b.status === 'compile' || b.status === 'compile-timeout') return { status: b.status, error: b.error, ...common };
    if (b.kind === 'wasm-simd' && b.memoryBytes > this.memoryLimitBytes) {
      const need = Number.isFinite(b.memoryBytes) ? `${b.memoryBytes} bytes` : 'memory without a bound at these sizes';
      return { status: 'oom', error: `the kernel needs ${need}, more than the limit of ${this.memoryLimitBytes} (memoryLimitBytes)`, ...common };
    }
    return undefined;
  }

  /**
   * Builds, checks against the reference on seeded random inputs, and times each trace.
   * @param traces schedules of the workload's pipeline (decisions filled)
   * @param o.cutoffSeconds early stop: a candidate whose calibration already shows more seconds per
   *   call is not repeated, its one estimate is its result (marked `cut`)
   * @returns one result per trace, in order; never rejects for a bad candidate
   * @throws Error when the measurer is closed; RangeError for a cutoff that is not positive
   */
  async measure(traces: readonly (readonly Instruction[])[], o: { readonly cutoffSeconds?: number } = {}): Promise<MeasureResult[]> {
    if (o.cutoffSeconds !== undefined && !(o.cutoffSeconds > 0)) throw new RangeError(`measure: cutoffSeconds must be positive, got ${o.cutoffSeconds}`);
    const run: RunOptions = o.cutoffSeconds !== undefined ? { ...this.run, cutoffMs: o.cutoffSeconds * 1000 } : this.run;
    const builds = await this.builds(traces);
    const byHash = new Map<string, MeasureResult>();
    const out: MeasureResult[] = [];
    for (const b of builds) {
      const failed = this.buildFailure(b);
      if (failed || b.status !== 'ok') { out.push(failed!); continue; }
      let r = byHash.get(b.loweredHash);
      if (!r) {
        r = await this.runner.measure(b, run);
        byHash.set(b.loweredHash, r);
      }
      out.push({ ...r, loweredHash: b.loweredHash, compileSeconds: b.compileSeconds, ...this.checkMark(r) });
    }
    return out;
  }

  /** What an ok result says of its check, when it was against another definition. */
  private checkMark(r: MeasureResult): { checkedAgainst?: string } {
    return r.status === 'ok' && this.checkedAgainst ? { checkedAgainst: this.checkedAgainst } : {};
  }

  /**
   * Times the given traces again, interleaved A B C A B C ..., `rounds` times (the top few of a
   * search, before a best is declared: a single measurement on a shared machine can be lucky).
   * @returns one result per trace: ok with the median of its rounds, or the class of its failure
   * @throws RangeError when rounds is not a positive integer; Error when the measurer is closed
   */
  async remeasure(traces: readonly (readonly Instruction[])[], rounds: number): Promise<MeasureResult[]> {
    if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`remeasure: rounds must be a positive integer, got ${rounds}`);
    const builds = await this.builds(traces);
    const out = new Array<MeasureResult>(traces.length);
    const runnable: number[] = [];
    builds.forEach((b, i) => {
      const failed = this.buildFailure(b);
      if (failed || b.status !== 'ok') out[i] = failed!;
      else runnable.push(i);
    });
    const results = await this.runner.remeasure(runnable.map((i) => builds[i] as Extract<BuildOutcome, { status: 'ok' }>), rounds, this.run);
    runnable.forEach((i, k) => {
      const b = builds[i] as Extract<BuildOutcome, { status: 'ok' }>;
      out[i] = { ...results[k]!, loweredHash: b.loweredHash, compileSeconds: b.compileSeconds, ...this.checkMark(results[k]!) };
    });
    return out;
  }

  /** Stops the workers. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.builder.close(), this.runner.close()]);
  }
}
