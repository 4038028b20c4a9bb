/**
 * Transfer of schedules between workloads of one stage structure (the same layer type at other
 * shapes): the best records of the most similar workloads already tuned, their decisions replayed
 * onto the new workload's design space, seed its search's first population, so that a second model
 * starts where the first ended (Ansor's and MetaSchedule's databases seed a task only from its own
 * workload; TVM's transfer learning, Chen et al. 2018 §5.3, carries the cost model over instead).
 *
 * Two workloads have one stage structure when a record's trace is a schedule of the new space
 * (autotune/candidate.ts inSpace: the same instructions, decisions aside) once its stages are
 * renamed: stages are named after their ops (`conv0_relu1`, `conv0_clip1`), so a Conv+Relu layer of
 * one model and a Conv+Clip layer of another, whose spaces are the same instructions on other stage
 * names, are of one structure (stageRenaming). Their distance is the sum
 * over the tiled loops of |log(extent there / extent here)|, the extents read off the perfect-tile
 * decisions (their factors multiply to the loop's extent). A decision is carried over adapted: a
 * perfect tile keeps each factor, innermost first, as far as it divides what is left of the new
 * extent (gcd), and the outermost level takes the rest; a categorical or a compute location is
 * kept when it is still a candidate. What is still illegal is drawn again (replayRepairing), and
 * the search checks every seed like any candidate.
 */
import type { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import type { Instruction, SamplingInstruction } from '../schedule/instruction.js';
import type { Sampler } from '../schedule/sampling.js';
import { viewSchedule } from '../schedule/view.js';
import type { DesignSpace } from './space.js';
import { drawCandidate, inSpace, sketchOf } from './candidate.js';
import type { TuningRecord } from './database.js';

/** A transferred seed: the adapted trace and the record it came from. */
export interface TransferSeed {
  readonly trace: readonly Instruction[];
  readonly from: TuningRecord;
  /** The distance of the record's workload to the new one (0: same extents). */
  readonly distance: number;
}

export interface TransferOptions {
  /** Most seeds (default 8). */
  readonly count?: number;
  /** Best records taken from each similar workload (default 2). */
  readonly perWorkload?: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * A perfect tile of `extent` in `n` levels as close to `factors` as divisibility allows (see the
 * file's comment), or undefined when the extent is unknown.
 */
export function adaptTile(factors: readonly number[], extent: number | undefined, maxInnermost: number): number[] | undefined {
  if (extent === undefined || !Number.isInteger(extent) || extent < 1) return undefined;
  const out = new Array<number>(factors.length).fill(1);
  let left = extent;
  for (let k = factors.length - 1; k >= 1; k--) {
    const f = k === factors.length - 1 ? largestDivisorAtMost(gcd(factors[k]!, left), maxInnermost) : gcd(factors[k]!, left);
    out[k] = f;
    left /= f;
  }
  out[0] = left;
  return out;
}

function largestDivisorAtMost(n: number, limit: number): number {
  for (let d = Math.min(n, limit); d >= 1; d--) if (n % d === 0) return d;
  return 1;
}

/** The extents a decided trace's perfect tiles cover, by sample name. */
function tileExtents(trace: readonly Instruction[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of trace) if (i.op === 'sample_perfect_tile' && i.decision) out.set(i.name, i.decision.reduce((a, b) => a * b, 1));
  return out;
}

/**
 * The renaming of `donor`'s stages under which it is a schedule of `space` (instruction k of the
 * donor on the stage of instruction k of a sketch, one to one, and then the same instructions,
 * decisions aside), and the renamed trace; undefined when there is none. A stage's name is renamed
 * wherever it is referred to: as a stage, as the stage part of 'stage.loop' (locations), and as
 * the prefix of a name derived from it (`conv0_relu1_local`).
 */
export function stageRenaming(space: DesignSpace, donor: readonly Instruction[]): { readonly renaming: ReadonlyMap<string, string>; readonly trace: Instruction[] } | undefined {
  for (const sk of space.sketches) {
    if (sk.trace.length !== donor.length) continue;
    const renaming = new Map<string, string>();
    const taken = new Map<string, string>();
    const consistent = donor.every((i, k) => {
      const j = sk.trace[k]!;
      if (i.op !== j.op) return false;
      const to = renaming.get(i.stage), from = taken.get(j.stage);
      if ((to !== undefined && to !== j.stage) || (from !== undefined && from !== i.stage)) return false;
      renaming.set(i.stage, j.stage);
      taken.set(j.stage, i.stage);
      return true;
    });
    if (!consistent) continue;
    const trace = renameStages(donor, renaming);
    if (sketchOf(space, trace) === sk) return { renaming, trace };
  }
  return undefined;
}

function renameStages(trace: readonly Instruction[], renaming: ReadonlyMap<string, string>): Instruction[] {
  const longestFirst = [...renaming.keys()].sort((a, b) => b.length - a.length);
  const rename = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const from = longestFirst.find((d) => v === d || v.startsWith(`${d}.`) || v.startsWith(`${d}_`));
      return from === undefined ? v : renaming.get(from)! + v.slice(from.length);
    }
    if (Array.isArray(v)) return v.map(rename);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rename(x)]));
    return v;
  };
  return trace.map((i) => rename(i) as Instruction);
}

