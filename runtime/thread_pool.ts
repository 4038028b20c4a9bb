/**
 * A thread pool for parallel loops: workers (Node worker_threads; Web Workers in a cross-origin-
 * isolated page) each instantiate the same WebAssembly module over one shared WebAssembly.Memory,
 * then sleep in Atomics.wait on a shared control block. `parallelFor` publishes a job, wakes them
 * (Atomics.notify), takes part itself, and returns when every participant is done: the caller sees a
 * synchronous loop. Chunks are handed out by an atomic counter (dynamic) or by participant (static).
 *
 * Waking a sleeping worker costs tens to hundreds of microseconds, as much as a small kernel runs, so
 * the pool keeps that latency off the caller's path (as pthreadpool, XNNPACK's pool, does):
 * - a worker spins on the job counter for a while (SPIN_MS) after each job before it sleeps, so the
 *   next loop of a model finds it awake;
 * - a dynamic job is joined, not awaited: a worker enters it by incrementing a count of workers inside
 *   (STATE), and the caller, once no chunk is left, closes the job when that count is zero. A worker
 *   that wakes after the close skips the job, so a loop the caller finished alone never waits for a
 *   thread that was still asleep. Static jobs need every participant and wait for all of them.
 *
 * The caller's join blocks in Atomics.wait where it may: in Node, and in a Worker of a browser page.
 * A page's main thread may not block (Atomics.wait throws there), so there the join spins on
 * Atomics.load until the workers are done, which freezes the page for the loop's duration as any
 * synchronous kernel call would; run kernels in a dedicated Worker of the page to keep it responsive.
 *
 * The task a module exports for a parallel loop has the signature
 *   (scratch: i32, closure: i32, start: i32, end: i32) -> void
 * and runs iterations [start, end); `scratch` is the participant's own stack region.
 */
import { type PoolWorker, type WorkerData, hardwareThreads, startWorkers } from './pool_worker.js';
import { ABORT_IMPORT, IMPORT_MODULE, MATH_IMPORT_MODULE, MAX_TASKS, MEMORY_IMPORT, PARALLEL_FOR_IMPORT } from './abi.js';

/** Control block layout (Int32 slots). */
const GEN = 0, NEXT = 1, CHUNKS = 2, DONE = 3, ERROR = 4, SLOT = 5, TASK = 6, CLOSURE = 7, START = 8, END = 9, CHUNK = 10,
  SP_BASE = 11, SP_STRIDE = 12, STATIC = 13, QUIT = 14, READY = 15, STATE = 16;
const HEADER = 17;
const TEXT_BYTES = 1024;
/** STATE of a job no worker may enter: a closed dynamic job, or any static one. */
const CLOSED = -1;
/** How long a worker spins for the next job after one, and the caller for the workers inside its job, before sleeping (ms). */
const SPIN_MS = 0.5;
/** Default dynamic chunks per participant: a chunk costs one atomic increment. */
const CHUNKS_PER_PARTICIPANT = 16;

export class ThreadPoolError extends Error {
  override name = 'ThreadPoolError';
}

/**
 * The code each worker runs (plain JS, so it needs no loader): instantiate, then wait for jobs. The
 * same source runs in Node (eval'd, CommonJS) and in a browser (a classic Worker from a Blob URL); only
 * `host` differs: where the data comes from, how messages travel, how to yield and to exit.
 */
