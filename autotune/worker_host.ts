/**
 * Isolated workers for measurement, on either platform, with request/reply calls that time out: a
 * worker that does not answer in time is killed, and the call fails with a WorkerLostError instead of
 * hanging the tuner (tvm#12330). A worker that dies (a crash, running out of memory) fails the call
 * the same way.
 *
 * Node: a `thread` is a worker_threads Worker; a `process` is a child process (fork), used where the
 * worker needs V8 flags of its own (the runner's --no-liftoff, see autotune/runner.ts), which V8 keeps
 * per process. A TypeScript entry (this repository run through tsx) is bundled first
 * (autotune/worker_bundle.ts). Browsers: both are module Web Workers; V8 flags cannot be set there.
 *
 * Node built-ins are reached by computed specifiers, so a browser bundle of the measurement includes
 * none of them.
 */
import { isNode, nodeBuiltin } from '../runtime/platform.js';

export type WorkerKind = 'thread' | 'process';

export interface StartOptions {
  readonly kind: WorkerKind;
  /** For reports and the browser's worker name. */
  readonly name: string;
  /** V8 flags of a Node `process` worker (ignored elsewhere). */
  readonly v8Flags?: readonly string[];
}

/** Why a worker call failed without an answer. */
export class WorkerLostError extends Error {
  override name = 'WorkerLostError';
  constructor(
    /** timeout: killed after the limit; crash: it died or failed to load; oom: it died for want of memory. */
    readonly reason: 'timeout' | 'crash' | 'oom',
    message: string,
  ) {
    super(message);
  }
}

/** An error the worker's handler threw, carried back with its name. */
export class WorkerCallError extends Error {
  constructor(readonly remoteName: string, message: string) {
    super(message);
    this.name = remoteName;
  }
}

export interface IsolatedWorker {
  /**
   * Sends `message` and resolves to the handler's reply.
   * @param timeoutMs the worker is killed when it has not replied by then (Infinity: no limit)
   * @throws WorkerLostError when it timed out, died or was terminated; WorkerCallError when the
   *   handler threw
   */
  call<T>(message: object, timeoutMs: number, transfer?: readonly ArrayBuffer[]): Promise<T>;
  /** Kills the worker; pending calls fail with WorkerLostError. */
  terminate(): Promise<void>;
  readonly alive: boolean;
}

interface Reply { readonly id: number; readonly ok: boolean; readonly value?: unknown; readonly error?: { name: string; message: string } }

/** The low-level link to a worker: post, receive, learn of its death, kill. */
interface Link {
  post(message: unknown, transfer: readonly ArrayBuffer[]): void;
  onMessage(f: (m: unknown) => void): void;
  onDeath(f: (reason: 'crash' | 'oom', detail: string) => void): void;
  kill(): Promise<void>;
}

