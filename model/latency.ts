/**
 * End-to-end latency of compiled models, measured side by side: every round runs each model once in
 * turn (A B A B ...), so that a slow phase of a shared machine falls on all of them alike; the result
 * is each model's median. The feeds are seeded: floats uniform in [-1, 1), other dtypes zero (a
 * model's integer inputs are often indices, which random values would put out of range).
 */
import { random } from '../reference/random.js';
import { modelArrayType, type ModelTensor } from '../runtime/model_tensors.js';
import { ArgumentError } from '../runtime/tensor.js';
import type { CompiledModel } from './compile_onnx.js';

/** Seeded feeds for every input of `m` (see the file's comment). */
export function seededFeeds(m: Pick<CompiledModel, 'inputs'>, seed = 1): Record<string, ModelTensor> {
  const next = random(seed);
  return Object.fromEntries(m.inputs.map((i) => {
    const n = i.shape.reduce((a, b) => a * b, 1);
    const data = new (modelArrayType(i.dtype))(n);
    if (data instanceof Float32Array || data instanceof Float64Array) for (let k = 0; k < n; k++) data[k] = next();
    return [i.name, { data, shape: [...i.shape], dtype: i.dtype }];
  }));
}

const median = (xs: readonly number[]) => { const s = [...xs].sort((a, b) => a - b); const h = s.length >> 1; return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2; };

/**
 * Seconds per inference of each model (wall clock, median of `rounds`, after one warm-up run each).
 * @param models models with the same inputs (the same network compiled two ways)
 * @throws ArgumentError for no models or rounds that is not a positive integer; what a run throws
 */
export async function sideBySideLatency(models: readonly CompiledModel[], rounds = 10, seed = 1): Promise<number[]> {
  if (models.length === 0) throw new ArgumentError('sideBySideLatency: no models');
  if (!Number.isInteger(rounds) || rounds < 1) throw new ArgumentError(`sideBySideLatency: rounds must be a positive integer, got ${rounds}`);
  const feeds = seededFeeds(models[0]!, seed);
  for (const m of models) await m.run(feeds);
  const times = models.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [k, m] of models.entries()) {
      const t0 = performance.now();
      await m.run(feeds);
      times[k]!.push((performance.now() - t0) / 1000);
    }
  }
  return times.map(median);
}
