/** The WebGPU runtime: acquire a device, make buffers, compile and cache pipelines, dispatch, time. */
export { acquireGpu, GpuContext, type AcquireGpuOptions, type GpuAdapterSummary, type GpuLimits } from './device.js';
export {
  GpuBufferError, GpuDeviceLostError, GpuDispatchError, GpuPipelineError, GpuUnavailableError, WgslCompileError,
  SOFTWARE_GPU_HINT, type WgslMessage,
} from './errors.js';
export { withErrorScope, type Scoped } from './error_scope.js';
export { BufferUsage, createEmptyStorageBuffer, createStorageBuffer, createUniformBuffer, readBuffer, writeBuffer } from './buffers.js';
export { PipelineCache } from './pipeline_cache.js';
export { checkWorkgroups, dispatch, encodeDispatches, recordDispatches, submit, type DispatchCall, type Workgroups } from './dispatch.js';
export { timeDispatches, type GpuTiming, type TimingMethod } from './timing.js';
