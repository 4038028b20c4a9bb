/** The load hook of binaryen_untransformed.mjs: binaryen's entry module is read and given to Node unchanged. */
import { readFile } from 'node:fs/promises';

const BINARYEN_ENTRY = /\/node_modules\/binaryen\/index\.js$/;

export async function load(url, context, nextLoad) {
  if (!BINARYEN_ENTRY.test(url)) return nextLoad(url, context);
  return { format: 'module', source: await readFile(new URL(url)), shortCircuit: true };
}
