/**
 * A dedicated Worker of the threads page: runs the case there, where the pool's join may block in
 * Atomics.wait, and posts back `{ report }` or `{ error }`.
 */
import { runCase } from './run_case.js';

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<string>) => void) | null; postMessage(m: unknown): void };
scope.onmessage = (e) => {
  runCase(e.data).then(
    (report) => scope.postMessage({ report }),
    (err: Error) => scope.postMessage({ error: `in the worker: ${err.stack ?? err}` }),
  );
};
