/**
 * Mutators (TVM MetaSchedule's Mutator: MutateTileSize, MutateUnroll, MutateComputeLocation): each
 * changes one decision of a decided trace and nothing else, so a mutant is another schedule of the
 * same space. A mutant whose changed decision makes a later sample_compute_at decision illegal is
 * repaired when it is replayed (replayRepairing in autotune/candidate.ts).
 */
import type { Instruction } from '../schedule/instruction.js';
import { type Sampler, primeFactors } from '../schedule/sampling.js';

export interface Mutator {
  readonly name: string;
  /** Relative probability of being chosen among the mutators that can change the trace. */
  readonly weight: number;
  /** Indices of the instructions of `trace` it can mutate. */
  targets(trace: readonly Instruction[]): number[];
  /** The new decision for instruction `i` of `trace`, or undefined when it found none. */
  mutate(i: Instruction, r: Sampler): unknown;
}

const draw = (n: number, r: Sampler) => Math.min(n - 1, Math.floor(r.random() * n));

/**
 * MutateTileSize: moves one prime factor of one level of a perfect tile to another level, keeping the
 * product and the innermost bound.
 */
export const mutateTileSize: Mutator = {
  name: 'tile-size',
  weight: 0.7,
  targets: (trace) => trace.flatMap((i, k) => (i.op === 'sample_perfect_tile' && i.decision && i.n > 1 && i.decision.some((f) => f > 1) ? [k] : [])),
  mutate(i, r) {
    if (i.op !== 'sample_perfect_tile' || !i.decision) return undefined;
    const f = [...i.decision];
    for (let attempt = 0; attempt < 16; attempt++) {
      const from = f.map((x, k) => (x > 1 ? k : -1)).filter((k) => k >= 0);
      const a = from[draw(from.length, r)]!;
      const primes = [...new Set(primeFactors(f[a]!))];
      const p = primes[draw(primes.length, r)]!;
      let b = draw(f.length - 1, r);
      if (b >= a) b++;
      if (b === f.length - 1 && f[b]! * p > i.maxInnermost) continue;
      f[a]! /= p;
      f[b]! *= p;
      return f;
    }
    return undefined;
  },
};

/** MutateUnroll, generalised: another candidate of a sample_categorical. */
export const mutateCategorical: Mutator = {
  name: 'categorical',
  weight: 0.1,
  targets: (trace) => trace.flatMap((i, k) => (i.op === 'sample_categorical' && i.candidates.length > 1 ? [k] : [])),
  mutate(i, r) {
    if (i.op !== 'sample_categorical') return undefined;
    const others = i.candidates.filter((c) => c !== i.decision);
    return others[draw(others.length, r)];
  },
};

/** MutateComputeLocation: another candidate location of a sample_compute_at (legality checked on replay). */
export const mutateComputeLocation: Mutator = {
  name: 'compute-location',
  weight: 0.2,
  targets: (trace) => trace.flatMap((i, k) => (i.op === 'sample_compute_at' && (i.candidates?.length ?? 2) > 1 ? [k] : [])),
  mutate(i, r) {
    if (i.op !== 'sample_compute_at' || !i.candidates) return undefined;
    const others = i.candidates.filter((c) => c !== i.decision);
    return others.length ? others[draw(others.length, r)] : undefined;
  },
};

export const MUTATORS: readonly Mutator[] = [mutateTileSize, mutateCategorical, mutateComputeLocation];

/**
 * One mutant of `trace`: a mutator drawn by weight among those with something to change, applied to
 * one of its targets drawn uniformly.
 * @returns the mutated trace (a copy), or undefined when no mutator could change it
 */
export function mutate(trace: readonly Instruction[], r: Sampler, mutators: readonly Mutator[] = MUTATORS): Instruction[] | undefined {
  const usable = mutators.map((m) => ({ m, targets: m.targets(trace) })).filter((x) => x.targets.length > 0);
  for (let attempt = 0; attempt < 4 && usable.length; attempt++) {
    const total = usable.reduce((a, x) => a + x.m.weight, 0);
    let pick = r.random() * total;
    const chosen = usable.find((x) => (pick -= x.m.weight) < 0) ?? usable[usable.length - 1]!;
    const k = chosen.targets[draw(chosen.targets.length, r)]!;
    const decision = chosen.m.mutate(trace[k]!, r);
    if (decision === undefined) continue;
    const out = [...trace];
    out[k] = { ...trace[k]!, decision } as Instruction;
    return out;
  }
  return undefined;
}
