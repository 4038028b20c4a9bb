#!/usr/bin/env node
/**
 * Builds the package into dist/ (npm run build; npm pack and npm publish run it first):
 *   dist/tessera.js   the compiler (`tessera`), which re-exports the runtime
 *   dist/runtime.js   the runtime alone (`tessera/runtime`): no binaryen, no compiler module
 *   dist/cli.js       the `tessera` command (bin/tessera.js runs it in an installed package)
 *   dist/autotune-build-worker.js, dist/autotune-run-worker.js   the measurer's workers
 *   dist/chunks/      code the entries share, so that `tessera`, `tessera/runtime` and the CLI
 *                     hold one copy of each class (an error thrown by one is `instanceof` in another)
 *   dist/types/       the .d.ts files of `tessera` and `tessera/runtime`, by tsc
 * ES modules for Node >= 20.19 and browsers (esbuild, bundled with code splitting; dependencies stay
 * imports). The old dist/ is replaced only when both steps succeed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const staging = join(root, 'dist.building');
const dist = join(root, 'dist');

rmSync(staging, { recursive: true, force: true });
try {
  await build({
    absWorkingDir: root,
    // The measurer's workers are entries of their own: autotune/worker_entries.ts finds them by these names.
    entryPoints: {
      tessera: 'tessera.ts', runtime: 'runtime/index.ts', cli: 'cli/main.ts',
      'autotune-build-worker': 'autotune/build_worker.ts', 'autotune-run-worker': 'autotune/run_worker.ts',
    },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    packages: 'external',
    // Node built-ins the compiler side imports (the runtime reaches them by computed specifiers only).
    external: ['node:*'],
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(staging, 'types')], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`tsc failed (exit status ${tsc.status}) writing the .d.ts files`);
  rmSync(dist, { recursive: true, force: true });
  renameSync(staging, dist);
} catch (e) {
  rmSync(staging, { recursive: true, force: true });
  console.error(`build: ${e.message}`);
  process.exit(1);
}
if (!existsSync(join(dist, 'types/tessera.d.ts'))) {
  console.error('build: tsc wrote no dist/types/tessera.d.ts');
  process.exit(1);
}
console.log('build: dist/tessera.js, dist/runtime.js, dist/cli.js and dist/types/ written');
