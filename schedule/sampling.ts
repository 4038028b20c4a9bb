/**
 * Sampling instructions (TVM MetaSchedule's sampling primitives, src/tir/schedule/primitive/
 * sampling.cc): the search space lives inside the schedule language. A sampling instruction either
 * carries its decision (replay checks and applies it) or is drawn by the schedule's sampler (the
 * decision is then recorded in the trace). Decisions are kept by name, so that later instructions
 * can refer to them (`{ sampled: name }` factors).
 */
import { ScheduleError } from './error.js';
import type { Factor, Instruction, SampledRef } from './instruction.js';

/** A source of uniform random numbers in [0, 1) for undecided sampling instructions. */
export interface Sampler { random(): number }

/** The decided value of one sampling instruction. */
export type SampleValue =
  | { readonly kind: 'tile'; readonly factors: readonly number[] }
  | { readonly kind: 'categorical'; readonly value: number | string };

/** The divisors of n (n >= 1), ascending. */
export function divisors(n: number): number[] {
  const small: number[] = [], large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d) continue;
    small.push(d);
    if (d * d !== n) large.unshift(n / d);
  }
  return [...small, ...large];
}

/** The prime factors of n (n >= 1) with multiplicity, ascending. */
export function primeFactors(n: number): number[] {
  const out: number[] = [];
  for (let p = 2; p * p <= n; p++) while (n % p === 0) { out.push(p); n /= p; }
  if (n > 1) out.push(n);
  return out;
}

const pick = <T>(xs: readonly T[], r: Sampler): T => xs[Math.min(xs.length - 1, Math.floor(r.random() * xs.length))]!;

/**
 * Draws `n` factors whose product is `extent`, the innermost at most `maxInnermost` (MetaSchedule's
 * SamplePerfectTile): the innermost uniformly among the divisors of `extent` up to `maxInnermost`,
 * then each prime factor of the rest to a uniformly drawn one of the other positions.
 * @param extent a positive integer
 * @param n how many factors (at least 1)
 * @param maxInnermost the largest innermost factor (at least 1)
 * @returns the factors, outermost first
 */
export function drawPerfectTile(extent: number, n: number, maxInnermost: number, r: Sampler): number[] {
  const factors = new Array<number>(n).fill(1);
  const inner = pick(divisors(extent).filter((d) => d <= maxInnermost), r);
  factors[n - 1] = inner;
  if (n === 1) return [extent];
  for (const p of primeFactors(extent / inner)) factors[Math.floor(r.random() * (n - 1))]! *= p;
  return factors;
}

/**
 * Checks a perfect-tile decision.
 * @param extent the loop's extent, or undefined when it is not known here (replay without sizes):
 *   then only the shape of the decision is checked
 * @throws ScheduleError 'bad-decision' unless `decision` is `n` positive integers, the innermost at
 *   most `maxInnermost`, with the product `extent`
 */
export function checkTileDecision(stage: string, axis: string, decision: unknown, n: number, maxInnermost: number, extent: number | undefined): number[] {
  const what = `sample_perfect_tile(${axis}, ${n}, ${maxInnermost})`;
  if (!Array.isArray(decision) || decision.length !== n || !decision.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new ScheduleError('bad-decision', stage, axis, `${what}: the decision ${JSON.stringify(decision)} is not ${n} positive integers`);
  }
  if (decision[n - 1] > maxInnermost) {
    throw new ScheduleError('bad-decision', stage, axis, `${what}: the innermost factor ${decision[n - 1]} of ${JSON.stringify(decision)} is over ${maxInnermost}`);
  }
  const product = (decision as number[]).reduce((a, b) => a * b, 1);
  if (extent !== undefined && product !== extent) {
    throw new ScheduleError('bad-decision', stage, axis, `${what}: the factors ${JSON.stringify(decision)} multiply to ${product}, not to the extent ${extent}`);
  }
  return decision as number[];
}

/**
 * Checks a categorical decision: one of the candidates.
 * @throws ScheduleError 'bad-decision' otherwise (listing the candidates)
 */
