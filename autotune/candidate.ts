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
import type { DesignSpace } from './space.js';

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

/** Whether `trace` is a schedule of `space`: the same instructions, decisions aside. */
export function inSpace(space: DesignSpace, trace: readonly Instruction[]): boolean {
  if (trace.length !== space.trace.length) return false;
  return trace.every((i, k) => {
    const { decision: _a, ...x } = i as Instruction & { decision?: unknown };
    const { decision: _b, ...y } = space.trace[k] as Instruction & { decision?: unknown };
    return JSON.stringify(x) === JSON.stringify(y);
  });
}

/** Why a trace is not a candidate, or undefined when it is one: its replay or a space check refuses it. */
export interface Refusal { readonly code: string; readonly reason: string }

/**
 * Replays `trace` (repairing) and runs the space's checks.
 * @returns the schedule, or why it is refused
 */
export function checkedSchedule(p: Pipeline, space: DesignSpace, trace: readonly Instruction[], sizes: Sizes, sampler: Sampler): { schedule: Schedule } | { refusal: Refusal } {
  let sch: Schedule;
  try {
    sch = replayRepairing(p, trace, sizes, sampler);
  } catch (e) {
    if (e instanceof ScheduleError) return { refusal: { code: e.code, reason: e.message } };
    throw e;
  }
  let failed: string | undefined;
  try {
    failed = failedCheck(space.checks, sch.trace);
  } catch (e) {
    // A trace of another space (an older record, the default schedule) lacks the checks' samples.
    if (e instanceof ScheduleError && e.code === 'unknown-sample') return { refusal: { code: 'not-in-space', reason: e.message } };
    throw e;
  }
  return failed ? { refusal: { code: 'check', reason: failed } } : { schedule: sch };
}

/**
 * Draws schedules of `space` until one passes its checks (MetaSchedule's SampleInitPopulation).
 * @returns the decided trace, or undefined after `attempts` refused draws
 */
export function drawCandidate(p: Pipeline, space: DesignSpace, sizes: Sizes, sampler: Sampler, attempts = 64): Instruction[] | undefined {
  for (let k = 0; k < attempts; k++) {
    const r = checkedSchedule(p, space, space.trace, sizes, sampler);
    if ('schedule' in r) return [...r.schedule.trace];
  }
  return undefined;
}
