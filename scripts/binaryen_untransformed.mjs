/**
 * Hands Node binaryen's index.js as it is, past tsx. tsx rewrites the one dynamic `import()` in
 * binaryen's 15 MB module and builds a source map of the whole file: about 7 s of CPU in every
 * process that imports the compiler through tsx (tests, the bench, the examples), against under 1 s
 * for Node to load the file itself. The rewrite is for `.ts` resolution, which binaryen's
 * `import("node:module")` never needs.
 *
 * Use it after tsx, so that its hook runs first: `node --import tsx --import ./scripts/binaryen_untransformed.mjs ...`
 * (package.json's test and bench commands do).
 */
import { register } from 'node:module';

register('./binaryen_untransformed_hooks.mjs', import.meta.url);
