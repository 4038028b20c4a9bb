/**
 * Design spaces (MetaSchedule's SpaceGenerator, PostOrderApply): the rules of autotune/rules/ are
 * applied to every stage, consumers before producers (reverse topological order; stages a rule
 * creates are visited in turn), and the trace they record, without its decisions, is the space. Every
 * schedule of the space is the trace with decisions filled in; `checks` are what a schedule must pass
 * before it is compiled (register pressure, unroll size, parallelism, device limits).
 */
import type { Pipeline } from '../dsl/pipeline.js';
import { Schedule } from '../schedule/schedule.js';
import type { Instruction } from '../schedule/instruction.js';
import type { Sampler } from '../schedule/sampling.js';
import type { Sizes } from '../schedule/extents.js';
import type { SpaceCheck } from './checks.js';
import { RULES, type RuleTarget, type ScheduleRule } from './rules/index.js';

export interface DesignSpace {
  /** The trace; its sampling instructions carry no decisions. */
  readonly trace: readonly Instruction[];
  readonly checks: readonly SpaceCheck[];
  /** Which rule scheduled which stage, in the order they were applied. */
  readonly applied: readonly { readonly stage: string; readonly rule: string }[];
}

/** The trace without its decisions. */
export function withoutDecisions(trace: readonly Instruction[]): Instruction[] {
  return trace.map((i) => {
    if (!i.op.startsWith('sample_')) return i;
    const { decision: _, ...rest } = i as Instruction & { decision?: unknown };
    return rest as Instruction;
  });
}

/** A deterministic sampler (mulberry32), for space generation and reproducible searches. */
export function seededSampler(seed: number): Sampler {
  let a = seed >>> 0;
  return {
    random() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/**
 * The design space of `p` at `sizes` for `target`.
 * @param sizes a value for every size variable of the pipeline
 * @param rules the rule table (default: autotune/rules/index.ts)
 * @throws Error naming the missing sizes; ScheduleError only for a bug in a rule
 */
export function generateSpace(p: Pipeline, sizes: Sizes, target: RuleTarget, rules: readonly ScheduleRule[] = RULES): DesignSpace {
  const missing = p.params.filter((v) => sizes[v.name] === undefined).map((v) => v.name);
  if (missing.length) throw new Error(`generateSpace: no size for ${missing.join(', ')}; the space is built for concrete sizes`);
  const sch = new Schedule(p, { sizes, sampler: seededSampler(1) });
  const checks: SpaceCheck[] = [];
  const applied: { stage: string; rule: string }[] = [];
  const handled = new Set<string>();
  const visited = new Set<string>();
  const ctx = { target, sizes, handled, check: (c: SpaceCheck) => { checks.push(c); } };
  for (;;) {
    const next = sch.stagesInOrder().map((s) => s.name).reverse().find((n) => !visited.has(n));
    if (next === undefined) break;
    visited.add(next);
    for (const rule of rules) {
      if (handled.has(next)) break;
      if (rule.apply(sch, next, ctx)) applied.push({ stage: next, rule: rule.name });
    }
  }
  return { trace: withoutDecisions(sch.trace), checks, applied };
}

/**
 * One schedule of the space, its decisions drawn by `sampler`.
 * @throws ScheduleError when the drawn decisions give an illegal schedule (the caller draws again)
 */
export function sampleSpace(p: Pipeline, space: DesignSpace, sizes: Sizes, sampler: Sampler): Schedule {
  return Schedule.replay(p, space.trace, { sizes, sampler });
}
