/** Tessera's operator library (ops/registry.ts) as the graph passes and the model compiler see it. */
import type { OpLibrary } from '../graph/library.js';
import { lookupOp, supportedOps } from '../ops/registry.js';

export const TESSERA_OPS: OpLibrary = {
  lookup: (domain, op, opset) => lookupOp(domain, op, opset),
  supported: () => supportedOps(),
};