/** Node only; by a computed specifier so that a browser bundle leaves it (and esbuild) out. */
const runnableEntry = async (entry: URL): Promise<URL> =>
  (await nodeBuiltin<typeof import('./worker_bundle.js')>(new URL(`./worker_bundle${entry.pathname.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href)).runnableEntry(entry);


const READY_MS = 60000;

async function nodeThread(entry: URL, name: string): Promise<Link> {
  const { Worker } = await nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
  const w = new Worker(await runnableEntry(entry), { name });
  let death: ((reason: 'crash' | 'oom', detail: string) => void) | undefined;
  let killed = false;
  w.on('error', (e: Error & { code?: string }) => death?.(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : 'crash', `${e.name}: ${e.message}`));
  w.on('exit', (code) => { if (!killed) death?.('crash', `the worker exited with code ${code}`); });
  return {
    post: (m, transfer) => w.postMessage(m, transfer as ArrayBuffer[]),
    onMessage: (f) => { w.on('message', f); },
    onDeath: (f) => { death = f; },
    kill: async () => { killed = true; await w.terminate(); },
  };
}

async function nodeProcess(entry: URL, flags: readonly string[]): Promise<Link> {
  const { fork } = await nodeBuiltin<typeof import('node:child_process')>('node:child_process');
  const { fileURLToPath } = await nodeBuiltin<typeof import('node:url')>('node:url');
  const child = fork(fileURLToPath(await runnableEntry(entry)), [], {
    execArgv: [...flags],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
    process.stderr.write(s);
  });
  let death: ((reason: 'crash' | 'oom', detail: string) => void) | undefined;
  let killed = false;
  child.on('error', (e) => death?.('crash', e.message));
  child.on('exit', (code, signal) => {
    if (killed) return;
    const oom = /heap out of memory|Cannot allocate memory|out of memory/i.test(stderr);
    death?.(oom ? 'oom' : 'crash', `the worker process exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
  });
  return {
    post: (m) => child.send(m as never),
    onMessage: (f) => { child.on('message', f); },
    onDeath: (f) => { death = f; },
    kill: async () => {
      killed = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function webWorker(entry: URL, name: string): Link {
  const w = new Worker(entry, { type: 'module', name });
  let death: ((reason: 'crash' | 'oom', detail: string) => void) | undefined;
  w.addEventListener('error', (e) => { e.preventDefault(); death?.('crash', e.message || `the worker ${entry.href} could not be loaded`); });
  return {
    post: (m, transfer) => w.postMessage(m, transfer as Transferable[]),
    onMessage: (f) => { w.addEventListener('message', (e) => f(e.data)); },
    onDeath: (f) => { death = f; },
    kill: async () => { w.terminate(); },
  };
}

/**
 * Starts a worker running `entry` (a module that calls `serveRequests`, autotune/worker_port.ts) and
 * waits until it is ready to answer.
 * @throws WorkerLostError when it dies or does not report ready within 60 s
 */
export async function startWorker(entry: URL, o: StartOptions): Promise<IsolatedWorker> {
  const link = !isNode() ? webWorker(entry, o.name) : o.kind === 'process' ? await nodeProcess(entry, o.v8Flags ?? []) : await nodeThread(entry, o.name);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> }>();
  let alive = true, nextId = 1;
  let ready: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const readyPromise = new Promise<void>((resolve, reject) => { ready = { resolve, reject }; });
  const fail = (e: WorkerLostError) => {
    alive = false;
    ready?.reject(e);
    for (const p of pending.values()) { if (p.timer) clearTimeout(p.timer); p.reject(e); }
    pending.clear();
  };
  link.onDeath((reason, detail) => fail(new WorkerLostError(reason, `${o.name}: ${detail}`)));
  link.onMessage((m) => {
    const r = m as Reply | { ready: true };
    if ('ready' in r) { ready?.resolve(); ready = undefined; return; }
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (p.timer) clearTimeout(p.timer);
    if (r.ok) p.resolve(r.value);
    else p.reject(new WorkerCallError(r.error?.name ?? 'Error', r.error?.message ?? 'unknown error'));
  });
  const terminate = async () => {
    if (!alive) return;
    fail(new WorkerLostError('crash', `${o.name}: terminated`));
    await link.kill();
  };
  const startTimer = setTimeout(() => { void terminate().then(() => undefined); ready?.reject(new WorkerLostError('timeout', `${o.name}: did not start within ${READY_MS / 1000} s`)); }, READY_MS);
  try {
    await readyPromise;
  } finally {
    clearTimeout(startTimer);
  }
  return {
    get alive() { return alive; },
    call<T>(message: object, timeoutMs: number, transfer: readonly ArrayBuffer[] = []): Promise<T> {
      if (!alive) return Promise.reject(new WorkerLostError('crash', `${o.name}: the worker is not running`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const entryOf = { resolve: resolve as (v: unknown) => void, reject, timer: undefined as ReturnType<typeof setTimeout> | undefined };
        if (Number.isFinite(timeoutMs)) {
          entryOf.timer = setTimeout(() => {
            pending.delete(id);
            void link.kill();
            fail(new WorkerLostError('timeout', `${o.name}: no answer within ${timeoutMs} ms; the worker was killed`));
            reject(new WorkerLostError('timeout', `${o.name}: no answer within ${timeoutMs} ms; the worker was killed`));
          }, timeoutMs);
        }
        pending.set(id, entryOf);
        link.post({ id, message }, transfer);
      });
    },
    terminate,
  };
}