export function checkChoice<T extends number | string>(stage: string, what: string, decision: unknown, candidates: readonly T[]): T {
  if (!candidates.includes(decision as T)) {
    throw new ScheduleError('bad-decision', stage, undefined, `${what}: the decision ${JSON.stringify(decision)} is not one of the candidates`, candidates.map((c) => JSON.stringify(c)));
  }
  return decision as T;
}

/** Draws one of `candidates` uniformly. */
export const drawChoice = <T>(candidates: readonly T[], r: Sampler): T => pick(candidates, r);

/**
 * The number a factor stands for.
 * @throws ScheduleError 'unknown-sample' for a reference to a sample no earlier instruction made, to
 *   factors a tile does not have, or to a categorical value that is not a positive integer
 */
export function resolveFactor(samples: ReadonlyMap<string, SampleValue>, f: Factor, stage: string, axis: string): number {
  if (typeof f === 'number') return f;
  const ref = f as SampledRef;
  const v = samples.get(ref.sampled);
  if (!v) throw new ScheduleError('unknown-sample', stage, axis, `the factor refers to the sample ${JSON.stringify(ref.sampled)}, which no earlier instruction made`, [...samples.keys()]);
  if (v.kind === 'categorical') {
    if (typeof v.value !== 'number') throw new ScheduleError('unknown-sample', stage, axis, `the factor refers to the categorical sample ${ref.sampled}, whose value ${JSON.stringify(v.value)} is not a number`);
    return v.value;
  }
  const from = ref.from ?? 0, to = ref.to ?? v.factors.length;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > v.factors.length || from >= to) {
    throw new ScheduleError('unknown-sample', stage, axis, `the factor refers to factors [${from}, ${to}) of the tile ${ref.sampled}, which has ${v.factors.length}`);
  }
  return v.factors.slice(from, to).reduce((a, b) => a * b, 1);
}

/**
 * The schedule a decided trace stands for, without sampling instructions: factors resolved to
 * numbers, sample_compute_at replaced by the compute_at / compute_root / compute_inline it decided.
 * Replaying it gives the same schedule; printed (instructionToCode) it is the schedule as plain code.
 * @throws ScheduleError 'undecided' for a sampling instruction without a decision; 'unknown-sample'
 */
export function resolveTrace(trace: readonly Instruction[]): Instruction[] {
  const samples = new Map<string, SampleValue>();
  const out: Instruction[] = [];
  const undecided = (i: Instruction) => new ScheduleError('undecided', i.stage, undefined, `${i.op} has no decision: only a decided trace resolves to a schedule`);
  for (const i of trace) {
    const r = (x: Factor, axis: string) => resolveFactor(samples, x, i.stage, axis);
    switch (i.op) {
      case 'sample_perfect_tile':
        if (!i.decision) throw undecided(i);
        samples.set(i.name, { kind: 'tile', factors: i.decision });
        break;
      case 'sample_categorical':
        if (i.decision === undefined) throw undecided(i);
        samples.set(i.name, { kind: 'categorical', value: i.decision });
        break;
      case 'sample_compute_at': {
        const d = i.decision;
        if (d === undefined) throw undecided(i);
        const dot = d.indexOf('.');
        out.push(d === 'root' ? { op: 'compute_root', stage: i.stage } : d === 'inline' ? { op: 'compute_inline', stage: i.stage }
          : { op: 'compute_at', stage: i.stage, at: d.slice(0, dot), axis: d.slice(dot + 1) });
        break;
      }
      case 'split': out.push({ ...i, factor: r(i.factor, i.axis) }); break;
      case 'tile': case 'gpu_tile': out.push({ ...i, factors: [r(i.factors[0], i.axes[0]), r(i.factors[1], i.axes[1])] }); break;
      case 'vectorize': case 'unroll': out.push(i.factor === undefined ? { ...i } : { ...i, factor: r(i.factor, i.axis) }); break;
      default: out.push(structuredClone(i));
    }
  }
  return out;
}
