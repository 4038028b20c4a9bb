/**
 * The runner (MetaSchedule's runner): times built candidates one at a time in an isolated worker
 * (autotune/run_worker.ts), while nothing else is built or timed, so that timings are not halved by a
 * compile on the other core. Each step has a time limit; a candidate that hangs is killed with its
 * worker, recorded as `timeout`, and a fresh worker (initialised again) takes the next one. A worker
 * that dies is recorded against the candidate it ran (`oom` when it ran out of memory, else `trap`).
 *
 * In Node the worker is a child process started with V8's --no-liftoff: V8 first runs WebAssembly in
 * its baseline compiler (Liftoff) and tiers a kernel up to TurboFan only after it has run for a while
 * (about 0.8 s for SGEMM 256 on this project's machine: 19 calls at 41 ms, then 1.7 ms), which a
 * per-candidate warm-up would pay on every trial. With --no-liftoff the kernel runs TurboFan code from
 * its first call, the code it runs at steady state anyway. V8 flags are per process, hence a process.
 * In a browser the worker is a Web Worker and the warm-up is longer (see MeasureOptions.warmupMs).
 */
import type { Tolerance } from './check.js';
import type { MeasureResult } from './result.js';
import type { BuildOutcome } from './builder.js';
import type { NamedTensor, Failure, Request } from './run_worker.js';
import { summarize } from './timing.js';
import { type IsolatedWorker, WorkerLostError, startWorker } from './worker_host.js';
import { isNode } from '../runtime/platform.js';
import { workerEntry } from './worker_entries.js';

export interface RunnerSetup {
  readonly target: 'wasm-simd' | 'webgpu';
  readonly threads: number;
  readonly memoryLimitBytes: number;
  readonly inputs: readonly NamedTensor[];
  readonly expected: readonly NamedTensor[];
  readonly tolerance: Tolerance;
  /** The run worker's module (default autotune/run_worker next to this file; a browser bundle passes its own). */
  readonly entry?: URL;
}

export interface RunOptions {
  readonly runTimeoutMs: number;
  readonly warmupMs: number;
  readonly minRepeatMs: number;
  readonly repeats: number;
  /** Early stop: a candidate whose calibration shows more ms per call is not repeated (timing.ts). */
  readonly cutoffMs?: number;
}

type Built = Extract<BuildOutcome, { status: 'ok' }>;

/** The run worker's request to load a built candidate (with its prepare kernel, when it has one) into `slot`. */
const loadRequest = (b: Built, slot: number): Request => (b.kind === 'wasm-simd'
  ? { kind: 'load', slot, binary: b.binary, signature: b.signature, oomMessages: b.oomMessages, ...(b.prepare ? { prepare: b.prepare } : {}) }
  : { kind: 'load', slot, program: b.program });
type Reply = { ok: true; ms?: number; perCallMs?: number[]; inner?: number; cut?: boolean; outputs?: NamedTensor[]; method?: string } | Failure;


/** What a lost worker means for the candidate it was running. */
function lostResult(e: WorkerLostError, o: RunOptions): MeasureResult {
  if (e.reason === 'timeout') return { status: 'timeout', error: `the run took longer than its limit (runTimeoutMs ${o.runTimeoutMs}); the runner was killed and replaced` };
  return { status: e.reason === 'oom' ? 'oom' : 'trap', error: `the runner died: ${e.message}` };
}

/**
 * The WebAssembly feature flags this process runs with (`--experimental-wasm-relaxed-simd` under
 * `npm run bench:relaxed`): the runner must have the engine the target describes, or a relaxed-SIMD
 * candidate would be refused there while the parent's target says it has them.
 */
function engineFeatureFlags(): string[] {
  return process.execArgv.filter((f) => f.startsWith('--experimental-wasm-') || f.startsWith('--wasm-'));
}

export class Runner {
  private worker: IsolatedWorker | undefined;
  /** Counts the workers started: a candidate loaded in an earlier one is gone. */
  private generation = 0;

  private constructor(private setup: RunnerSetup) {}

  /** @throws WorkerLostError when the worker cannot start */
  static async create(setup: RunnerSetup): Promise<Runner> {
    const r = new Runner(setup);
    await r.ensure();
    return r;
  }

  /**
   * Runs `b` (the default schedule) once and takes its outputs as the reference every later candidate
   * is checked against; `setup.expected` gives only the outputs' names, shapes and dtypes.
   * @throws Error naming the failure when the default schedule itself fails
   */
  async takeReference(b: Built, o: RunOptions): Promise<NamedTensor[]> {
    const loaded = await this.call(loadRequest(b, 0), o.runTimeoutMs * 10);
    if (!('ok' in loaded)) throw new Error(`the default schedule, which gives the reference outputs, failed to load (${loaded.status}): ${loaded.error}`);
    const r = await this.call({ kind: 'reference', slot: 0 }, Math.max(o.runTimeoutMs * 10, 120000));
    if (!('ok' in r)) throw new Error(`the default schedule, which gives the reference outputs, failed (${r.status}): ${r.error}`);
    this.setup = { ...this.setup, expected: r.outputs! };
    await this.call({ kind: 'unload', slot: 0 }, o.runTimeoutMs);
    return r.outputs!;
  }

