/**
 * The device limits GPU schedules are checked against. Until a device is known (at schedule time),
 * WebGPU's default limits, which every adapter supports (WebGPU spec §3.6.2 "Limits").
 */
import type { GpuLimits as DeviceLimits } from '../runtime/webgpu/device.js';

/** The device limits the compiler checks a GPU schedule against (a subset of the runtime's). */
export type GpuLimits = Pick<DeviceLimits,
  | 'maxComputeInvocationsPerWorkgroup' | 'maxComputeWorkgroupSizeX' | 'maxComputeWorkgroupSizeY' | 'maxComputeWorkgroupSizeZ'
  | 'maxComputeWorkgroupStorageSize' | 'maxComputeWorkgroupsPerDimension' | 'maxStorageBuffersPerShaderStage'>;

export const DEFAULT_GPU_LIMITS: GpuLimits = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupSizeZ: 64,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBuffersPerShaderStage: 8,
};

/** Grid dimensions in the order loops bind them, innermost loop first. */
export const GPU_DIMS = ['x', 'y', 'z'] as const;

/** The workgroup-size limit of dimension `d` (0 = x). */
export function workgroupSizeLimit(limits: GpuLimits, d: number): number {
  return [limits.maxComputeWorkgroupSizeX, limits.maxComputeWorkgroupSizeY, limits.maxComputeWorkgroupSizeZ][d]!;
}
