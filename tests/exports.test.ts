/**
 * The package's entries export what the docs promise: every error class the docs and the README
 * name is exported by `tessera` (tessera.ts) and is an Error subclass; `tessera` re-exports all of
 * `tessera/runtime` (runtime/index.ts), the same objects; the runtime's error classes are exported
 * by `tessera/runtime`.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import * as tessera from '../tessera.js';
import * as runtime from '../runtime/index.js';

const BUILT_IN = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError']);
const docs = [new URL('../README.md', import.meta.url), ...readdirSync(new URL('../docs/', import.meta.url)).map((f) => new URL(`../docs/${f}`, import.meta.url))];
const named = [...new Set(docs.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/\b([A-Z][A-Za-z]*Error)\b/g)].map((m) => m[1]!)))].filter((n) => !BUILT_IN.has(n)).sort();

test('every error class the docs name is exported by tessera', (t) => {
  t.true(named.length >= 10, `the docs name ${named.join(', ')}`);
  const exported = tessera as unknown as Record<string, unknown>;
  for (const name of named) {
    const cls = exported[name];
    t.is(typeof cls, 'function', `${name} is exported by tessera`);
    if (typeof cls === 'function') t.true(cls.prototype instanceof Error, `${name} is an Error`);
  }
});

test("tessera re-exports every export of tessera/runtime, the same objects; the runtime's errors are there", (t) => {
  const all = tessera as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(runtime)) t.is(all[name], value, name);
  for (const name of ['ArtifactError', 'ArgumentError', 'KernelError', 'ThreadPoolError', 'GpuKernelError', 'GpuUnavailableError', 'GpuDeviceLostError', 'WgslCompileError', 'GpuPipelineError', 'GpuDispatchError', 'GpuBufferError']) {
    t.is(typeof (runtime as unknown as Record<string, unknown>)[name], 'function', `tessera/runtime exports ${name}`);
  }
});
