/**
 * The examples' `--target webgpu`: compile a pipeline with its GPU schedule, run it once for its
 * outputs, then time the kernels alone (median of several launches, inputs already on the device).
 * Each example checks the outputs against its own reference and reports the time in its own units.
 */
import { acquireGpu, compileGpu, type Pipeline, type Schedule, type Tensor } from '../tessera.js';

/** Adapter labels (GpuContext.adapterInfo.label) of rasterizers that run on the CPU. */
const SOFTWARE_ADAPTERS = new Set(['swiftshader', 'llvmpipe', 'lavapipe', 'warp']);

export interface WebGpuRun {
  readonly outputs: Record<string, Tensor>;
  /** Median of the timed launches, in milliseconds. */
  readonly medianMs: number;
  /** How the time was taken and on what, e.g. "median of 9 launches, timestamp-query, on swiftshader (...)". */
  readonly how: string;
}

export interface WebGpuRunOptions {
  /** Print the GPU loop nest and each kernel's WGSL. */
  readonly showIr?: boolean;
  /** Timed launches (after the untimed one that gives the outputs); fewer once TIMING_BUDGET_MS is spent. */
  readonly runs?: number;
}

/** Timing stops after this many milliseconds of launches (after one at least): software adapters are slow. */
const TIMING_BUDGET_MS = 10_000;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Prints the schedule as code, compiles for WebGPU (printing the WGSL with `showIr`), runs once for the
 * outputs, then times up to `runs` launches with `kernel.bind(inputs).time()`. The device is released
 * before it returns.
 */
export async function runOnWebGpu(p: Pipeline, schedule: Schedule, inputs: Readonly<Record<string, Tensor>>,
  { showIr = false, runs = 9 }: WebGpuRunOptions = {}): Promise<WebGpuRun> {
  console.log(`schedule (webgpu):\n${schedule.toCode()}\n`);
  const ctx = await acquireGpu();
  try {
    const compileStart = performance.now();
    const f = await compileGpu(p, schedule, { context: ctx });
    const kernels = f.program.kernels;
    console.log(`compiled: ${(performance.now() - compileStart).toFixed(0)} ms, ${kernels.length} WGSL kernel${kernels.length === 1 ? '' : 's'}`
      + ` (workgroup ${kernels.map((k) => k.workgroupSize.join('x')).join(', ')})`);
    for (const note of f.notes) console.log(`  note: ${note}`);
    if (showIr) {
      console.log(f.loweredText);
      for (const k of kernels) console.log(`// WGSL of kernel ${k.name}\n${k.wgsl}`);
    }
    const call = f.kernel.bind(inputs);
    try {
      await call.run();
      const outputs = await call.read();
      const timings = [];
      const end = performance.now() + TIMING_BUDGET_MS;
      while (timings.length < runs && (timings.length === 0 || performance.now() < end)) timings.push(await call.time());
      const methods = [...new Set(timings.map((t) => t.method))].join(', ');
      const label = ctx.adapterInfo.label;
      const adapter = SOFTWARE_ADAPTERS.has(label) ? `${label}, a software rasterizer on the CPU, not a GPU` : label;
      return { outputs, medianMs: median(timings.map((t) => t.ms)), how: `median of ${timings.length} launch${timings.length === 1 ? '' : 'es'}, ${methods}, on ${adapter}` };
    } finally {
      call.destroy();
    }
  } finally {
    ctx.destroy();
  }
}