const WORKER_SOURCE = String.raw`
const host = typeof require === 'function' ? nodeHost() : browserHost();
function nodeHost() {
  const { parentPort, workerData } = require('node:worker_threads');
  return {
    start: (main) => main(workerData),
    listen: (f) => parentPort.on('message', f),
    post: (m) => parentPort.postMessage(m),
    yieldThen: (f) => setImmediate(f),
    exit: () => process.exit(0),
  };
}
function browserHost() {
  let start, listener, next;
  self.onmessage = (e) => {
    if (start) { const main = start; start = undefined; main(e.data); } else if (listener) listener(e.data);
  };
  // A message to itself yields to the event loop without the clamping of nested timers.
  const tick = new MessageChannel();
  tick.port1.onmessage = () => next();
  return {
    start: (main) => { start = main; },
    listen: (f) => { listener = f; },
    post: (m) => self.postMessage(m),
    yieldThen: (f) => { next = f; tick.port2.postMessage(0); },
    exit: () => self.close(),
  };
}
host.start(({ control, text, index }) => {
  const ctrl = new Int32Array(control);
  const bytes = new Uint8Array(text);
  const modules = [];
  function fail(msg) {
    if (Atomics.compareExchange(ctrl, ${ERROR}, 0, 1) === 0) {
      const enc = new TextEncoder().encode(String(msg)).subarray(0, ${TEXT_BYTES} - 1);
      bytes.fill(0); bytes.set(enc);
    }
  }
  function participate(first) {
    const slot = ctrl[${SLOT}], task = modules[slot] && modules[slot].tasks[ctrl[${TASK}]];
    const closure = ctrl[${CLOSURE}], start = ctrl[${START}], end = ctrl[${END}], chunk = ctrl[${CHUNK}];
    const sp = ctrl[${SP_BASE}] + index * ctrl[${SP_STRIDE}];
    const chunks = ctrl[${CHUNKS}];
    try {
      if (!task) throw new Error('task ' + ctrl[${TASK}] + ' of module ' + slot + ' is not loaded in worker ' + index);
      if (ctrl[${STATIC}]) {
        const participants = ctrl[${STATIC}];
        for (let c = index; c < chunks; c += participants) {
          const s = start + c * chunk; task(sp, closure, s, Math.min(s + chunk, end));
        }
      } else {
        for (;;) {
          const c = Atomics.add(ctrl, ${NEXT}, 1);
          if (c >= chunks || Atomics.load(ctrl, ${ERROR})) break;
          const s = start + c * chunk; task(sp, closure, s, Math.min(s + chunk, end));
        }
      }
    } catch (e) { fail(e && e.message ? e.message : e); }
  }
  host.listen((m) => {
    if (m.kind !== 'load') return;
    try {
      const memory = m.memory;
      let instance;
      // A worker runs the tasks of a parallel loop; a parallel loop inside one runs on that worker.
      const parallelFor = (task, closure, min, extent, sp) => instance.exports[m.tasks[task]](sp, closure, min, min + extent);
      const math = {};
      for (const f of m.mathImports) math[f] = Math[f];
      const imports = {
        ${JSON.stringify(IMPORT_MODULE)}: {
          ${JSON.stringify(MEMORY_IMPORT)}: memory,
          ${JSON.stringify(ABORT_IMPORT)}: (i) => { throw new Error(m.messages[i] ?? ('abort ' + i)); },
          ${JSON.stringify(PARALLEL_FOR_IMPORT)}: parallelFor,
        },
        ${JSON.stringify(MATH_IMPORT_MODULE)}: math,
      };
      instance = new WebAssembly.Instance(m.module, imports);
      modules[m.slot] = { tasks: m.tasks.map((name) => instance.exports[name]) };
      host.post({ kind: 'loaded', slot: m.slot });
    } catch (e) {
      host.post({ kind: 'error', slot: m.slot, message: String(e && e.message ? e.message : e) });
    }
  });
  // The job loop: wait for a generation change (spinning a while first), enter the job, work, leave.
  let seen = Atomics.load(ctrl, ${GEN});
  Atomics.add(ctrl, ${READY}, 1);
  Atomics.notify(ctrl, ${READY});
  function spinFor(gen) {
    const until = performance.now() + ${SPIN_MS};
    for (let i = 1; ; i++) {
      if (Atomics.load(ctrl, ${GEN}) !== gen) return true;
      if ((i & 255) === 0 && performance.now() > until) return false;
    }
  }
  function runJob() {
    for (;;) {
      // GEN is odd while the caller writes a job's fields, as in a seqlock: a flag read between two
      // equal even values of GEN belongs to that job.
      const gen = Atomics.load(ctrl, ${GEN});
      if (gen & 1) continue;
      const isStatic = ctrl[${STATIC}];
      if (Atomics.load(ctrl, ${GEN}) !== gen) continue;
      if (isStatic) {
        // A static job cannot end without this worker, so its fields hold until it reports.
        participate();
        Atomics.add(ctrl, ${DONE}, 1);
        Atomics.notify(ctrl, ${DONE});
        return gen;
      }
      for (let s = Atomics.load(ctrl, ${STATE}); s >= 0;) {
        const before = Atomics.compareExchange(ctrl, ${STATE}, s, s + 1);
        if (before !== s) { s = before; continue; }
        // Inside: the caller publishes no other job until this worker leaves.
        const joined = Atomics.load(ctrl, ${GEN});
        participate();
        Atomics.sub(ctrl, ${STATE}, 1);
        Atomics.notify(ctrl, ${STATE});
        return joined;
      }
      return gen;
    }
  }
  function loop() {
    for (;;) {
      if (!spinFor(seen)) {
        const r = Atomics.wait(ctrl, ${GEN}, seen, 50);
        if (Atomics.load(ctrl, ${QUIT})) { host.exit(); return; }
        if (r === 'timed-out') { host.yieldThen(loop); return; }
      }
      if (Atomics.load(ctrl, ${QUIT})) { host.exit(); return; }
      seen = runJob();
    }
  }
  loop();
});
`;

