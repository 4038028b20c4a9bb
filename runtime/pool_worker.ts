/**
 * The host side of the thread pool's workers on either platform: Node worker_threads, or browser Web
 * Workers started from a Blob URL of the same plain-JS source. Node built-ins are imported only on the
 * Node path and by a computed specifier, so a browser bundle of the runtime never includes them.
 */
import { isNode, nodeBuiltin } from './platform.js';

/** What a pool worker gets before it starts: Node hands it over as workerData, a browser as the first message. */
export interface WorkerData {
  readonly control: SharedArrayBuffer;
  readonly text: SharedArrayBuffer;
  /** The participant number, 1 .. threads - 1 (the caller is 0). */
  readonly index: number;
}

/** One worker as the pool sees it, whatever the platform. */
export interface PoolWorker {
  post(message: unknown): void;
  /** Calls `f` with the data of each message the worker posts; returns the function that stops it. */
  listen(f: (message: unknown) => void): () => void;
  /** Ends the worker; resolves once it has stopped (Node) or at once (a browser gives no signal). */
  terminate(): Promise<void>;
}

/**
 * The hardware threads the platform reports: os.availableParallelism in Node,
 * navigator.hardwareConcurrency in a browser, 1 when neither says.
 */
export async function hardwareThreads(): Promise<number> {
  if (isNode()) {
    const os = await nodeBuiltin<typeof import('node:os')>('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency || 1;
}

const STARTUP_MS = 10000;

/**
 * Starts one worker per entry of `data`, running `source` (plain JS that takes its data from Node's
 * workerData or from its first message), and resolves once `ready()` holds.
 * @throws Error when a worker fails to start, `ready()` does not hold within 10 s, or the platform
 *   has neither worker_threads nor Web Workers; the workers started are terminated first
 */
export async function startWorkers(source: string, data: readonly WorkerData[], ready: () => boolean): Promise<PoolWorker[]> {
  let failure: string | undefined;
  const watch: Watch = { fail: (message) => { failure ??= message; }, stops: [] };
  let revoke = () => {};
  let workers: PoolWorker[] = [];
  try {
    if (isNode()) {
      workers = await startNodeWorkers(source, data, watch);
    } else {
      if (typeof Worker !== 'function' || typeof Blob !== 'function') throw new Error('this platform has neither worker_threads nor Web Workers');
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      revoke = () => URL.revokeObjectURL(url);
      workers = data.map((d) => startWebWorker(url, d, watch));
    }
    const deadline = Date.now() + STARTUP_MS;
    while (!ready()) {
      if (failure !== undefined) throw new Error(`a worker failed to start: ${failure}`);
      if (Date.now() > deadline) throw new Error(`workers did not start within ${STARTUP_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 1));
    }
    return workers;
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  } finally {
    revoke();
    // Past startup a worker's uncaught error takes its platform's default course (in Node, an exception).
    for (const stop of watch.stops) stop();
  }
}

/** Startup failures: `fail` records the first, `stops` end the watching. */
interface Watch {
  readonly fail: (message: string) => void;
  readonly stops: (() => void)[];
}

async function startNodeWorkers(source: string, data: readonly WorkerData[], watch: Watch): Promise<PoolWorker[]> {
  const { Worker: NodeWorker } = await nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
  return data.map((workerData) => {
    const w = new NodeWorker(source, { eval: true, workerData });
    w.unref();
    const onError = (e: Error) => watch.fail(e.message);
    w.on('error', onError);
    watch.stops.push(() => w.off('error', onError));
    return {
      post: (m) => w.postMessage(m),
      listen: (f) => { w.on('message', f); return () => { w.off('message', f); }; },
      terminate: async () => { await w.terminate(); },
    };
  });
}

function startWebWorker(url: string, data: WorkerData, watch: Watch): PoolWorker {
  const w = new Worker(url, { name: `tessera-pool-${data.index}` });
  const onError = (e: ErrorEvent) => watch.fail(e.message || 'the worker script could not be loaded');
  w.addEventListener('error', onError);
  watch.stops.push(() => w.removeEventListener('error', onError));
  w.postMessage(data);
  return {
    post: (m) => w.postMessage(m),
    listen: (f) => {
      const onMessage = (e: MessageEvent) => f(e.data);
      w.addEventListener('message', onMessage);
      return () => w.removeEventListener('message', onMessage);
    },
    terminate: async () => { w.terminate(); },
  };
}
