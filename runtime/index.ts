/**
 * `tessera/runtime`: what runs compiled kernels and artifacts, without the compiler (no binaryen, no
 * dsl/ir/lower/codegen/schedule). Works in Node and in browsers.
 *
 *   import { loadArtifact } from 'tessera/runtime';
 *   const blur = await loadArtifact('out/blur/blur.json');
 *   const { blur_y } = blur({ input: { data, shape: [3, h, w] } });
 */
export * from './abi.js';
export { loadArtifact, parseArtifactDescription, type ArtifactDescription, type ArtifactSource, type LoadedArtifact, type LoadOptions } from './artifact.js';
export { artifactFiles, writeArtifact, readUrl, type ArtifactFileReader } from './artifact_files.js';
export type { KernelLoadOptions, LoadedGpuKernel, LoadedKernel, LoadedWasmKernel } from './kernel_artifact.js';
export { WasmKernel, ResidentTensor, KernelError, memoryFor, importsSharedMemory } from './wasm_kernel.js';
export { ThreadPool, ThreadPoolError, defaultThreadCount, type JoinKind, type ParallelJob, type LoadOptions as ThreadPoolLoadOptions } from './thread_pool.js';
export { engineWasmFeatures, relaxedSimdSupported } from './wasm_features.js';
export { type Tensor, ArgumentError, numel, zeros } from './tensor.js';
export { type StorageDType, type TypedArray, STORAGE_DTYPES, dtypeOfArray, isStorageDType, storageArrayType, storageBytes } from './dtype.js';
export { type KernelSignature, type ArgSpec, type ShapeExpr, evalShape } from './signature.js';
export { bindArguments, type BoundCall } from './bind.js';
export { GpuKernel, GpuKernelError, type BoundGpuCall } from './webgpu/gpu_kernel.js';
export { type GpuProgram, type GpuKernelSpec, type GpuStep, type HostCondition, evalCondition } from './webgpu/program.js';
export * from './webgpu/index.js';
export { WasmModel, ModelRuntimeError, type ModelValueInfo, type WasmModelOptions } from './wasm_model.js';
export type { WasmModelProgram, ModelStep, ModelTensorSpec, MemoryLayout } from './model_program.js';
export { type LoadedModel, isLoadedModel } from './model_artifact.js';
export { type ModelTensor, type ModelArray, modelArrayType } from './model_tensors.js';
export { type ModelDType, MODEL_DTYPES, kernelDType } from './model_dtype.js';
export { f16BitsToNumber, numberToF16Bits, f16ToF32, f32ToF16 } from './f16.js';
export { GpuModel, type GpuModelProgram, type GpuModelStep, type GpuTensorSpec } from './webgpu/gpu_model.js';
