/** docs/models.md's table of supported operators is the registry's (regenerate: npm run docs:ops). */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { withOpsTable } from '../model/ops_table.ts';
import { TESSERA_OPS } from '../model/library.ts';

test('the supported-ops table in docs/models.md is current', (t) => {
  const doc = readFileSync(new URL('../docs/models.md', import.meta.url), 'utf8');
  t.is(doc, withOpsTable(doc, TESSERA_OPS), 'docs/models.md is out of date: run npm run docs:ops');
});
