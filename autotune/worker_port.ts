/**
 * The worker's side of autotune/worker_host.ts: answers requests one at a time with a handler, from a
 * Node worker thread, a Node child process or a browser Web Worker, and says when it is ready.
 */
import { nodeBuiltin } from '../runtime/platform.js';

export type Handler = (message: unknown) => Promise<{ value: unknown; transfer?: ArrayBuffer[] }> | { value: unknown; transfer?: ArrayBuffer[] };

interface Port {
  post(m: unknown, transfer: ArrayBuffer[]): void;
  listen(f: (m: unknown) => void): void;
}


async function port(): Promise<Port> {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (typeof proc?.versions?.node === 'string') {
    const { parentPort } = await nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
    if (parentPort) return { post: (m, t) => parentPort.postMessage(m, t), listen: (f) => { parentPort.on('message', f); } };
    if (typeof proc.send === 'function') {
      // A parent that dies (even by SIGKILL) closes the channel: do not outlive it.
      proc.on('disconnect', () => proc.exit(0));
      return { post: (m) => { proc.send!(m as never); }, listen: (f) => { proc.on('message', f); } };
    }
    throw new Error('serveRequests: this Node process is neither a worker thread nor a forked child');
  }
  const self = globalThis as unknown as { postMessage(m: unknown, t: Transferable[]): void; addEventListener(k: 'message', f: (e: MessageEvent) => void): void };
  return { post: (m, t) => self.postMessage(m, t), listen: (f) => self.addEventListener('message', (e) => f(e.data)) };
}

/**
 * Serves requests `{ id, message }` with `handler`, one after another, replying `{ id, ok, value }` or
 * `{ id, ok: false, error }`; posts `{ ready: true }` first.
 */
export async function serveRequests(handler: Handler): Promise<void> {
  const p = await port();
  let queue: Promise<void> = Promise.resolve();
  p.listen((raw) => {
    const { id, message } = raw as { id: number; message: unknown };
    queue = queue.then(async () => {
      try {
        const { value, transfer } = await handler(message);
        p.post({ id, ok: true, value }, transfer ?? []);
      } catch (e) {
        const err = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
        p.post({ id, ok: false, error: err }, []);
      }
    });
  });
  p.post({ ready: true }, []);
}
