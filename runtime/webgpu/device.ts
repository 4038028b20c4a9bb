/**
 * Acquiring a WebGPU device: `navigator.gpu` in a browser, the `webgpu` package (Dawn) in Node. The
 * context records what the rest of the runtime needs to know about the device (its limits, whether it
 * has timestamps and f16) and watches `device.lost`, so that an operation on a lost device fails with
 * the reason instead of silently doing nothing.
 */
import { GpuDeviceLostError, GpuUnavailableError, SOFTWARE_GPU_HINT } from './errors.js';
import { isNode } from '../platform.js';

/** The device limits that compute kernels are sized against (bytes where a size, counts otherwise). */
export interface GpuLimits {
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupSizeX: number;
  readonly maxComputeWorkgroupSizeY: number;
  readonly maxComputeWorkgroupSizeZ: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxUniformBufferBindingSize: number;
  readonly maxBufferSize: number;
}

const LIMIT_NAMES: readonly (keyof GpuLimits)[] = [
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize', 'maxUniformBufferBindingSize', 'maxBufferSize',
];

/** The adapter as `GPUAdapterInfo` describes it, plus a short `label` for reports and tuning records. */
export interface GpuAdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** E.g. "swiftshader", "nvidia ampere", "apple metal-3". */
  readonly label: string;
}

export interface AcquireGpuOptions {
  /** The GPU to ask for an adapter; `navigator.gpu`, or the `webgpu` package's in Node, when absent. */
  readonly gpu?: GPU;
  readonly powerPreference?: GPUPowerPreference;
  /** Features to request where the adapter has them; the rest are listed in `unavailableFeatures`. */
  readonly requiredFeatures?: readonly GPUFeatureName[];
}

/** Features requested whenever the adapter has them: timing and half-precision kernels use them. */
const WANTED_FEATURES: readonly GPUFeatureName[] = ['timestamp-query', 'shader-f16'];

/** Software rasterizers are known by their implementation, not by the vendor that wrote it. */
const SOFTWARE_ADAPTER = /\b(swiftshader|llvmpipe|lavapipe|warp)\b/i;

/** A WebGPU device and what the runtime needs to know about it. Made by `acquireGpu`. */
export class GpuContext {
  private lostInfo: { reason: string; message: string } | undefined;

  /** @internal use `acquireGpu` */
  constructor(
    readonly device: GPUDevice,
    readonly adapterInfo: GpuAdapterSummary,
    readonly limits: GpuLimits,
    readonly features: ReadonlySet<string>,
    /** Features asked for in `requiredFeatures` that the adapter does not have. */
    readonly unavailableFeatures: readonly GPUFeatureName[],
    /** The GPU the device came from; held so that Dawn's instance lives as long as the device. */
    readonly gpu: GPU,
  ) {
    device.lost.then((info) => { this.lostInfo ??= { reason: info.reason, message: info.message }; });
  }

  /** Whether the device has the 'timestamp-query' feature (WebGPU § Timestamp Query). */
  get hasTimestamps(): boolean { return this.features.has('timestamp-query'); }

  /** Whether WGSL may `enable f16;` (WebGPU feature 'shader-f16'). */
  get hasF16(): boolean { return this.features.has('shader-f16'); }

  /** Whether `device.lost` has resolved, or `destroy` was called. */
  get isLost(): boolean { return this.lostInfo !== undefined; }

  /**
   * Throws when the device is lost; every runtime operation calls this before and after it waits.
   * @param operation what is being done, for the message ("reading buffer y")
   * @throws GpuDeviceLostError naming the loss's reason and message (WebGPU § Fatal Errors: `device.lost`)
   */
  assertAlive(operation: string): void {
    if (this.lostInfo) throw new GpuDeviceLostError(this.lostInfo.reason, this.lostInfo.message, operation);
  }

  /** Destroys the device (WebGPU `GPUDevice.destroy()`); the context counts as lost at once. Idempotent. */
  destroy(): void {
    this.lostInfo ??= { reason: 'destroyed', message: 'GpuContext.destroy() was called' };
    this.device.destroy();
  }
}

/** The `webgpu` package's name in a variable, so that bundlers for the browser leave it out. */
const NODE_WEBGPU_PACKAGE = 'webgpu';

/** `navigator.gpu`, or in Node the GPU of Dawn's `webgpu` package. */
async function defaultGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode()) throw new GpuUnavailableError('WebGPU is unavailable: this browser has no navigator.gpu (WebGPU is off, or the page is not a secure context)');
  let dawn: { create(flags: string[]): GPU };
  try {
    dawn = await import(/* @vite-ignore */ NODE_WEBGPU_PACKAGE);
  } catch (e) {
    throw new GpuUnavailableError(`WebGPU is unavailable: the \`webgpu\` package (Dawn for Node) cannot be loaded (${(e as Error).message}); install it with \`npm install webgpu\`. ${SOFTWARE_GPU_HINT}`);
  }
  return dawn.create([]);
}

/** The short name of an adapter: the software rasterizer's name, or vendor and architecture. */
function adapterLabel(info: Omit<GpuAdapterSummary, 'label'>): string {
  const software = SOFTWARE_ADAPTER.exec(`${info.architecture} ${info.device} ${info.description}`);
  if (software) return software[1]!.toLowerCase();
  return [info.vendor, info.architecture].filter(Boolean).join(' ') || info.description || 'unknown';
}

function summarize(info: GPUAdapterInfo | undefined): GpuAdapterSummary {
  const fields = { vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', device: info?.device ?? '', description: info?.description ?? '' };
  return { ...fields, label: adapterLabel(fields) };
}

/**
 * Acquires a WebGPU device for compute (WebGPU § Initialization: requestAdapter, requestDevice).
 * Requests 'timestamp-query' and 'shader-f16' where the adapter has them, the features of
 * `options.requiredFeatures` that it has, and the adapter's own values of the limits in `GpuLimits`
 * (the defaults are smaller: 128 MiB storage bindings, for one).
 * @throws GpuUnavailableError when there is no `navigator.gpu` nor `webgpu` package, when
 *   requestAdapter returns null, or when requestDevice fails; in Node the message says how to run on
 *   SwiftShader without a GPU
 */
export async function acquireGpu(options: AcquireGpuOptions = {}): Promise<GpuContext> {
  const gpu = options.gpu ?? await defaultGpu();
  const hint = isNode() ? ` ${SOFTWARE_GPU_HINT}` : '';
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
  } catch (e) {
    throw new GpuUnavailableError(`WebGPU is unavailable: requestAdapter() failed: ${(e as Error).message}.${hint}`);
  }
  if (!adapter) throw new GpuUnavailableError(`WebGPU is unavailable: requestAdapter() returned null (no GPU, or no driver for one).${hint}`);

  const asked = options.requiredFeatures ?? [];
  const requiredFeatures = [...new Set([...WANTED_FEATURES, ...asked])].filter((f) => adapter.features.has(f));
  const unavailableFeatures = asked.filter((f) => !adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) requiredLimits[name] = adapter.limits[name];

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  } catch (e) {
    throw new GpuUnavailableError(`WebGPU is unavailable: requestDevice() failed: ${(e as Error).message}.${hint}`);
  }
  const limits = Object.fromEntries(LIMIT_NAMES.map((name) => [name, device.limits[name]])) as unknown as GpuLimits;
  return new GpuContext(device, summarize(adapter.info), limits, new Set(device.features), unavailableFeatures, gpu);
}
