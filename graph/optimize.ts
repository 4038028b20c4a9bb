/**
 * The graph passes in order (the table of contents, as Halide's Lower.cpp): each sees the analysis
 * (types and constants, graph/analysis.ts) of the graph the previous one left. Set
 * TESSERA_DEBUG_GRAPH=1 (or pass `debug`) to print the graph after every pass.
 */
import type { Graph } from './ir.js';
import { type Analysis, type Sizes, analyze, checkSizes } from './analysis.js';
import type { OpLibrary } from './library.js';
import { printGraph } from './print.js';
import type { GraphPass } from './passes/pass.js';
import { foldConstants } from './passes/fold_constants.js';
import { eliminateIdentity } from './passes/eliminate_identity.js';
import { foldBatchNorm } from './passes/fold_batchnorm.js';
import { foldPad } from './passes/fold_pad.js';
import { cancelTransposes } from './passes/cancel_transposes.js';
import { fuseEpilogues } from './passes/fuse_epilogues.js';
import { GraphError } from './errors.js';

/** Every pass, in the order they run. Fusion is last: it groups the nodes the others left. */
export const PASSES: readonly GraphPass[] = [foldConstants, eliminateIdentity, foldBatchNorm, foldPad, cancelTransposes, foldConstants, fuseEpilogues];

export interface OptimizeOptions {
  readonly sizes?: Sizes;
  /** Names of passes to leave out (as in PASSES' `name`), e.g. ['fuse elementwise epilogues']. */
  readonly skip?: readonly string[];
  /** Called with each pass's name and the graph after it as text; `true` prints to stderr. */
  readonly debug?: boolean | ((pass: string, text: string) => void);
}

export interface Optimized {
  readonly graph: Graph;
  readonly analysis: Analysis;
}

/**
 * Binds the symbolic sizes, infers types, and runs the passes.
 * @throws GraphError for an unknown name in `skip` or `sizes`, unbound dimensions, unsupported ops;
 *   OpError from an operator entry for attributes or types its spec forbids
 */
export function optimizeGraph(g: Graph, library: OpLibrary, options: OptimizeOptions = {}): Optimized {
  const sizes = options.sizes ?? {};
  checkSizes(g, sizes);
  for (const s of options.skip ?? []) {
    if (!PASSES.some((p) => p.name === s)) throw new GraphError(`skip: no graph pass is named ${JSON.stringify(s)}; the passes are ${[...new Set(PASSES.map((p) => JSON.stringify(p.name)))].join(', ')}`);
  }
  const envDebug = typeof process !== 'undefined' && process.env?.TESSERA_DEBUG_GRAPH;
  const debug = options.debug ?? (envDebug ? true : undefined);
  const show = (pass: string, graph: Graph, a: Analysis) => {
    if (!debug) return;
    const text = printGraph(graph, a.types);
    if (typeof debug === 'function') debug(pass, text);
    else process.stderr.write(`--- after ${pass} ---\n${text}`);
  };
  let graph = g;
  let analysis = analyze(graph, library, sizes);
  show('shape inference', graph, analysis);
  for (const pass of PASSES) {
    if (options.skip?.includes(pass.name)) continue;
    const next = pass.run(graph, analysis, { library, sizes });
    if (next !== graph) {
      graph = next;
      analysis = analyze(graph, library, sizes);
    }
    show(pass.name, graph, analysis);
  }
  return { graph, analysis };
}
