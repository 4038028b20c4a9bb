/**
 * The WebGPU page: runs GPU programs compiled ahead of time in Node on the browser's own WebGPU
 * (navigator.gpu), with the runtime alone. Fetches gpu_cases.json and each input's raw bytes, runs
 * every case once with GpuKernel, times it once more, and sets window.__result to a GpuPageReport,
 * or to `{ error }` when anything fails.
 */
import { acquireGpu, type GpuAdapterSummary } from '../runtime/webgpu/device.js';
import { GpuKernel } from '../runtime/webgpu/gpu_kernel.js';
import type { GpuProgram } from '../runtime/webgpu/program.js';
import type { GpuTiming } from '../runtime/webgpu/timing.js';
import type { Tensor } from '../runtime/tensor.js';
import { storageArrayType, type StorageDType } from '../runtime/dtype.js';

/** One input of a case: its raw little-endian bytes are served as `file`. */
export interface GpuCaseInput {
  readonly name: string;
  readonly dtype: StorageDType;
  readonly shape: readonly number[];
  readonly file: string;
}

/** gpu_cases.json holds `{ cases: GpuCase[] }`. */
export interface GpuCase {
  readonly name: string;
  readonly program: GpuProgram;
  readonly inputs: readonly GpuCaseInput[];
}

/** An output as the page saw it: elements in row-major order (numbers survive JSON exactly). */
export interface GpuOutputReport {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: number[];
}

export interface GpuCaseReport {
  readonly name: string;
  readonly outputs: Readonly<Record<string, GpuOutputReport>>;
  readonly timing: GpuTiming;
}

export interface GpuPageReport {
  readonly secureContext: boolean;
  readonly adapter: GpuAdapterSummary;
  readonly features: readonly string[];
  readonly cases: readonly GpuCaseReport[];
}

async function fetchOk(url: URL): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return r;
}

async function loadInput(base: string, input: GpuCaseInput): Promise<Tensor> {
  const bytes = await (await fetchOk(new URL(input.file, base))).arrayBuffer();
  const T = storageArrayType(input.dtype);
  return { data: new T(bytes, 0, bytes.byteLength / T.BYTES_PER_ELEMENT), shape: input.shape };
}

async function runCases(base: string): Promise<GpuPageReport> {
  const { cases } = await (await fetchOk(new URL('gpu_cases.json', base))).json() as { cases: GpuCase[] };
  const ctx = await acquireGpu();
  try {
    const reports: GpuCaseReport[] = [];
    for (const c of cases) {
      const kernel = await GpuKernel.create(ctx, c.program);
      const inputs: Record<string, Tensor> = {};
      for (const input of c.inputs) inputs[input.name] = await loadInput(base, input);
      const got = await kernel.run(inputs);
      const outputs: Record<string, GpuOutputReport> = {};
      for (const a of c.program.args) {
        if (a.role === 'output') outputs[a.name] = { dtype: a.dtype, shape: got[a.name]!.shape, data: Array.from(got[a.name]!.data) };
      }
      const call = kernel.bind(inputs);
      let timing: GpuTiming;
      try { timing = await call.time(); } finally { call.destroy(); }
      reports.push({ name: c.name, outputs, timing });
    }
    return { secureContext: isSecureContext, adapter: ctx.adapterInfo, features: [...ctx.features].sort(), cases: reports };
  } finally {
    ctx.destroy();
  }
}

const page = globalThis as unknown as { __result?: unknown };
try {
  page.__result = await runCases(new URL('.', location.href).href);
} catch (e) {
  page.__result = { error: e instanceof Error ? e.stack ?? `${e.name}: ${e.message}` : String(e) };
}
