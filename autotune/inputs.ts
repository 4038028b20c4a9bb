/**
 * The seeded random inputs every candidate of a workload is checked on: floats uniform in [-1, 1),
 * integers uniform over their dtype's whole range (so wrap-around and sign paths are exercised).
 * The same spec and seed give the same inputs on every engine (reference/random.ts).
 */
import { arrayTypeOf, intRange, isFloat, type DType, type TypedArray } from '../ir/dtype.js';
import { random, randomUint32 } from '../reference/random.js';
import { type WorkloadSpec, specShapes } from './workload.js';

export interface HostTensor { readonly data: TypedArray; readonly shape: readonly number[] }

/** Values of `n` elements of `dtype` drawn from a generator seeded with `seed`. */
export function seededArray(dtype: Exclude<DType, 'bool'>, n: number, seed: number): TypedArray {
  const data = new (arrayTypeOf(dtype))(n);
  if (isFloat(dtype)) {
    const next = random(seed);
    for (let i = 0; i < n; i++) data[i] = next();
    return data;
  }
  const next = randomUint32(seed);
  const [lo, hi] = intRange(dtype);
  const span = hi - lo + 1;
  // Typed arrays wrap what they store; drawing 32 bits and storing them is uniform for every width.
  for (let i = 0; i < n; i++) data[i] = span === 2 ** 32 ? next() : lo + (next() % span);
  return data;
}

/**
 * @returns a tensor per input of the spec, by name; input i is seeded with `seed + i`
 * @throws WorkloadError when a shape cannot be evaluated (autotune/workload.ts)
 */
export function seededInputs(spec: WorkloadSpec, seed: number): Record<string, HostTensor> {
  const shapes = specShapes(spec).inputs;
  return Object.fromEntries(spec.inputs.map((input, i) => {
    const shape = shapes[input.name]!;
    const n = shape.reduce((a, b) => a * b, 1);
    return [input.name, { data: seededArray(input.dtype as Exclude<DType, 'bool'>, n, seed + i), shape }];
  }));
}