  private async ensure(): Promise<IsolatedWorker> {
    if (this.worker?.alive) return this.worker;
    const { entry, ...init } = this.setup;
    const w = await startWorker(entry ?? await workerEntry('run_worker'), { kind: 'process', name: 'tessera-runner', v8Flags: isNode() ? ['--no-liftoff', ...engineFeatureFlags()] : [] });
    await w.call({ kind: 'init', ...init } satisfies Request, 60000);
    this.worker = w;
    this.generation++;
    return w;
  }

  private async call(r: Request, timeoutMs: number): Promise<Reply> {
    const w = await this.ensure();
    return w.call<Reply>(r, timeoutMs);
  }

  /** Loads `b` in `slot` and checks it: undefined when it passed (with the check's time), else its result. */
  private async loadAndCheck(b: Built, slot: number, o: RunOptions): Promise<{ failed?: MeasureResult; checkMs: number }> {
    const loaded = await this.call(loadRequest(b, slot), o.runTimeoutMs);
    if (!('ok' in loaded)) return { failed: { status: loaded.status, error: loaded.error }, checkMs: 0 };
    const checked = await this.call({ kind: 'check', slot }, o.runTimeoutMs);
    if (!('ok' in checked)) return { failed: { status: checked.status, error: checked.error }, checkMs: 0 };
    return { checkMs: checked.ms ?? 0 };
  }

  /** A limit for timing a candidate whose checked run took `checkMs`: warm-up, calibration and repeats, three times over. */
  private timingLimit(checkMs: number, o: RunOptions, repeats: number): number {
    const perRepeat = Math.max(o.minRepeatMs, checkMs) * 2.5;
    return o.runTimeoutMs + 3 * (o.warmupMs + checkMs + perRepeat * (repeats + 6));
  }

  /**
   * Checks then times one built candidate.
   * @returns its result: ok with the median seconds per call, or the class of its failure
   */
  async measure(b: Built, o: RunOptions): Promise<MeasureResult> {
    try {
      const { failed, checkMs } = await this.loadAndCheck(b, 0, o);
      if (failed) return failed;
      const t = await this.call({ kind: 'time', slot: 0, warmupMs: o.warmupMs, minRepeatMs: o.minRepeatMs, repeats: o.repeats, ...(o.cutoffMs !== undefined ? { cutoffMs: o.cutoffMs } : {}) }, this.timingLimit(checkMs, o, o.repeats));
      if (!('ok' in t)) return { status: t.status, error: t.error };
      const { medianMs, spread } = summarize(t.perCallMs!);
      await this.call({ kind: 'unload', slot: 0 }, o.runTimeoutMs);
      return { status: 'ok', seconds: medianMs / 1000, spread, repeats: t.perCallMs!.length, inner: t.inner!, ...(t.cut ? { cut: true } : {}), ...(t.method ? { method: t.method } : {}) };
    } catch (e) {
      if (e instanceof WorkerLostError) return lostResult(e, o);
      throw e;
    }
  }

  /**
   * Times the candidates again, interleaved: each is loaded, checked and calibrated, then `rounds`
   * times every candidate runs one repeat in turn (A B C A B C ...), so that a slow phase of a shared
   * machine falls on all of them alike. A candidate that fails is reported as failed and left out of
   * the later rounds.
   */
  async remeasure(builds: readonly Built[], rounds: number, o: RunOptions): Promise<MeasureResult[]> {
    const results: (MeasureResult | undefined)[] = builds.map(() => undefined);
    const inner: number[] = [], samples: number[][] = builds.map(() => []), checkMs: number[] = [], loadedIn: number[] = [];
    const live = () => builds.map((_, i) => i).filter((i) => results[i] === undefined);
    const guard = async (i: number, f: () => Promise<void>) => {
      try {
        await f();
      } catch (e) {
        if (!(e instanceof WorkerLostError)) throw e;
        results[i] = lostResult(e, o);
      }
    };
    for (const [i, b] of builds.entries()) {
      await guard(i, async () => {
        const { failed, checkMs: ms } = await this.loadAndCheck(b, i, o);
        if (failed) { results[i] = failed; return; }
        checkMs[i] = ms;
        loadedIn[i] = this.generation;
        const c = await this.call({ kind: 'calibrate', slot: i, warmupMs: o.warmupMs, minRepeatMs: o.minRepeatMs }, this.timingLimit(ms, o, 0));
        if (!('ok' in c)) { results[i] = { status: c.status, error: c.error }; return; }
        inner[i] = c.inner!;
      });
    }
    for (let r = 0; r < rounds; r++) {
      for (const i of live()) {
        await guard(i, async () => {
          if (!this.worker?.alive || loadedIn[i] !== this.generation) {
            // A lost worker took every loaded candidate with it: load this one again in the new worker.
            const { failed } = await this.loadAndCheck(builds[i]!, i, o);
            if (failed) { results[i] = failed; return; }
            loadedIn[i] = this.generation;
          }
          const t = await this.call({ kind: 'repeat', slot: i, inner: inner[i]! }, this.timingLimit(checkMs[i]! * inner[i]!, o, 1));
          if (!('ok' in t)) { results[i] = { status: t.status, error: t.error }; return; }
          samples[i]!.push(t.ms! / inner[i]!);
        });
      }
    }
    for (const i of live()) {
      const { medianMs, spread } = summarize(samples[i]!);
      results[i] = { status: 'ok', seconds: medianMs / 1000, spread, repeats: samples[i]!.length, inner: inner[i]! };
      await guard(i, async () => { await this.call({ kind: 'unload', slot: i }, o.runTimeoutMs); });
    }
    return results.map((r) => r!);
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
