/**
 * The errors of the WebGPU runtime: one class per way a GPU step fails, each with a message that says
 * what was asked, what the device said, and what to do instead.
 */

/** How to get WebGPU in Node on a machine without a GPU (SwiftShader's Vulkan, as CI runs it). */
export const SOFTWARE_GPU_HINT =
  'Without a GPU, Dawn can run on SwiftShader\'s Vulkan: install Debian\'s `chromium` and `libvulkan1` packages ' +
  '(apt-get install chromium libvulkan1) and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.';

/** There is no WebGPU here: no `navigator.gpu`, no `webgpu` package, no adapter, or no device. */
export class GpuUnavailableError extends Error {
  override name = 'GpuUnavailableError';
}

/** The device was lost (destroyed, or taken away by the driver); every later operation on it throws this. */
export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
  constructor(
    /** `GPUDeviceLostInfo.reason`: 'destroyed' or 'unknown'. */
    readonly reason: string,
    /** `GPUDeviceLostInfo.message`, as the implementation wrote it. */
    readonly lostMessage: string,
    /** What was being done when the loss was noticed. */
    readonly operation: string,
  ) {
    super(`${operation}: the WebGPU device was lost (reason "${reason}": ${lostMessage || 'no message'}); acquire a new context with acquireGpu()`);
  }
}

/** One message of a shader's compilation info; line and column are 1-based, in UTF-16 code units. */
export interface WgslMessage {
  readonly type: 'error' | 'warning' | 'info';
  readonly line: number;
  readonly column: number;
  readonly length: number;
  readonly text: string;
}

/** A WGSL shader did not compile. The message lists each error with its line; `source` is the whole shader. */
export class WgslCompileError extends Error {
  override name = 'WgslCompileError';
  constructor(message: string, readonly source: string, readonly messages: readonly WgslMessage[]) {
    super(message);
  }
}

/** The shader compiled but the compute pipeline could not be made from it (entry point, limits, layout). */
export class GpuPipelineError extends Error {
  override name = 'GpuPipelineError';
  constructor(message: string, readonly source: string) {
    super(message);
  }
}

/** A dispatch was refused: workgroup counts over the device's limits, or bindings the pipeline rejects. */
export class GpuDispatchError extends Error {
  override name = 'GpuDispatchError';
}

/** A buffer could not be made, written or read: over a size limit, wrong usage, or refused by the device. */
export class GpuBufferError extends Error {
  override name = 'GpuBufferError';
}
