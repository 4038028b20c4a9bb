/**
 * Where the measurer's worker modules are, in Node: beside this file in the sources (TypeScript, or
 * JavaScript compiled file by file), or as the package build's own entries, `dist/autotune-build-worker.js`
 * and `dist/autotune-run-worker.js` (scripts/build.mjs), found from the bundle or chunk this code ended
 * up in. A browser page passes its bundles' URLs instead (MeasureOptions.workers).
 */
import { nodeBuiltin } from '../runtime/platform.js';

export type WorkerName = 'build_worker' | 'run_worker';

/** The package build's file name of a worker. */
export const builtWorkerFile = (name: WorkerName): string => `autotune-${name.replace('_', '-')}.js`;

/**
 * @throws Error naming the places looked at when the worker module is in none of them
 */
export async function workerEntry(name: WorkerName): Promise<URL> {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) return new URL(`./${name}.ts`, here);
  const { existsSync } = await nodeBuiltin<typeof import('node:fs')>('node:fs');
  const { fileURLToPath } = await nodeBuiltin<typeof import('node:url')>('node:url');
  const places = [new URL(`./${name}.js`, here), new URL(`./${builtWorkerFile(name)}`, here), new URL(`../${builtWorkerFile(name)}`, here)];
  const found = places.find((u) => existsSync(fileURLToPath(u)));
  if (!found) throw new Error(`the measurer's ${name} module is missing: looked for ${places.map((u) => fileURLToPath(u)).join(', ')}`);
  return found;
}
