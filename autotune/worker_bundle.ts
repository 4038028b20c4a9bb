/**
 * Workers from TypeScript sources, in Node: an entry written in TypeScript (this repository run through
 * tsx) is bundled once per process with esbuild into a plain ES module, with every package left as an
 * import of its installed file, and that module is what the worker runs. Loading the compiler through
 * tsx's hooks took 11-17 s per worker on this project's machine (tsx transforms binaryen's 15 MB
 * module on every load); the bundle starts in about a second, and needs no loader in the worker.
 * Compiled JavaScript entries are used as they are.
 */
import { nodeBuiltin } from '../runtime/platform.js';

const bundles = new Map<string, Promise<URL>>();

/** Bare specifiers (esbuild's filters are Go regular expressions: no lookahead). */
const BARE = /^[^./]/;

async function bundle(entry: URL): Promise<URL> {
  const [{ build }, { mkdir, writeFile, rename }, { tmpdir }, { join, sep }, { pathToFileURL, fileURLToPath }, { createHash }] = await Promise.all([
    nodeBuiltin<typeof import('esbuild')>('esbuild'),
    nodeBuiltin<typeof import('node:fs/promises')>('node:fs/promises'),
    nodeBuiltin<typeof import('node:os')>('node:os'),
    nodeBuiltin<typeof import('node:path')>('node:path'),
    nodeBuiltin<typeof import('node:url')>('node:url'),
    nodeBuiltin<typeof import('node:crypto')>('node:crypto'),
  ]);
  const result = await build({
    entryPoints: [fileURLToPath(entry)], bundle: true, format: 'esm', platform: 'node', target: 'node20', write: false, logLevel: 'silent',
    plugins: [{
      name: 'installed-packages',
      setup(b) {
        // Every package is installed beside this file's repository: resolve from here.
        b.onResolve({ filter: BARE }, (args) => (args.path.startsWith('node:') ? { path: args.path, external: true } : { path: import.meta.resolve(args.path), external: true }));
      },
    }],
  });
  const text = result.outputFiles[0]!.text;
  // In node_modules/.cache, so that what the bundle imports at run time by a computed name (the
  // `webgpu` package) resolves as from the sources; named by content, so processes share a bundle and
  // the folder does not grow with every run.
  const esbuildPath = fileURLToPath(import.meta.resolve('esbuild'));
  const at = esbuildPath.lastIndexOf(`${sep}node_modules${sep}`);
  const dir = at >= 0 ? join(esbuildPath.slice(0, at), 'node_modules', '.cache', 'tessera-workers') : join(tmpdir(), 'tessera-workers');
  await mkdir(dir, { recursive: true });
  const base = fileURLToPath(entry).replace(/^.*[\\/]/, '').replace(/\.ts$/, '');
  const file = join(dir, `${base}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
  return pathToFileURL(file);
}

/**
 * The module a Node worker should run for `entry`: `entry` itself unless it is TypeScript, else its
 * bundle (made once per process).
 * @throws esbuild's error when the entry does not bundle
 */
export function runnableEntry(entry: URL): Promise<URL> {
  if (!entry.pathname.endsWith('.ts')) return Promise.resolve(entry);
  let b = bundles.get(entry.href);
  if (!b) {
    b = bundle(entry);
    bundles.set(entry.href, b);
    b.catch(() => bundles.delete(entry.href));
  }
  return b;
}
