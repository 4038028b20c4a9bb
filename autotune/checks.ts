/**
 * Checks that every schedule of a design space must pass before it is compiled (MetaSchedule's
 * postprocessors that verify, e.g. VerifyGPUCode; Ansor's pruning of invalid states). A rule that
 * builds a register tile knows how many vectors it keeps live, in terms of its samples; it states that
 * as a check over the decisions, so the validator stays generic: a check is a sum of products of
 * sampled factors with a limit, plain JSON stored with the space.
 */
import type { Instruction, SampledRef } from '../schedule/instruction.js';
import { type SampleValue, resolveFactor } from '../schedule/sampling.js';

/**
 * Arithmetic over decisions: a number, a sampled factor (resolved as a split factor would be), or a
 * sum or product of such.
 */
export type CheckExpr = number | SampledRef | { readonly add: readonly CheckExpr[] } | { readonly mul: readonly CheckExpr[] };

/**
 * value <= limit ('at-most') or >= limit ('at-least'). `what` says what is counted, for the rejection
 * message: 'live v128 values in the register tile of conv' ...
 */
export interface SpaceCheck {
  readonly kind: 'at-most' | 'at-least';
  readonly what: string;
  readonly value: CheckExpr;
  readonly limit: number;
}

export const add = (...xs: CheckExpr[]): CheckExpr => ({ add: xs });
export const mul = (...xs: CheckExpr[]): CheckExpr => ({ mul: xs });

/** The decided values of a decided trace's sampling instructions, by name. */
export function decisionsOf(trace: readonly Instruction[]): Map<string, SampleValue> {
  const out = new Map<string, SampleValue>();
  for (const i of trace) {
    if (i.op === 'sample_perfect_tile' && i.decision) out.set(i.name, { kind: 'tile', factors: i.decision });
    else if (i.op === 'sample_categorical' && i.decision !== undefined) out.set(i.name, { kind: 'categorical', value: i.decision });
  }
  return out;
}

/** The value of `e` under `decisions`. @throws ScheduleError 'unknown-sample' */
export function evaluateCheck(e: CheckExpr, decisions: ReadonlyMap<string, SampleValue>, what = '(check)'): number {
  if (typeof e === 'number') return e;
  if ('add' in e) return e.add.reduce<number>((a, x) => a + evaluateCheck(x, decisions, what), 0);
  if ('mul' in e) return e.mul.reduce<number>((a, x) => a * evaluateCheck(x, decisions, what), 1);
  return resolveFactor(decisions, e, '(check)', what);
}

/**
 * The first check a decided trace fails, as a sentence, or undefined when it passes them all.
 * @throws ScheduleError 'unknown-sample' when a check refers to a sample the trace does not make
 */
export function failedCheck(checks: readonly SpaceCheck[], trace: readonly Instruction[]): string | undefined {
  const decisions = decisionsOf(trace);
  for (const c of checks) {
    const v = evaluateCheck(c.value, decisions, c.what);
    if (c.kind === 'at-most' ? v > c.limit : v < c.limit) return `${c.what} is ${v}, ${c.kind === 'at-most' ? 'over' : 'under'} ${c.limit}`;
  }
  return undefined;
}
