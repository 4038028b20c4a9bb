/**
 * The math-function workloads of `npm run bench -- --only math`: exp and sigmoid over 2^20 f32
 * values uniform in [-10, 10] (activations' range), elementwise.
 *   tessera:           Tessera's own f32 approximation, inline f32x4 code (ir/math/);
 *   tessera host Math: the same stage computed in f64 through the host's Math.exp, one import call per
 *                      element (what every f32 exp compiled to before, and what f64 still does);
 * and the references the outputs are checked against (f64).
 */
import { compute, placeholder, pipeline, exp, sigmoid, type Pipeline, type Term } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';

export type MathWorkload = 'exp' | 'sigmoid';
export const MATH_WORKLOADS: readonly MathWorkload[] = ['exp', 'sigmoid'];
export const MATH_SIZE = 1 << 20;

const DSL: Record<MathWorkload, (x: Term) => Term> = { exp, sigmoid };

/** out(i) = fn(input(i)) over [MATH_SIZE]; with `hostMath`, computed in f64 (host Math calls) and rounded to f32. */
export function mathPipeline(fn: MathWorkload, hostMath = false): Pipeline {
  const input = placeholder('input', [MATH_SIZE], 'f32');
  const out = compute('out', [MATH_SIZE], (i) => (hostMath ? DSL[fn](input.at(i).cast('f64')).cast('f32') : DSL[fn](input.at(i))));
  return pipeline(out);
}

/** 8 lanes (two f32x4 per step), in chunks of 16384 elements that a `parallel('io')` spreads over threads. */
export function mathSchedule(p: Pipeline): Schedule {
  const sch = new Schedule(p);
  const out = sch.stage('out');
  out.split('i', 16384, { outer: 'io', inner: 'ii' });
  out.vectorize('ii', 8);
  return sch;
}

/** The exact values in f64. */
export function mathReference(fn: MathWorkload, x: Float32Array): Float64Array {
  return Float64Array.from(x, fn === 'exp' ? Math.exp : (v) => 1 / (1 + Math.exp(-v)));
}

/** The plain-JS peer: Math.exp per element into a Float32Array. */
export function mathJs(fn: MathWorkload, x: Float32Array, out: Float32Array): void {
  if (fn === 'exp') for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]!);
  else for (let i = 0; i < x.length; i++) out[i] = 1 / (1 + Math.exp(-x[i]!));
}

/**
 * Throws unless every element of `got` is within `rtol` * |exact| + `atol` of the exact value
 * (elementwise: exp spans eight orders of magnitude here, so an error relative to the largest value
 * would hide most). Tessera is held to rtol 1e-6 alone; the peers' sigmoids are accurate in absolute
 * terms only (onnxruntime's is 1.5e-4 off relative near sigmoid(-9.5)), so they get atol 1e-6.
 */
export function checkMath(what: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-6, atol = 0): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} elements, want ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!, g = got[i]!;
    if (!(Math.abs(g - w) <= rtol * Math.abs(w) + atol)) throw new Error(`${what}: element ${i} is ${g}, want ${w} (tolerance ${rtol} relative + ${atol})`);
  }
}