export interface LoadOptions {
  /** Names of the exported task functions, addressed by their position in this list. */
  readonly tasks: readonly string[];
  /** Messages env.abort(i) raises, and host Math functions to import (as for the kernel itself). */
  readonly messages?: readonly string[];
  readonly mathImports?: readonly string[];
}

export interface ParallelJob {
  /** Module slot from `load`, the task's index in its `tasks`. */
  readonly slot: number;
  readonly task: number;
  readonly closure: number;
  readonly start: number;
  readonly end: number;
  /**
   * Iterations per chunk (default: about 16 chunks per participant, so that dynamic chunks balance a
   * loop of uneven iterations or a participant that starts late to within a sixteenth).
   */
  readonly chunk?: number;
  /** Scratch stacks: participant p uses spBase + p * spStride (p = 0 is the caller). */
  readonly spBase: number;
  readonly spStride: number;
  /** Hand chunk c to participant c % participants instead of an atomic counter (deterministic). */
  readonly static?: boolean;
}

/**
 * How the caller waits for the workers at the end of a parallel loop: `wait` blocks in Atomics.wait;
 * `spin` polls with Atomics.load, on a browser page's main thread, which may not block.
 */
export type JoinKind = 'wait' | 'spin';

/** Whether this thread may block in Atomics.wait (a browser page's main thread may not: it throws). */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The number of hardware threads reported by the platform. */
export function defaultThreadCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  // Node 20 has no navigator; process.getBuiltinModule (Node >= 20.16) reaches os without an import
  // that a browser bundle would have to resolve.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } | undefined } }).process;
  return proc?.getBuiltinModule?.('node:os')?.availableParallelism?.() ?? 1;
}

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly text: Uint8Array;
  private slots = 0;
  private closed = false;

  private constructor(private readonly workers: PoolWorker[], control: SharedArrayBuffer, text: SharedArrayBuffer, readonly join: JoinKind) {
    this.ctrl = new Int32Array(control);
    this.text = new Uint8Array(text);
  }

  /**
   * Starts `threads - 1` workers (the caller is the remaining participant): Node worker_threads, or
   * Web Workers from a Blob URL in a browser. The pool belongs to the calling thread; its `join` is
   * `spin` when that is a browser page's main thread (see the file's comment), else `wait`.
   * @param threads total participants, default the cores reported (os.availableParallelism in Node,
   *   navigator.hardwareConcurrency in a browser)
   * @throws ThreadPoolError when shared memory is unavailable (a browser page must be
   *   cross-origin isolated), `threads` is not a positive integer, or a worker fails to start
   */
  static async create(threads?: number): Promise<ThreadPool> {
    const n = threads ?? await hardwareThreads();
    if (!Number.isInteger(n) || n < 1) throw new ThreadPoolError(`threads must be a positive integer, got ${n}`);
    if (typeof SharedArrayBuffer === 'undefined') throw new ThreadPoolError('SharedArrayBuffer is unavailable: a browser page must be cross-origin isolated (COOP/COEP headers) to use threads');
    const control = new SharedArrayBuffer(4 * HEADER);
    const text = new SharedArrayBuffer(TEXT_BYTES);
    const ctrl = new Int32Array(control);
    const data: WorkerData[] = Array.from({ length: n - 1 }, (_, i) => ({ control, text, index: i + 1 }));
    let workers: PoolWorker[];
    try {
      // Ready once every worker sits in its job loop.
      workers = await startWorkers(WORKER_SOURCE, data, () => Atomics.load(ctrl, READY) >= data.length);
    } catch (e) {
      throw new ThreadPoolError((e as Error).message);
    }
    return new ThreadPool(workers, control, text, mayBlock() ? 'wait' : 'spin');
  }

  /** Participants in a parallel loop: the workers and the caller. */
  get threads(): number { return this.workers.length + 1; }

  /**
   * Instantiates `module` over the shared `memory` in every worker.
   * @returns the slot to name this module in `parallelFor`
   * @throws ThreadPoolError when the memory is not shared, or a worker cannot instantiate the module
   */
  async load(module: WebAssembly.Module, memory: WebAssembly.Memory, o: LoadOptions): Promise<number> {
    if (!(memory.buffer instanceof SharedArrayBuffer)) throw new ThreadPoolError('the memory must be shared (new WebAssembly.Memory({ shared: true, ... }))');
    if (o.tasks.length > MAX_TASKS) throw new ThreadPoolError(`a module may export at most ${MAX_TASKS} tasks`);
    const slot = this.slots++;
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve, reject) => {
      const stop = w.listen((message) => {
        const m = message as { kind: string; slot: number; message?: string };
        if (m.slot !== slot) return;
        stop();
        if (m.kind === 'loaded') resolve();
        else reject(new ThreadPoolError(`a worker could not instantiate the module: ${m.message}`));
      });
      w.post({ kind: 'load', slot, module, memory, tasks: [...o.tasks], messages: [...(o.messages ?? [])], mathImports: [...(o.mathImports ?? [])] });
    })));
    return slot;
  }

  /**
   * Runs task `job.task` of module `job.slot` over [start, end) on every participant and returns when
   * all are done. `run` is the caller's own instance of the task.
   * @throws ThreadPoolError with the first failure's message when any participant throws or traps
   */
  parallelFor(job: ParallelJob, run: (sp: number, closure: number, start: number, end: number) => void): void {
    if (this.closed) throw new ThreadPoolError('the pool is closed');
    const c = this.ctrl;
    const extent = job.end - job.start;
    if (extent <= 0) return;
    const participants = this.threads;
    const chunk = Math.max(1, job.chunk ?? Math.ceil(extent / (participants * CHUNKS_PER_PARTICIPANT)));
    const chunks = Math.ceil(extent / chunk);
    Atomics.add(c, GEN, 1);
    c[SLOT] = job.slot; c[TASK] = job.task; c[CLOSURE] = job.closure; c[START] = job.start; c[END] = job.end;
    c[CHUNK] = chunk; c[CHUNKS] = chunks; c[SP_BASE] = job.spBase; c[SP_STRIDE] = job.spStride;
    c[STATIC] = job.static ? participants : 0;
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERROR, 0);
    Atomics.store(c, STATE, job.static ? CLOSED : 0);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    let own: unknown;
    try {
      if (job.static) {
        for (let k = 0; k < chunks; k += participants) {
          const s = job.start + k * chunk;
          run(job.spBase, job.closure, s, Math.min(s + chunk, job.end));
        }
      } else {
        for (;;) {
          const k = Atomics.add(c, NEXT, 1);
          if (k >= chunks || Atomics.load(c, ERROR)) break;
          const s = job.start + k * chunk;
          run(job.spBase, job.closure, s, Math.min(s + chunk, job.end));
        }
      }
    } catch (e) {
      own = e;
      Atomics.store(c, ERROR, 1);
    }
    if (job.static) this.joinAll();
    else this.closeJob();
    if (own) throw own;
    if (Atomics.load(c, ERROR)) {
      const end = this.text.indexOf(0);
      throw new ThreadPoolError(`a thread failed: ${new TextDecoder().decode(this.text.slice(0, end < 0 ? undefined : end))}`);
    }
  }

  /** Waits until every worker has reported a static job done. */
  private joinAll(): void {
    const c = this.ctrl, n = this.workers.length;
    this.await_(() => Atomics.load(c, DONE) >= n, () => { const d = Atomics.load(c, DONE); if (d < n) Atomics.wait(c, DONE, d); });
  }

  /** Closes a dynamic job once no worker is inside it; a worker that wakes later skips it. */
  private closeJob(): void {
    const c = this.ctrl;
    this.await_(() => Atomics.compareExchange(c, STATE, 0, CLOSED) === 0, () => { const s = Atomics.load(c, STATE); if (s > 0) Atomics.wait(c, STATE, s); });
  }

  /** Spins on `done` for SPIN_MS, then sleeps in `sleep` between checks (or spins on, where the thread may not block). */
  private await_(done: () => boolean, sleep: () => void): void {
    const until = performance.now() + SPIN_MS;
    for (let i = 1; !done(); i++) {
      if (this.join === 'wait' && (i & 255) === 0 && performance.now() > until) sleep();
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctrl, QUIT, 1);
    Atomics.add(this.ctrl, GEN, 2);
    Atomics.notify(this.ctrl, GEN);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
