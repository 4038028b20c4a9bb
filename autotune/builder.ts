/**
 * The build pool: candidates built in parallel by worker threads, each build limited to
 * compileTimeoutMs (tinygrad's BEAM uses 10 s). A build that runs over is killed with its worker,
 * recorded as `compile-timeout`, and a fresh worker takes the next candidate; a worker that dies
 * fails only its candidate (`compile`). Nothing a candidate does ends the pool.
 */
import type { Instruction } from '../schedule/instruction.js';
import type { BuildOptions, BuildResult } from './build.js';
import type { WorkloadSpec } from './workload.js';
import { type IsolatedWorker, WorkerLostError, startWorker } from './worker_host.js';
import { workerEntry } from './worker_entries.js';

export type BuildOutcome = BuildResult | { readonly status: 'compile-timeout'; readonly error: string; readonly compileSeconds: number };

/** What builds candidates: the worker pool here; a test may wrap it to inject faults. */
export interface Builder {
  /**
   * One outcome per trace, in order; never rejects for a bad candidate.
   * @param options how to build, instead of the pool's own (the measurer builds its reference, the
   *   default schedule, for wasm-simd whatever the target)
   */
  build(traces: readonly (readonly Instruction[])[], options?: BuildOptions): Promise<BuildOutcome[]>;
  close(): Promise<void>;
}

export interface WorkerBuilderOptions {
  readonly workers: number;
  readonly compileTimeoutMs: number;
  /** The build worker's module (default autotune/build_worker next to this file; a browser bundle passes its own). */
  readonly entry?: URL;
}


export class WorkerBuilder implements Builder {
  private readonly slots: (IsolatedWorker | undefined)[];
  private closed = false;

  private constructor(private readonly spec: WorkloadSpec, private readonly options: BuildOptions, private readonly o: WorkerBuilderOptions) {
    this.slots = new Array<IsolatedWorker | undefined>(Math.max(1, o.workers)).fill(undefined);
  }

  /**
   * Starts the workers (each rebuilds the pipeline from `spec` once).
   * @throws WorkerLostError when a worker cannot start; WorkerCallError when the spec does not rebuild
   */
  static async create(spec: WorkloadSpec, options: BuildOptions, o: WorkerBuilderOptions): Promise<WorkerBuilder> {
    const b = new WorkerBuilder(spec, options, o);
    try {
      await Promise.all(b.slots.map((_, i) => b.worker(i)));
    } catch (e) {
      await b.close();
      throw e;
    }
    return b;
  }

  private async worker(i: number): Promise<IsolatedWorker> {
    const w = this.slots[i];
    if (w?.alive) return w;
    const fresh = await startWorker(this.o.entry ?? await workerEntry('build_worker'), { kind: 'thread', name: `tessera-build-${i}` });
    await fresh.call({ kind: 'init', spec: this.spec, options: this.options }, 60000);
    this.slots[i] = fresh;
    return fresh;
  }

  async build(traces: readonly (readonly Instruction[])[], options?: BuildOptions): Promise<BuildOutcome[]> {
    if (this.closed) throw new Error('the build pool is closed');
    const out = new Array<BuildOutcome>(traces.length);
    let next = 0;
    const lane = async (i: number) => {
      for (let t = next++; t < traces.length; t = next++) {
        const t0 = performance.now();
        try {
          const w = await this.worker(i);
          out[t] = await w.call<BuildResult>({ kind: 'build', trace: traces[t], ...(options ? { options } : {}) }, this.o.compileTimeoutMs);
        } catch (e) {
          const seconds = (performance.now() - t0) / 1000;
          if (e instanceof WorkerLostError && e.reason === 'timeout') {
            out[t] = { status: 'compile-timeout', error: `building took longer than ${this.o.compileTimeoutMs} ms; the build worker was killed`, compileSeconds: seconds };
          } else {
            out[t] = { status: 'compile', error: `the build worker failed: ${(e as Error).message}`, compileSeconds: seconds };
          }
        }
      }
    };
    await Promise.all(this.slots.map((_, i) => lane(i)));
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((w) => w?.terminate()));
  }
}
