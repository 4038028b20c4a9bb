/**
 * Builds the loop nest that computes one stage over a region (Halide's build_provide_loop_nest):
 * one loop per current loop of its schedule (each from 0 to its extent), lets that rebuild every
 * split or fused axis from the loops, the guards of guarded tails, and the provide. A reduction gets
 * an init nest over its pure loops before the update nest, sharing the loops outside the first
 * reduction loop (TVM's MakeReduction).
 */
import * as ir from '../ir/expr.js';
import { type Range, type Stmt, block, forLoop, ifThen, letStmt, provide, produce } from '../ir/stmt.js';
import { simplify } from '../ir/simplify.js';
import type { Stage } from '../dsl/func.js';
import type { StageState, Split } from '../schedule/state.js';
import { ScheduleError } from '../schedule/error.js';

export interface BuiltNest {
  readonly stmt: Stmt;
  /** The update (or only) nest's loop variable of each current loop, by axis name. */
  readonly loopVars: ReadonlyMap<string, ir.Var>;
  /** Let-bound axis variables, for passes that substitute them after bound inference. */
  readonly axisVars: ReadonlySet<ir.Var>;
}

const c = ir.constant;

/**
 * @param s the stage's schedule
 * @param def its definition, with inlined stages already substituted
 * @param pure the region to compute: [min, extent) per pure axis, outermost first
 * @param self what reads of this stage refer to (the pipeline's stage object, which rfactor keeps)
 */
