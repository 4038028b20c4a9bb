/** `npm run docs:ops`: rewrites docs/models.md's table of supported operators from ops/registry.ts. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withOpsTable } from '../model/ops_table.js';
import { TESSERA_OPS } from '../model/library.js';
import { writeFileAtomic } from '../io/atomic_write.js';

const path = fileURLToPath(new URL('../docs/models.md', import.meta.url));
writeFileAtomic(path, withOpsTable(readFileSync(path, 'utf8'), TESSERA_OPS));
console.log(`updated ${path}`);
