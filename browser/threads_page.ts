/**
 * The threads page: runs the case in a dedicated Worker (the recommended way: the page stays
 * responsive and the pool's join blocks in Atomics.wait) and then on the main thread (where the join
 * spins), and sets window.__result to `{ crossOriginIsolated, worker, main }` or `{ error }`.
 */
import { runCase, type RunReport } from './run_case.js';

function inWorker(base: string): Promise<RunReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('threads_worker.js', base), { type: 'module', name: 'kernel' });
    worker.onmessage = (e: MessageEvent<{ report?: RunReport; error?: string }>) => {
      worker.terminate();
      if (e.data.report) resolve(e.data.report);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => { worker.terminate(); reject(new Error(`the kernel worker failed: ${e.message || 'it did not load'}`)); };
    worker.postMessage(base);
  });
}

const page = globalThis as unknown as { __result?: unknown };
try {
  const base = new URL('.', location.href).href;
  const worker = await inWorker(base);
  const main = await runCase(base);
  page.__result = { crossOriginIsolated, worker, main };
} catch (e) {
  page.__result = { error: e instanceof Error ? e.stack ?? e.message : String(e) };
}