export function buildNest(s: StageState, def: Stage, pure: readonly Range[], self: ir.FuncRef = def): BuiltNest {
  const name = s.name;
  const extent = new Map<string, ir.Expr>();
  const rootMin = new Map<string, ir.Expr>();
  def.axes.forEach((v, d) => { extent.set(v.name, pure[d]!.extent); rootMin.set(v.name, pure[d]!.min); });
  for (const a of def.reduction?.axes ?? []) { extent.set(a.name, a.extent); rootMin.set(a.name, a.lo); }
  const exact = new Set<Split>();
  for (const r of s.relations) {
    if (r.kind === 'split') {
      const e = extent.get(r.parent)!;
      if (ir.constValue(simplify(ir.mod(e, c(r.factor)))) === 0) exact.add(r);
      extent.set(r.outer, simplify(ir.div(ir.add(e, c(r.factor - 1)), c(r.factor))));
      extent.set(r.inner, c(r.factor));
    } else {
      extent.set(r.fused, simplify(ir.mul(extent.get(r.outer)!, extent.get(r.inner)!)));
    }
  }
  const isReductionAxis = new Set((def.reduction?.axes ?? []).map((a) => a.name));
  for (const r of s.relations) {
    if (r.kind === 'split' && isReductionAxis.has(r.parent)) { isReductionAxis.add(r.outer); isReductionAxis.add(r.inner); }
    if (r.kind === 'fuse' && isReductionAxis.has(r.outer)) isReductionAxis.add(r.fused);
  }
  const axisVars = new Set<ir.Var>();

  /**
   * Lets that rebuild every axis from the given loop variables around `inner`, each guard placed
   * right after the let of the axis it tests, so bound inference sees the guard clamp that axis.
   */
  const innermost = (loopVar: ReadonlyMap<string, ir.Var>, withReduction: boolean, inner: (root: ReadonlyMap<string, ir.Expr>) => Stmt): Stmt => {
    const value = new Map<string, ir.Expr>();
    for (const [n, v] of loopVar) value.set(n, ir.varRef(v));
    const wrappers: ({ let: [ir.Var, ir.Expr] } | { guard: ir.Expr })[] = [];
    const bind = (axis: string, rel: ir.Expr): void => {
      const v = new ir.Var(`${name}.${axis}`);
      axisVars.add(v);
      const min = rootMin.get(axis);
      wrappers.push({ let: [v, simplify(min ? ir.add(min, rel) : rel)] });
      value.set(axis, ir.varRef(v));
    };
    for (const r of [...s.relations].reverse()) {
      const touchesReduction = r.kind === 'split' ? isReductionAxis.has(r.parent) : isReductionAxis.has(r.outer);
      if (touchesReduction && !withReduction) continue;
      if (r.kind === 'split') {
        const o = value.get(r.outer)!, i = value.get(r.inner)!, e = extent.get(r.parent)!;
        const base = r.tail === 'shift_inwards' && !exact.has(r)
          ? ir.min(ir.mul(o, c(r.factor)), ir.sub(e, c(r.factor)))
          : ir.mul(o, c(r.factor));
        bind(r.parent, ir.add(base, i));
        if (r.tail === 'guard' && !exact.has(r)) {
          const min = rootMin.get(r.parent);
          wrappers.push({ guard: ir.lt(value.get(r.parent)!, min ? simplify(ir.add(min, e)) : e) });
        }
      } else {
        const f = value.get(r.fused)!, ie = extent.get(r.inner)!;
        bind(r.outer, ir.div(f, ie));
        bind(r.inner, ir.mod(f, ie));
      }
    }
    // Root axes that no relation derived are offset loops.
    for (const [axis] of rootMin) {
      if (!withReduction && isReductionAxis.has(axis)) continue;
      if (loopVar.has(axis)) bind(axis, value.get(axis)!);
    }
    let body = inner(value);
    for (const w of wrappers.reverse()) body = 'let' in w ? letStmt(w.let[0], w.let[1], body) : ifThen(w.guard, body);
    return body;
  };

  const pureArgs = (root: ReadonlyMap<string, ir.Expr>) => def.axes.map((v) => root.get(v.name)!);
  const substituteAxes = (e: ir.Expr, root: ReadonlyMap<string, ir.Expr>) => {
    const map = new Map<ir.Var, ir.Expr>();
    def.axes.forEach((v) => map.set(v, root.get(v.name)!));
    for (const a of def.reduction?.axes ?? []) if (root.has(a.name)) map.set(a.v, root.get(a.name)!);
    return ir.substitute(e, map);
  };

  const wrapLoops = (loops: readonly { name: string; kind: StageState['loops'][number]['kind'] }[], vars: ReadonlyMap<string, ir.Var>, body: Stmt): Stmt => {
    for (const l of [...loops].reverse()) {
      body = forLoop(vars.get(l.name)!, c(0), extent.get(l.name)!, l.kind, body);
    }
    return body;
  };

  const loopVars = new Map<string, ir.Var>();
  for (const l of s.loops) loopVars.set(l.name, new ir.Var(`${name}.${l.name}`));
  const red = def.reduction;
  if (!red) {
    const body = innermost(loopVars, true, (root) => provide(self, pureArgs(root), substituteAxes(def.body, root)));
    return { stmt: produce(self, wrapLoops(s.loops, loopVars, body)), loopVars, axisVars };
  }
  const firstReduction = s.loops.findIndex((l) => isReductionAxis.has(l.name));
  if (firstReduction < 0) throw new ScheduleError('internal', name, undefined, 'internal: a reduction stage without reduction loops');
  const prefix = s.loops.slice(0, firstReduction);
  const rest = s.loops.slice(firstReduction);
  const initLoops = rest.filter((l) => !isReductionAxis.has(l.name));
  const initVars = new Map<string, ir.Var>([...prefix.map((l) => [l.name, loopVars.get(l.name)!] as const), ...initLoops.map((l) => [l.name, new ir.Var(`${name}.${l.name}`)] as const)]);
  const init = wrapLoops(initLoops, initVars, innermost(initVars, false, (root) => provide(self, pureArgs(root), red.init)));
  const update = wrapLoops(rest, loopVars, innermost(loopVars, true, (root) => {
    const args = pureArgs(root);
    return provide(self, args, red.reducer.combine(ir.access(self, args), substituteAxes(def.body, root)));
  }));
  return { stmt: produce(self, wrapLoops(prefix, loopVars, block([init, update]))), loopVars, axisVars };
}
