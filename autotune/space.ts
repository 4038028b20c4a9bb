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

/** One sketch of a space: a trace whose sampling instructions carry no decisions, and its checks. */
export interface Sketch {
  /** The trace; its sampling instructions carry no decisions. */
  readonly trace: readonly Instruction[];
  readonly checks: readonly SpaceCheck[];
  /** Which rule scheduled which stage, in the order they were applied (a variant's label included). */
  readonly applied: readonly { readonly stage: string; readonly rule: string }[];
}

/**
 * A design space: one or more sketches (MetaSchedule's design spaces, Ansor's sketches). A rule with
 * structural variants (where the vector lanes run, which operands are repacked) forks the space, one
 * sketch per variant; decisions never change a sketch's instructions.
 */
export interface DesignSpace {
  readonly sketches: readonly Sketch[];
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

interface PartialSketch {
  sch: Schedule;
  readonly handled: Set<string>;
  readonly visited: Set<string>;
  readonly checks: SpaceCheck[];
  readonly applied: { stage: string; rule: string }[];
  /** Where a fork goes on: the stage and the index of the next rule to try on it. */
  resume?: { readonly stage: string; readonly rule: number };
}

/**
 * The design space of `p` at `sizes` for `target`: the rules applied to every stage; a rule with
 * variants forks the sketch being built, and each fork goes on from the next rule (depth first, so
 * the sketches come in the order of their variants, the first rule's variant 0 first).
 * @param sizes a value for every size variable of the pipeline
 * @param rules the rule table (default: autotune/rules/index.ts)
 * @throws Error naming the missing sizes; ScheduleError only for a bug in a rule
 */
export function generateSpace(p: Pipeline, sizes: Sizes, target: RuleTarget, rules: readonly ScheduleRule[] = RULES): DesignSpace {
  const missing = p.params.filter((v) => sizes[v.name] === undefined).map((v) => v.name);
  if (missing.length) throw new Error(`generateSpace: no size for ${missing.join(', ')}; the space is built for concrete sizes`);
  const fresh = (trace: readonly Instruction[] = []) => Schedule.replay(p, trace, { sizes, sampler: seededSampler(1) });
  const sketches: Sketch[] = [];
  const pending: PartialSketch[] = [{ sch: fresh(), handled: new Set(), visited: new Set(), checks: [], applied: [] }];
  while (pending.length) {
    const st = pending.pop()!;
    const ctx = { target, sizes, handled: st.handled, check: (c: SpaceCheck) => { st.checks.push(c); } };
    for (;;) {
      let next: string | undefined, from = 0;
      if (st.resume) ({ stage: next, rule: from } = st.resume);
      else {
        next = st.sch.stagesInOrder().map((s) => s.name).reverse().find((n) => !st.visited.has(n));
        if (next === undefined) break;
        st.visited.add(next);
      }
      st.resume = undefined;
      for (let k = from; k < rules.length && !st.handled.has(next); k++) {
        const rule = rules[k]!;
        const variants = rule.variants?.(st.sch, next, ctx) ?? [];
        // Forks for variants 1.., each replaying this sketch's trace so far (its decisions included).
        for (let v = variants.length - 1; v >= 1; v--) {
          const f: PartialSketch = { sch: fresh(st.sch.trace), handled: new Set(st.handled), visited: new Set(st.visited), checks: [...st.checks], applied: [...st.applied] };
          const fctx = { target, sizes, handled: f.handled, check: (c: SpaceCheck) => { f.checks.push(c); } };
          if (rule.apply(f.sch, next, fctx, v)) f.applied.push({ stage: next, rule: `${rule.name} (${variants[v]})` });
          f.resume = { stage: next, rule: k + 1 };
          pending.push(f);
        }
        if (rule.apply(st.sch, next, ctx, 0)) st.applied.push({ stage: next, rule: variants.length > 1 ? `${rule.name} (${variants[0]})` : rule.name });
      }
    }
    sketches.push({ trace: withoutDecisions(st.sch.trace), checks: st.checks, applied: st.applied });
  }
  return { sketches };
}

/** A sketch of `space` drawn uniformly by `sampler` (MetaSchedule samples its initial population from every design space). */
export function pickSketch(space: DesignSpace, sampler: Sampler): Sketch {
  return space.sketches[Math.min(space.sketches.length - 1, Math.floor(sampler.random() * space.sketches.length))]!;
}

/**
 * One schedule of the space (of a sketch drawn by `sampler`), its decisions drawn by `sampler`.
 * @throws ScheduleError when the drawn decisions give an illegal schedule (the caller draws again)
 */
export function sampleSpace(p: Pipeline, space: DesignSpace, sizes: Sizes, sampler: Sampler): Schedule {
  return Schedule.replay(p, pickSketch(space, sampler).trace, { sizes, sampler });
}
