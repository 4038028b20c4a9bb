/** The shape of a graph pass: a rewrite of the graph that sees every tensor's type and constant value. */
import type { Graph } from '../ir.js';
import type { Analysis, Sizes } from '../analysis.js';
import type { OpLibrary } from '../library.js';

export interface PassContext {
  readonly library: OpLibrary;
  readonly sizes: Sizes;
}

export interface GraphPass {
  /** Names the pass in the debug dump and in the `passes` option. */
  readonly name: string;
  /** The rewritten graph (`g` itself when nothing changed). `a` is the analysis of `g`. */
  run(g: Graph, a: Analysis, ctx: PassContext): Graph;
}
