/**
 * Timing a kernel for `tessera bench`: calls it for a warm-up period (V8 first runs WebAssembly from
 * its baseline compiler and tiers up after a while), then times `runs` calls and reports their median.
 */

export interface Timing {
  /** Median of the timed calls, milliseconds. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly runs: number;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * @param call one call of the kernel (awaited when it returns a promise: WebGPU)
 * @param o warmUpMs: calls before timing, for at least this long (and at least one); runs: timed calls
 */
export async function timeCalls(call: () => unknown, o: { readonly warmUpMs: number; readonly runs: number }): Promise<Timing> {
  // A synchronous call is not awaited: a microtask per call would be timed with it.
  const once = async () => { const r = call(); if (r instanceof Promise) await r; };
  const end = performance.now() + o.warmUpMs;
  do await once(); while (performance.now() < end);
  const samples: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    const start = performance.now();
    const r = call();
    if (r instanceof Promise) await r;
    samples.push(performance.now() - start);
  }
  return { medianMs: median(samples), minMs: Math.min(...samples), runs: samples.length };
}
