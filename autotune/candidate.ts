/**
 * Candidates of a design space: decided traces, drawn from the space or made by mutation, replayed
 * (with repair of decisions a mutation made illegal) and checked before anything is compiled.
 */
import type { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import type { Instruction } from '../schedule/instruction.js';
import type { Sampler } from '../schedule/sampling.js';
import type { Sizes } from '../schedule/extents.js';
import { failedCheck } from './checks.js';
import { type DesignSpace, type Sketch, pickSketch } from './space.js';

/** The decisions of a trace, as one string: equal keys mean the same schedule of a space. */
export function decisionKey(trace: readonly Instruction[]): string {
  return JSON.stringify(trace.flatMap((i) => (i.op.startsWith('sample_') ? [(i as { decision?: unknown }).decision ?? null] : [])));
}

/**
 * Replays a decided trace; a sampling instruction whose decision is no longer legal (a mutation of an
 * earlier decision moved the loops it referred to, or the sizes differ) is drawn again by `sampler`.
 * @returns the schedule; its trace holds the decisions actually used
 * @throws ScheduleError when an instruction other than a sampling one is refused
 */
export function replayRepairing(p: Pipeline, trace: readonly Instruction[], sizes: Sizes, sampler: Sampler): Schedule {
  const sch = new Schedule(p, { sizes, sampler });
  for (const i of trace) {
    try {
      sch.apply(i);
    } catch (e) {
      if (!(e instanceof ScheduleError) || e.code !== 'bad-decision' || !i.op.startsWith('sample_')) throw e;
      const { decision: _, ...undecided } = i as Instruction & { decision?: unknown };
      sch.apply(undecided as Instruction);
    }
  }
  return sch;
}

const undecided = (i: Instruction): string => {
  const { decision: _, ...x } = i as Instruction & { decision?: unknown };
  return JSON.stringify(x);
};

/** The sketch of `space` that `trace` is a schedule of (the same instructions, decisions aside), if any. */
export function sketchOf(space: DesignSpace, trace: readonly Instruction[]): Sketch | undefined {
  return space.sketches.find((sk) => sk.trace.length === trace.length && trace.every((i, k) => undecided(i) === undecided(sk.trace[k]!)));
}

/** Whether `trace` is a schedule of `space`: of one of its sketches, decisions aside. */
export function inSpace(space: DesignSpace, trace: readonly Instruction[]): boolean {
  return sketchOf(space, trace) !== undefined;
}

/** Why a trace is not a candidate, or undefined when it is one: its replay or a space check refuses it. */
export interface Refusal { readonly code: string; readonly reason: string }

/**
 * Replays `trace` (repairing) and runs the checks of its sketch of `space`.
 * @param space undefined: replay only, no checks (a record being read back for its features)
 * @returns the schedule, or why it is refused ('not-in-space' for a trace of no sketch of `space`)
 */
export function checkedSchedule(p: Pipeline, space: DesignSpace | undefined, trace: readonly Instruction[], sizes: Sizes, sampler: Sampler): { schedule: Schedule } | { refusal: Refusal } {
  const sketch = space && sketchOf(space, trace);
  if (space && !sketch) return { refusal: { code: 'not-in-space', reason: 'the trace is not a schedule of any sketch of the design space (its instructions differ, decisions aside)' } };
  let sch: Schedule;
  try {
    sch = replayRepairing(p, trace, sizes, sampler);
  } catch (e) {
    if (e instanceof ScheduleError) return { refusal: { code: e.code, reason: e.message } };
    throw e;
  }
  const failed = sketch ? failedCheck(sketch.checks, sch.trace) : undefined;
  return failed ? { refusal: { code: 'check', reason: failed } } : { schedule: sch };
}

/**
 * Draws schedules of `space` (each of a sketch drawn uniformly) until one passes its checks
 * (MetaSchedule's SampleInitPopulation).
 * @returns the decided trace, or undefined after `attempts` refused draws
 */
export function drawCandidate(p: Pipeline, space: DesignSpace, sizes: Sizes, sampler: Sampler, attempts = 64): Instruction[] | undefined {
  for (let k = 0; k < attempts; k++) {
    const r = checkedSchedule(p, space, pickSketch(space, sampler).trace, sizes, sampler);
    if ('schedule' in r) return [...r.schedule.trace];
  }
  return undefined;
}
