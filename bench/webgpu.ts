/**
 * The WebGPU column of `npm run bench`: a device for the run, and the timing of one workload on it.
 * A workload is compiled with its GPU schedule against the device's limits, its output is checked
 * against the wasm result, and then single launches are timed by GpuKernel's timer (timestamp
 * queries around the compute pass where the device has them, the wall clock around submit otherwise),
 * on buffers bound once, so uploads and read-backs are not counted.
 *
 * Without a GPU the adapter is SwiftShader (Dawn on SwiftShader's Vulkan): the kernels then run in
 * software on the CPU, and the figures measure that path, not a GPU. The column's name says so.
 */
import { existsSync } from 'node:fs';
import { compileGpu, acquireGpu, type GpuContext, type Pipeline, type Schedule, type Tensor } from '../tessera.js';
import { GpuUnavailableError } from '../runtime/webgpu/errors.js';
import type { TimingMethod } from '../runtime/webgpu/timing.js';

/** Debian's chromium package ships SwiftShader's Vulkan driver here (scripts/test.mjs uses it too). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Adapter labels (device.ts) of implementations that run on the CPU. */
const SOFTWARE_LABEL = /^(swiftshader|llvmpipe|lavapipe|warp)$/;

export interface BenchGpu {
  readonly ctx: GpuContext;
  /** Whether the adapter is a software implementation running on the CPU (SwiftShader, llvmpipe, WARP). */
  readonly software: boolean;
  /** The adapter in words: vendor, architecture, device, description. */
  readonly adapter: string;
  /** The column's name in the table, the figures and the chart. */
  readonly column: string;
  /** What the figures measure, printed under the table and stored in bench.json. */
  readonly note: string;
}

function describe(ctx: GpuContext, fallback: boolean): BenchGpu {
  const a = ctx.adapterInfo;
  const software = SOFTWARE_LABEL.test(a.label);
  const adapter = [a.vendor, a.architecture, a.device, a.description && `(${a.description})`].filter(Boolean).join(' ');
  const how = fallback ? ` (no adapter from this machine's drivers; VK_ICD_FILENAMES set to ${SWIFTSHADER_ICD})` : '';
  const note = software
    ? `WebGPU adapter: ${adapter}${how}. This is ${a.label}, a SOFTWARE implementation: the WebGPU figures measure its path on this machine's CPU, NOT a GPU.`
    : `WebGPU adapter: ${adapter}.`;
  return { ctx, software, adapter, column: software ? `webgpu (${a.label}, CPU)` : `webgpu (${a.label})`, note };
}

/**
 * Acquires the bench's WebGPU device: the system's adapter, or, when there is none and
 * VK_ICD_FILENAMES is unset, SwiftShader's Vulkan from Debian's chromium package (the Vulkan loader
 * reads VK_ICD_FILENAMES each time Dawn creates an instance).
 * @returns the device and how to report it, or `{ unavailable }` saying why there is none
 * @throws what acquireGpu throws other than GpuUnavailableError
 */
export async function openBenchGpu(): Promise<BenchGpu | { readonly unavailable: string }> {
  try {
    return describe(await acquireGpu(), false);
  } catch (e) {
    if (!(e instanceof GpuUnavailableError)) throw e;
    if (process.env.VK_ICD_FILENAMES !== undefined || !existsSync(SWIFTSHADER_ICD)) return { unavailable: e.message };
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    try {
      return describe(await acquireGpu(), true);
    } catch (again) {
      if (!(again instanceof GpuUnavailableError)) throw again;
      return { unavailable: `${e.message} With VK_ICD_FILENAMES=${SWIFTSHADER_ICD}: ${again.message}` };
    }
  }
}

export interface GpuTimingOptions {
  /** Checks the outputs of one launch; throws to refuse the figure (called before any timing). */
  readonly check: (outputs: Record<string, Tensor>) => void;
  /** Timed launches at least (default 7) ... */
  readonly minSamples?: number;
  /** ... and more until they add up to this many milliseconds (default 500) ... */
  readonly minTotalMs?: number;
  /** ... but no more once 3 have been timed and this many milliseconds of wall clock spent (default 10 s). */
  readonly budgetMs?: number;
}

export interface GpuBenchTiming {
  /** Median milliseconds of one launch of every kernel of the program. */
  readonly ms: number;
  /** How the launches were timed (one method, or several joined by ' + ' when some samples fell back). */
  readonly method: string;
  readonly samples: number;
}

/**
 * Compiles `pipeline` with `schedule` for `gpu`, binds `inputs` once, runs one launch and `check`s
 * its outputs, then times single launches and takes the median.
 * @returns the median in milliseconds, the timing method and the number of samples
 * @throws ScheduleError / CodegenError / WgslCompileError from compiling; GpuKernelError,
 *   ArgumentError from binding; whatever `check` throws
 */
export async function timeGpuWorkload(gpu: BenchGpu, pipeline: Pipeline, schedule: Schedule, inputs: Readonly<Record<string, Tensor>>,
  { check, minSamples = 7, minTotalMs = 500, budgetMs = 10_000 }: GpuTimingOptions): Promise<GpuBenchTiming> {
  const f = await compileGpu(pipeline, schedule, { context: gpu.ctx });
  const call = f.kernel.bind(inputs);
  try {
    await call.run();   // also the warm-up: shaders compiled, buffers touched
    check(await call.read());
    const samples: number[] = [];
    const methods = new Set<TimingMethod>();
    const start = performance.now();
    let total = 0;
    while (samples.length < minSamples || total < minTotalMs) {
      if (samples.length >= 3 && performance.now() - start > budgetMs) break;
      const t = await call.time();
      samples.push(t.ms);
      methods.add(t.method);
      total += t.ms;
    }
    samples.sort((a, b) => a - b);
    const mid = samples.length >> 1;
    const ms = samples.length % 2 ? samples[mid]! : (samples[mid - 1]! + samples[mid]!) / 2;
    return { ms, method: [...methods].join(' + '), samples: samples.length };
  } finally {
    call.destroy();
  }
}
