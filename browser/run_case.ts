/**
 * Runs a kernel compiled in Node on a 2-thread pool in whatever browser context loads this (a page's
 * main thread or a Worker of it), using the runtime only: fetches kernel.wasm, case.json and
 * input.bin from `base`.
 */
import { WasmKernel } from '../runtime/wasm_kernel.js';
import { ThreadPool, type JoinKind } from '../runtime/thread_pool.js';
import type { KernelSignature } from '../runtime/signature.js';
import { storageArrayType, type StorageDType } from '../runtime/dtype.js';

/** case.json: the kernel's signature, its one input (raw little-endian bytes in input.bin) and the output to report. */
export interface KernelCase {
  readonly signature: KernelSignature;
  readonly input: { readonly name: string; readonly dtype: StorageDType; readonly shape: readonly number[] };
  readonly output: string;
}

/** What one run saw: the isolation, the pool, and the output's elements in row-major order. */
export interface RunReport {
  readonly crossOriginIsolated: boolean;
  readonly threads: number;
  readonly join: JoinKind;
  readonly output: number[];
}

async function fetchOk(url: URL): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return r;
}

/**
 * Instantiates the kernel (asynchronously: a page's main thread may not compile large modules
 * synchronously), loads it into a new 2-thread pool and runs it once.
 * @throws Error for a failed fetch; ThreadPoolError, KernelError, ArgumentError from the runtime
 */
export async function runCase(base: string): Promise<RunReport> {
  const [binary, kase, input] = await Promise.all([
    fetchOk(new URL('kernel.wasm', base)).then((r) => r.arrayBuffer()),
    fetchOk(new URL('case.json', base)).then((r) => r.json() as Promise<KernelCase>),
    fetchOk(new URL('input.bin', base)).then((r) => r.arrayBuffer()),
  ]);
  const kernel = await WasmKernel.instantiateAsync(new Uint8Array(binary), kase.signature);
  const pool = await ThreadPool.create(2);
  try {
    await kernel.useThreadPool(pool);
    const T = storageArrayType(kase.input.dtype);
    const data = new T(input, 0, input.byteLength / T.BYTES_PER_ELEMENT);
    const out = kernel.run({ [kase.input.name]: { data, shape: kase.input.shape } })[kase.output];
    if (!out) throw new Error(`the kernel has no output ${kase.output}`);
    return { crossOriginIsolated: globalThis.crossOriginIsolated, threads: pool.threads, join: pool.join, output: Array.from(out.data) };
  } finally {
    await pool.close();
  }
}
