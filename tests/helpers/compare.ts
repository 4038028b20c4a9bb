/**
 * Runs a compiled pipeline and compares its outputs with the definition-level reference evaluator
 * (reference/evaluate.ts), which never sees a schedule, lowering or code generation.
 *
 * Comparison rules:
 *  - integer outputs must be BIT-EXACT (integer arithmetic is exact and wraps the same everywhere);
 *  - float outputs must satisfy |got - want| <= FLOAT_RTOL * max(1, |want|) with FLOAT_RTOL = 1e-4
 *    (both NaN counts as equal). Schedules may legally change float rounding: rfactor and reordered
 *    or split reductions reassociate sums. The test inputs are in [-1, 1] (matmul, conv) or
 *    [-100, 100] (blur), and the reductions are at most 27 terms long, so reassociation error is far
 *    below this bound while any wrong element (a missed tail, a wrong index) is far above it.
 */
import type { ExecutionContext } from 'ava';
import { compile, type CompiledPipeline, type Target, type CompileOptions } from '../../tessera.js';
import { evaluate } from '../../reference/evaluate.js';
import { Schedule } from '../../schedule/schedule.js';
import type { Tensor } from '../../runtime/tensor.js';
import type { TypedArray } from '../../ir/dtype.js';
import type { TestPipeline } from './pipelines.js';

export const FLOAT_RTOL = 1e-4;
export const TARGETS: readonly Target[] = ['wasm-simd', 'interp'];

/** Whether `got` is acceptably close to `want` under the rules above. */
export function close(got: number, want: number, float: boolean): boolean {
  if (!float) return Object.is(got, want) || (got === 0 && want === 0);
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (got === want) return true;
  return Math.abs(got - want) <= FLOAT_RTOL * Math.max(1, Math.abs(want));
}

/** Row-major coordinates of flat index `i` in `shape`. */
function coords(i: number, shape: readonly number[]): number[] {
  const out: number[] = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return out;
}

/**
 * Compares two arrays of the same output.
 * @returns undefined when they match, else a description of the first mismatch (flat index,
 *   coordinates, both values) and the number of mismatching elements
 */
export function diffArrays(name: string, got: TypedArray, want: TypedArray, shape: readonly number[], float: boolean): string | undefined {
  if (got.constructor !== want.constructor) return `${name}: got a ${got.constructor.name}, the reference gives a ${want.constructor.name}`;
  if (got.length !== want.length) return `${name}: got ${got.length} elements, the reference has ${want.length}`;
  let first = -1, count = 0;
  for (let i = 0; i < want.length; i++) {
    if (!close(got[i]!, want[i]!, float)) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return undefined;
  const rule = float ? ` (tolerance ${FLOAT_RTOL} relative)` : ' (bit-exact)';
  return `${name}: ${count} of ${want.length} elements differ${rule}; first at flat index ${first}, coordinates (${coords(first, shape).join(', ')}): got ${got[first]}, want ${want[first]}`;
}

const referenceCache = new WeakMap<TestPipeline, Map<number, Record<string, { data: TypedArray; shape: number[] }>>>();

/** The reference outputs of `tp` on the inputs of `seed` (memoised per pipeline object and seed). */
export function reference(tp: TestPipeline, seed = 1): Record<string, { data: TypedArray; shape: number[] }> {
  let bySeed = referenceCache.get(tp);
  if (!bySeed) referenceCache.set(tp, bySeed = new Map());
  let r = bySeed.get(seed);
  if (!r) bySeed.set(seed, r = evaluate(tp.pipeline, tp.inputs(seed), tp.sizes));
  return r;
}

/** Runs `f` on the inputs of `seed` and compares every output with the reference. */
export function checkCompiled(tp: TestPipeline, f: CompiledPipeline, seed = 1): string | undefined {
  const want = reference(tp, seed);
  const got = f(tp.inputs(seed));
  const problems: string[] = [];
  for (const name of tp.outputs) {
    const g = got[name];
    if (!g) { problems.push(`${name}: missing from the outputs`); continue; }
    const w = want[name]!;
    if (g.shape.join(',') !== w.shape.join(',')) { problems.push(`${name}: shape [${g.shape.join(', ')}], want [${w.shape.join(', ')}]`); continue; }
    const d = diffArrays(name, g.data, w.data, w.shape, tp.float);
    if (d) problems.push(d);
  }
  return problems.length ? `[${f.target}] ${problems.join('; ')}` : undefined;
}

export interface CheckOptions extends CompileOptions {
  readonly targets?: readonly Target[];
  readonly seed?: number;
}

/**
 * Compiles `tp` with `sch` for each target and compares with the reference.
 * @returns undefined when every target matches, else the mismatches with the schedule's code
 * @throws whatever compile or the kernel throws (the caller decides which errors are acceptable)
 */
export function checkSchedule(tp: TestPipeline, sch: Schedule | undefined, o: CheckOptions = {}): string | undefined {
  const problems: string[] = [];
  for (const target of o.targets ?? TARGETS) {
    const f = compile(tp.pipeline, sch, { ...o, target });
    const d = checkCompiled(tp, f, o.seed ?? 1);
    if (d) problems.push(d);
  }
  if (!problems.length) return undefined;
  return `${tp.name} ${JSON.stringify(tp.sizes)}: ${problems.join('\n')}\nschedule:\n${sch?.toCode() || '(default schedule)'}`;
}

/** ava assertion: `sch` on `tp` matches the reference on every target. */
export function assertMatches(t: ExecutionContext, tp: TestPipeline, sch: Schedule | undefined, o: CheckOptions = {}): void {
  const d = checkSchedule(tp, sch, o);
  t.is(d, undefined, d);
}

/** Compiles and runs once, returning the outputs (for tests that inspect them directly). */
export function run(tp: TestPipeline, sch: Schedule | undefined, target: Target, seed = 1): Record<string, Tensor> {
  return compile(tp.pipeline, sch, { target })(tp.inputs(seed));
}

/** Builds a schedule of `tp` with `f` and checks it on both targets against the reference. */
export function checkWith(t: ExecutionContext, tp: TestPipeline, f: (sch: Schedule) => void): Schedule {
  const sch = new Schedule(tp.pipeline);
  f(sch);
  assertMatches(t, tp, sch);
  return sch;
}
