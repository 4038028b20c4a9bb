/**
 * Every test file that needs WebGPU, Chromium or ../shared/data goes through its gate
 * (tests/helpers/environment.ts), so that on a machine without them its tests are skipped with the
 * reason instead of failing, and CI=true still runs them. Found by what the file calls.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';

const NEEDS: readonly { readonly what: string; readonly uses: RegExp; readonly gate: string }[] = [
  { what: 'WebGPU', uses: /\b(acquireGpu|compileGpu)\(/, gate: 'requireGpu' },
  { what: 'Chromium', uses: /\bwithBrowserPage\(/, gate: 'requireBrowser' },
  { what: '../shared/data', uses: /shared\/data\//, gate: 'requireSharedData' },
];
/** Files that mention these only to check how Tessera behaves without them. */
const EXEMPT: Readonly<Record<string, string>> = {
  'package.test.ts': 'WebGPU in the installed package without the webgpu package, which must fail',
  'environment_gates.test.ts': 'this file names what the others call',
};

test('test files that need WebGPU, Chromium or ../shared/data use their gate', (t) => {
  const folder = new URL('./', import.meta.url);
  const files = readdirSync(folder).filter((f) => f.endsWith('.test.ts') && !Object.hasOwn(EXEMPT, f));
  const ungated: string[] = [];
  for (const file of files) {
    const text = readFileSync(new URL(file, folder), 'utf8');
    for (const n of NEEDS) {
      if (n.uses.test(text) && !text.includes(`${n.gate}(import.meta.url`)) ungated.push(`tests/${file} needs ${n.what} but does not call ${n.gate}(import.meta.url, ...) (tests/helpers/environment.ts)`);
    }
  }
  t.deepEqual(ungated, []);
});
