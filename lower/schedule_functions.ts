/**
 * Injects every stage's loop nest at its compute site and its storage at its store site, consumers
 * first (Halide's schedule_functions + bounds_inference): the region a stage computes is the box its
 * consumers read inside the site's loop, in terms of the loops outside it.
 */
import * as ir from '../ir/expr.js';
import { type Range, type Stmt, NOOP, block, forLoop, mapStmtChildren, realize, type StmtMapper } from '../ir/stmt.js';
import { simplify } from '../ir/simplify.js';
import { printExpr } from '../ir/printer.js';
import { Stage } from '../dsl/func.js';
import type { Pipeline } from '../dsl/pipeline.js';
import type { Schedule } from '../schedule/schedule.js';
import type { StageState } from '../schedule/state.js';
import { ScheduleError } from '../schedule/error.js';
import { inlineStages } from './inline.js';
import { buildNest } from './loop_nest.js';
import { type Box, boxTouched, reads } from './bounds.js';
import { explicitRegion, outputRegion, storageRegion } from './explicit_bounds.js';

export interface ScheduledStmt {
  readonly stmt: Stmt;
  /** Let-bound axis variables of every nest (substituted once bounds are known). */
  readonly axisVars: ReadonlySet<ir.Var>;
  /** The object reads of each stage refer to, by name. */
  readonly funcs: ReadonlyMap<string, ir.FuncRef>;
  /** Asserts that the output tensors have the extents their bound() fixes (first in the kernel). */
  readonly outputChecks: readonly Stmt[];
}

/** Replaces the body of the loop over `v` in `s`; undefined when there is no such loop. */
function mapLoopBody(s: Stmt, v: ir.Var, f: (body: Stmt) => Stmt): Stmt | undefined {
  let found = false;
  const m: StmtMapper = {
    expr: (e) => e,
    stmt: (x) => {
      if (found) return x;
      if (x.kind === 'for' && x.v === v) {
        found = true;
        return forLoop(x.v, x.min, x.extent, x.forKind, f(x.body));
      }
      return mapStmtChildren(x, m);
    },
  };
  const out = m.stmt(s);
  return found ? out : undefined;
}

function toRanges(stage: string, box: Box, what: string): Range[] {
  return box.map((iv, d) => {
    if (!iv.min || !iv.max) {
      throw new ScheduleError('unbounded-region', stage, undefined, `cannot infer the region of ${stage} that ${what} needs in dimension ${d}: an index is unbounded (it depends on loaded data or on a product of unknowns); clamp the index in the definition`);
    }
    return { min: iv.min, extent: simplify(ir.add(ir.sub(iv.max, iv.min), ir.constant(1))) };
  });
}

/**
 * @returns the pipeline as one statement with realize/provide/access nodes (before storage
 *   flattening), and the variables its nests let-bind
 * @throws ScheduleError when a compute or store site does not exist or does not enclose every use,
 *   or a region cannot be bounded
 */
export function scheduleFunctions(p: Pipeline, sch: Schedule): ScheduledStmt {
  const states = sch.stagesInOrder();
  const funcs = new Map<string, ir.FuncRef>();
  for (const s of states) funcs.set(s.name, sch.funcRef(s.name));
  const inlined = new Map<ir.FuncRef, Stage>();
  for (const s of states) if (s.computeAt.kind === 'inline') inlined.set(funcs.get(s.name)!, s.stage);
  const nonNegative = new Set(p.params);
  const loopVars = new Map<string, ir.Var>();
  const axisVars = new Set<ir.Var>();
  const defOf = (s: StageState): Stage => {
    const d = s.stage;
    return new Stage(d.name, d.shape, d.axes, inlineStages(d.body, inlined), d.reduction);
  };
  const nest = (s: StageState, region: readonly Range[]) => {
    const built = buildNest(s, defOf(s), region, funcs.get(s.name)!);
    for (const [axis, v] of built.loopVars) loopVars.set(`${s.name}.${axis}`, v);
    built.axisVars.forEach((v) => axisVars.add(v));
    return built.stmt;
  };
  const site = (s: StageState, loc: { stage: string; axis: string }, what: string): ir.Var => {
    const v = loopVars.get(`${loc.stage}.${loc.axis}`);
    if (!v) {
      throw new ScheduleError('site-gone', s.name, loc.axis, `${what}(${loc.stage}, ${loc.axis}): ${loc.stage} has no loop ${loc.axis} in the lowered nest (was it split, fused or inlined after this was set?)`, sch.legalComputeSites(s.name));
    }
    return v;
  };

  let stmt: Stmt = NOOP;
  const outputChecks: Stmt[] = [];
  for (const s of [...states].reverse()) {
    if (s.computeAt.kind === 'inline') continue;
    const f = funcs.get(s.name)!;
    const query = { func: f, reads: true, writes: false, nonNegative };
    if (sch.isOutput(s.name)) {
      const { region, checks } = outputRegion(s, s.stage.shape);
      outputChecks.push(...checks);
      stmt = block([nest(s, region), stmt]);
      continue;
    }
    if (s.computeAt.kind === 'root') {
      const box = boxTouched(stmt, query);
      if (!box) continue;
      const { region, checks } = explicitRegion(s, toRanges(s.name, box, 'the pipeline'), 'its consumers');
      stmt = block([...checks, nest(s, region), stmt]);
    } else {
      const loc = s.computeAt;
      const v = site(s, loc, 'compute_at');
      if (reads(mapLoopBody(stmt, v, () => NOOP)!, f)) {
        throw new ScheduleError('illegal-compute-site', s.name, loc.axis, `compute_at(${loc.stage}, ${loc.axis}): not every use of ${s.name} is inside ${loc.stage}.${loc.axis}`, sch.legalComputeSites(s.name));
      }
      stmt = mapLoopBody(stmt, v, (body) => {
        const box = boxTouched(body, query);
        if (!box) return body;
        const { region, checks } = explicitRegion(s, toRanges(s.name, box, `${loc.stage}.${loc.axis}`), `its consumers inside ${loc.stage}.${loc.axis}`);
        return block([...checks, nest(s, region), body]);
      })!;
    }
    const touched = { func: f, reads: true, writes: true, nonNegative };
    const store = s.storeAt ?? s.computeAt;
    const wrap = (body: Stmt, where: string): Stmt => {
      const box = boxTouched(body, touched);
      return box ? realize(f, storageRegion(s, toRanges(s.name, box, where)), body) : body;
    };
    if (store.kind === 'at') {
      const v = site(s, store, 'store_at');
      const outside = mapLoopBody(stmt, v, () => NOOP)!;
      if (reads(outside, f) || boxTouched(outside, touched)) {
        throw new ScheduleError('store-inside-compute', s.name, store.axis, `store_at(${store.stage}, ${store.axis}): the storage site must enclose the compute site, but ${store.stage}.${store.axis} is now inside it (were the loops reordered?)`, sch.legalComputeSites(s.name));
      }
      stmt = mapLoopBody(stmt, v, (body) => wrap(body, `${store.stage}.${store.axis}`))!;
    } else {
      stmt = wrap(stmt, 'the pipeline');
    }
  }
  return { stmt, axisVars, funcs, outputChecks };
}

/** Text of an interval bound for error messages. */
export const boundText = (e: ir.Expr | undefined): string => (e ? printExpr(e) : 'unbounded');
