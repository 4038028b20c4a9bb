/** The model compiler's public face, re-exported by tessera.ts: ONNX in, a compiled model (or artifact) out. */
export { compileOnnx, compileGraph, type CompileOnnxOptions, type CompiledModel, type ModelTarget } from './compile_onnx.js';
export { saveModelArtifact, modelArtifact, modelLoader, type SaveModelOptions } from './artifact.js';
export { KernelCache, workloadKey } from './kernel_cache.js';
export { ModelCompileError } from './errors.js';
export { TESSERA_OPS } from './library.js';
export { loadOnnx, loadOnnxFile } from '../onnx/load.js';
export { ModelLoadError } from '../onnx/errors.js';
export { GraphError } from '../graph/errors.js';
export { optimizeGraph, PASSES, type OptimizeOptions } from '../graph/optimize.js';
export { printGraph } from '../graph/print.js';
export { planArena, MemoryPlanError, type ArenaPlan, type TensorLifetime } from '../graph/memory_plan.js';
export type { Graph, GraphNode, FusionGroup, TensorInfo, ConstTensor, ValueDecl } from '../graph/ir.js';
export type { OpLibrary } from '../graph/library.js';
export { OpError, type OpEntry } from '../ops/op.js';
