/**
 * Running the CLI in the test's own process (cli/main.ts's `main`, output captured), and making an
 * artifact's loader module (NAME.js, which imports `tessera/runtime`) runnable without the built
 * package: esbuild bundles it with `tessera/runtime` resolved to the runtime's sources.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { build } from 'esbuild';
import { main } from '../../cli/main.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  readonly status: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `tessera ...args` with relative paths from `cwd` (default: the repository root). */
export async function runCli(args: readonly string[], cwd = REPO_ROOT): Promise<CliResult> {
  let out = '', err = '';
  const status = await main(args, { out: (s) => { out += s; }, err: (s) => { err += s; }, cwd });
  return { status, out, err };
}

/**
 * Bundles `folder/NAME.js` into `folder/NAME.node.mjs` (beside its binaries, so `import.meta.url`
 * finds them) with `tessera/runtime` taken from runtime/index.ts.
 * @returns the bundle's path and the repository sources it holds
 */
export async function bundleLoader(folder: string, name: string, platform: 'node' | 'browser' = 'node'): Promise<{ path: string; inputs: string[] }> {
  const path = join(folder, `${name}.${platform}.mjs`);
  const r = await build({
    absWorkingDir: REPO_ROOT, entryPoints: [join(folder, `${name}.js`)], bundle: true, format: 'esm', platform, target: 'es2022',
    outfile: path, metafile: true, logLevel: 'silent', alias: { 'tessera/runtime': './runtime/index.ts' },
  });
  return { path, inputs: Object.keys(r.metafile.inputs) };
}