const sampleKey = (i: SamplingInstruction): string => (i.op === 'sample_compute_at' ? `compute_at ${i.stage}` : i.name);

/**
 * Replays the donor's sketch of the space (the first sketch for a donor of none) on `p` with the
 * donor's decisions, adapted by sample name (see the file's comment).
 * @returns the decided trace
 * @throws ScheduleError when an instruction other than a sampling one is refused (a donor of another space)
 */
export function transferTrace(p: Pipeline, space: DesignSpace, donor: readonly Instruction[], sampler: Sampler): Instruction[] {
  const decisions = new Map<string, unknown>();
  for (const i of donor) if (i.op.startsWith('sample_')) decisions.set(sampleKey(i as SamplingInstruction), (i as { decision?: unknown }).decision);
  const sch = new Schedule(p, { sizes: {}, sampler });
  for (const i of (sketchOf(space, donor) ?? space.sketches[0]!).trace) {
    if (!i.op.startsWith('sample_')) { sch.apply(i); continue; }
    const s = i as SamplingInstruction;
    const { decision: _, ...undecided } = s as SamplingInstruction & { decision?: unknown };
    let decision = decisions.get(sampleKey(s));
    if (s.op === 'sample_perfect_tile' && Array.isArray(decision) && decision.length === s.n) {
      const extent = viewSchedule(sch).stage(s.stage)?.loops.find((l) => l.name === s.axis)?.extent;
      decision = adaptTile(decision as number[], extent, s.maxInnermost);
    }
    try {
      sch.apply((decision === undefined ? undecided : { ...undecided, decision }) as Instruction);
    } catch (e) {
      if (!(e instanceof ScheduleError) || e.code !== 'bad-decision') throw e;
      sch.apply(undecided as Instruction);
    }
  }
  return [...sch.trace];
}

/**
 * Seeds for a new workload's search from the records of other workloads of the same stage structure
 * (see the file's comment), nearest workloads first, each workload's fastest records first.
 * @param records ok records of the target class, of any workloads (those of `workloadKey` are left out)
 * @returns at most `count` seeds, each a decided trace of `space` (not yet checked against its checks)
 */
export function transferSeeds(p: Pipeline, space: DesignSpace, workloadKey: string, records: readonly TuningRecord[], sampler: Sampler, o: TransferOptions = {}): TransferSeed[] {
  const count = o.count ?? 8, perWorkload = o.perWorkload ?? 2;
  const byWorkload = new Map<string, { record: TuningRecord; trace: readonly Instruction[] }[]>();
  for (const r of records) {
    if (r.workload === workloadKey || r.result.status !== 'ok') continue;
    const trace = inSpace(space, r.trace) ? r.trace : stageRenaming(space, r.trace)?.trace;
    if (trace) byWorkload.set(r.workload, [...(byWorkload.get(r.workload) ?? []), { record: r, trace }]);
  }
  if (byWorkload.size === 0 || count < 1) return [];
  const sample = drawCandidate(p, space, {}, sampler);
  const here = sample ? tileExtents(sample) : new Map<string, number>();
  const distance = (trace: readonly Instruction[]) => {
    let d = 0;
    for (const [name, e] of tileExtents(trace)) { const h = here.get(name); if (h) d += Math.abs(Math.log(e / h)); }
    return d;
  };
  const ranked = [...byWorkload.values()].map((rs) => ({ rs: rs.sort((a, b) => a.record.result.seconds! - b.record.result.seconds!), d: distance(rs[0]!.trace) }))
    .sort((a, b) => a.d - b.d);
  const seeds: TransferSeed[] = [];
  for (const { rs, d } of ranked) {
    for (const { record, trace } of rs.slice(0, perWorkload)) {
      if (seeds.length >= count) return seeds;
      try {
        seeds.push({ trace: transferTrace(p, space, trace, sampler), from: record, distance: d });
      } catch (e) {
        if (!(e instanceof ScheduleError)) throw e;
      }
    }
  }
  return seeds;
}
