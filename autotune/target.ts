/**
 * Tuning targets: what a tuning record was measured on, and the class of targets it applies to. A
 * schedule fast on one engine, thread count or GPU can be slow on another, so every record carries its
 * target and every query names one; a record is applied only within its class (TVM's database ignored
 * the target: tvm#15549).
 */
import { relaxedSimdSupported } from '../runtime/wasm_features.js';
import type { GpuContext } from '../runtime/webgpu/device.js';

export type TargetKind = 'wasm-simd' | 'webgpu';

export interface TuningTarget {
  readonly kind: TargetKind;
  /** The JavaScript engine's host: 'node', 'chromium', 'firefox', 'safari', or 'unknown'. */
  readonly engine: string;
  /** Its version ('20.20.2' for Node, the browser's version otherwise). */
  readonly engineVersion: string;
  /**
   * wasm-simd: the WebAssembly features the kernels use ('simd128', 'relaxed-simd' when multiply-adds
   * are fused, 'threads' when threads > 1); webgpu: the device features (timestamp-query, shader-f16).
   * Sorted.
   */
  readonly features: readonly string[];
  /** Threads a kernel runs on (1 for webgpu). */
  readonly threads: number;
  /** webgpu only: the adapter's label (runtime/webgpu/device.ts) and the device limits, by name. */
  readonly gpu?: { readonly adapter: string; readonly limits: Readonly<Record<string, number>> };
}

export class TargetError extends Error {
  override name = 'TargetError';
}

export interface TargetOptions {
  readonly kind: TargetKind;
  /** Threads of a wasm-simd kernel (default 1). */
  readonly threads?: number;
  /** How wasm-simd kernels compute a * b + c (codegen/wasm/module.ts): 'auto' (default) fuses where the engine can. */
  readonly fma?: 'auto' | 'relaxed' | 'none';
  /** The device of a webgpu target (default: `acquireGpu()` is left to the caller; required for webgpu). */
  readonly gpu?: GpuContext;
}

/** The engine running this code: Node's version, or the browser's from its user agent. */
export function currentEngine(): { engine: string; version: string } {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof proc?.versions?.node === 'string') return { engine: 'node', version: proc.versions.node };
  const ua = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? '';
  // Order matters: Chromium's agent string also names Safari, Firefox's does not name Chrome.
  const m = /\b(?:Chrome|Chromium|HeadlessChrome)\/([\d.]+)/.exec(ua);
  if (m) return { engine: 'chromium', version: m[1]! };
  const f = /\bFirefox\/([\d.]+)/.exec(ua);
  if (f) return { engine: 'firefox', version: f[1]! };
  const s = /\bVersion\/([\d.]+).*\bSafari\//.exec(ua);
  if (s) return { engine: 'safari', version: s[1]! };
  return { engine: 'unknown', version: ua || '0' };
}

function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) throw new TargetError(`threads must be a positive integer, got ${threads}`);
  return threads;
}

/**
 * The wasm-simd target of this engine, synchronously (what `compile(..., { records })` asks for).
 * @throws TargetError for a thread count that is not a positive integer, or fma 'relaxed' on an engine
 *   without relaxed SIMD
 */
export function wasmTarget(o: { threads?: number; fma?: 'auto' | 'relaxed' | 'none' } = {}): TuningTarget {
  const threads = checkThreads(o.threads ?? 1);
  const fma = o.fma ?? 'auto';
  if (fma === 'relaxed' && !relaxedSimdSupported()) throw new TargetError("fma 'relaxed' needs an engine with relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd)");
  const relaxed = fma === 'relaxed' || (fma === 'auto' && relaxedSimdSupported());
  const { engine, version } = currentEngine();
  const features = ['simd128', ...(relaxed ? ['relaxed-simd'] : []), ...(threads > 1 ? ['threads'] : [])].sort();
  return { kind: 'wasm-simd', engine, engineVersion: version, features, threads };
}

/** The webgpu target of a device: the engine, the device's features, the adapter's label and limits. */
export function gpuTarget(gpu: GpuContext): TuningTarget {
  const { engine, version } = currentEngine();
  const limits = Object.fromEntries(Object.entries(gpu.limits).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { kind: 'webgpu', engine, engineVersion: version, features: [...gpu.features].sort(), threads: 1, gpu: { adapter: gpu.adapterInfo.label, limits } };
}

/**
 * The target this engine (and, for webgpu, this device) offers.
 * @throws TargetError for a bad thread count, fma 'relaxed' without relaxed SIMD, or kind 'webgpu'
 *   without `gpu`, or an unknown kind
 */
export async function currentTarget(o: TargetOptions): Promise<TuningTarget> {
  if (o.kind === 'wasm-simd') return wasmTarget(o);
  if (o.kind === 'webgpu') {
    if (!o.gpu) throw new TargetError("a webgpu target needs its device: currentTarget({ kind: 'webgpu', gpu: await acquireGpu() })");
    if ((o.threads ?? 1) !== 1) throw new TargetError(`a webgpu target runs on the device; threads must be 1, got ${o.threads}`);
    return gpuTarget(o.gpu);
  }
  throw new TargetError(`unknown target kind ${JSON.stringify((o as { kind: unknown }).kind)}; one of wasm-simd, webgpu`);
}

const major = (version: string): string => /^\d+/.exec(version)?.[0] ?? version;

/**
 * The class of a target, as a string: records apply only within one class, which is the kind, the
 * engine and its major version, the features, the thread count and, for webgpu, the adapter and its
 * limits. Patch releases of an engine share a class; a new major version (a new V8, a new Dawn) does not.
 */
export function targetClass(t: TuningTarget): string {
  const parts = [t.kind, `${t.engine}@${major(t.engineVersion)}`, [...t.features].sort().join('+') || '-', `threads=${t.threads}`];
  if (t.gpu) {
    const limits = Object.entries(t.gpu.limits).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',');
    parts.push(`gpu=${t.gpu.adapter}`, limits);
  }
  return parts.join('|');
}

const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

/**
 * Checks a target read from a file.
 * @returns undefined when it is a TuningTarget, else what is wrong
 */
export function targetProblem(t: unknown): string | undefined {
  if (typeof t !== 'object' || t === null) return 'the target is not an object';
  const o = t as Record<string, unknown>;
  if (o.kind !== 'wasm-simd' && o.kind !== 'webgpu') return `target kind ${JSON.stringify(o.kind)} is not wasm-simd or webgpu`;
  if (typeof o.engine !== 'string' || typeof o.engineVersion !== 'string') return 'the target needs engine and engineVersion strings';
  if (!isStringArray(o.features)) return 'target features must be an array of strings';
  if (!Number.isInteger(o.threads) || (o.threads as number) < 1) return `target threads ${JSON.stringify(o.threads)} is not a positive integer`;
  if (o.kind === 'webgpu') {
    const g = o.gpu as { adapter?: unknown; limits?: unknown } | undefined;
    if (typeof g?.adapter !== 'string' || typeof g.limits !== 'object' || g.limits === null) return 'a webgpu target needs gpu.adapter and gpu.limits';
  }
  return undefined;
}
