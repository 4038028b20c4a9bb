/**
 * rfactor (TVM's reduction family; Halide's rfactor): turns one reduction loop of a stage into a pure
 * axis of a new intermediate stage, so that it can be vectorized or parallelized; the original stage
 * then reduces over the intermediate. Results are equal up to reassociation of the reduction.
 */
import * as ir from '../ir/expr.js';
import { simplify } from '../ir/simplify.js';
import { ReduceAxis, Stage } from '../dsl/func.js';
import { ScheduleError } from './error.js';
import type { Split, StageState } from './state.js';

export interface RFactorResult { readonly rf: Stage; readonly replaced: Stage }

/**
 * @param s the reduction stage's schedule
 * @param axis a reduction loop: an unsplit reduction axis, or the outer or inner half of one split of it
 * @param name the new stage's name
 * @returns the new intermediate stage rf(axis, pure axes...) and the new definition of the stage,
 *   a reduction over `axis` of rf
 * @throws ScheduleError when the stage is not a reduction, `axis` is pure, or derived otherwise
 */
export function rfactor(s: StageState, axis: string, name: string): RFactorResult {
  const st = s.stage;
  const red = st.reduction;
  if (!red) throw new ScheduleError('not-a-reduction', s.name, axis, 'rfactor: the stage is not a reduction');
  const loop = s.loop(axis, 'rfactor');
  if (!loop.isReduction) throw new ScheduleError('pure-axis', s.name, axis, `rfactor: ${axis} is a pure axis; rfactor takes a reduction loop`, s.loops.filter((l) => l.isReduction).map((l) => l.name));
  const split = s.relations.find((r): r is Split => r.kind === 'split' && (r.outer === axis || r.inner === axis));
  const rootName = split ? split.parent : axis;
  const root = red.axes.find((a) => a.name === rootName);
  const nested = s.relations.some((r) => r.kind === 'fuse' && (r.outer === axis || r.inner === axis))
    || (split && s.relations.some((r) => r.kind === 'split' && r.outer !== axis && r.inner !== axis && (r.outer === rootName || r.inner === rootName || r.parent === (split.outer === axis ? split.inner : split.outer))));
  if (!root || nested) {
    throw new ScheduleError('rfactor-derived-axis', s.name, axis, 'rfactor: the axis must be a reduction axis of the definition, or one half of a single split of one');
  }
  const others = red.axes.filter((a) => a !== root);
  const kept: ReduceAxis[] = [...others];
  let factorExtent: ir.Expr;
  const factorVar = new ir.Var(axis);
  let value = st.body;
  if (!split) {
    factorExtent = root.extent;
    value = ir.substitute(value, new Map([[root.v, ir.add(root.lo, ir.varRef(factorVar))]]));
  } else {
    const f = ir.constant(split.factor);
    const outerExt = simplify(ir.div(ir.add(root.extent, ir.constant(split.factor - 1)), f));
    const otherName = split.outer === axis ? split.inner : split.outer;
    const otherAxis = new ReduceAxis(new ir.Var(otherName), ir.constant(0), split.outer === axis ? f : outerExt);
    kept.push(otherAxis);
    factorExtent = split.outer === axis ? outerExt : f;
    const [o, i] = split.outer === axis ? [ir.varRef(factorVar), otherAxis.expr] : [otherAxis.expr, ir.varRef(factorVar)];
    const rel = ir.add(ir.mul(o, f), i);
    value = ir.substitute(value, new Map([[root.v, ir.add(root.lo, rel)]]));
    const divides = ir.constValue(simplify(ir.mod(root.extent, f))) === 0;
    if (!divides) value = ir.select(ir.lt(rel, root.extent), value, red.init);
  }
  const pureVars = st.axes.map((v) => new ir.Var(v.name));
  const rename = new Map(st.axes.map((v, i) => [v, ir.varRef(pureVars[i]!)] as const));
  value = simplify(ir.substitute(value, rename));
  const rf = kept.length
    ? new Stage(name, [factorExtent, ...st.shape], [factorVar, ...pureVars], value, { reducer: red.reducer, axes: kept, init: red.init })
    : new Stage(name, [factorExtent, ...st.shape], [factorVar, ...pureVars], value);
  const k = new ReduceAxis(new ir.Var(axis), ir.constant(0), factorExtent);
  const replacedAxes = st.axes.map((v) => new ir.Var(v.name));
  const body = ir.access(rf, [k.expr, ...replacedAxes.map((v) => ir.varRef(v))]);
  const replaced = new Stage(st.name, st.shape, replacedAxes, body, { reducer: red.reducer, axes: [k], init: red.init });
  return { rf, replaced };
}
