/**
 * A read-only view of a schedule, for the autotuner's rules, validators and search (what TVM
 * MetaSchedule's rules read from a TIR schedule: blocks, loops, iteration kinds, buffer accesses).
 * Per stage: its current loops with their kinds and the extents known before lowering, its pure and
 * reduction axes, where it is computed and stored, the locations it may be computed at now, its
 * storage dimensions, and every read of its definition as affine functions of its axes. Plain data,
 * detached from the schedule: changing the schedule afterwards does not change a view.
 */
import * as ir from '../ir/expr.js';
import type { DType } from '../ir/dtype.js';
import type { ForKind } from '../ir/stmt.js';
import { INLINE_BY_DEFAULT } from '../dsl/boundary.js';
import type { Schedule } from './schedule.js';
import type { Location } from './state.js';
import { storageDims } from './layout_transformation.js';
import { evaluateExtent, type Sizes } from './extents.js';

export interface LoopView {
  readonly name: string;
  readonly kind: ForKind;
  readonly isReduction: boolean;
  /** Iterations, when known before lowering (see schedule/extents.ts). */
  readonly extent?: number;
}

/** index = sum of coefficient * axis + offset, over the reader's pure and reduction axes. */
export interface AffineIndex {
  readonly coefficients: Readonly<Record<string, number>>;
  /** The constant part; undefined when it is symbolic (it uses a size). */
  readonly offset?: number;
}

/** One read in a stage's definition. */
export interface AccessView {
  readonly tensor: string;
  readonly isInput: boolean;
  /** Per dimension of the tensor read, outermost first: the index, or undefined when it is not affine. */
  readonly indices: readonly (AffineIndex | undefined)[];
  /** Per dimension: the stage's axes its index uses (affine or not). */
  readonly uses: readonly (readonly string[])[];
  /**
   * Per dimension: whether its index takes a quotient or a remainder of the stage's axes (a gather
   * that regroups them: tiles, residues, space-to-depth).
   */
  readonly regroups: readonly boolean[];
}

export interface AxisView { readonly name: string; readonly extent?: number }

export interface StageView {
  readonly name: string;
  readonly dtype: DType;
  readonly isOutput: boolean;
  readonly isReduction: boolean;
  /** The reducer's name ('sum', 'max', ...) of a reduction. */
  readonly reducer?: string;
  /** A boundary condition (repeatEdge, constantExterior, ...), inlined by default. */
  readonly isBoundary: boolean;
  /** The definition's pure axes, outermost first; extents known for outputs (with sizes) and bound()s. */
  readonly axes: readonly AxisView[];
  /** The definition's reduction axes, outermost first. */
  readonly reductionAxes: readonly AxisView[];
  /** The current loops, outermost first. */
  readonly loops: readonly LoopView[];
  readonly computeAt: Location;
  readonly storeAt?: Location;
  /** Where the stage may be computed now: 'stage.axis' sites, 'root', and 'inline' when allowed; [] for outputs. */
  readonly legalLocations: readonly string[];
  /** Storage dimensions, outermost first. */
  readonly storageDims: readonly string[];
  /** Inputs and stages the definition reads, in first-use order. */
  readonly producers: readonly string[];
  /** Stages that read this one. */
  readonly consumers: readonly string[];
  /** Every read in the definition (a tensor read twice appears twice). */
  readonly accesses: readonly AccessView[];
  /** Arithmetic operations in the definition's value (binary, compare, select, cast, call nodes). */
  readonly arithmetic: number;
}

export interface InputView { readonly name: string; readonly dtype: DType; readonly shape: readonly (number | undefined)[] }

export interface ScheduleView {
  /** Stages in topological order, producers first. */
  readonly stages: readonly StageView[];
  readonly inputs: readonly InputView[];
  readonly sizes: Sizes;
  /** The stage called `name`, or undefined. */
  stage(name: string): StageView | undefined;
}

/** The names of `axes` that `e` uses, in first-use order. */
function axesUsed(e: ir.Expr, axes: ReadonlyMap<ir.Var, string>): string[] {
  const out: string[] = [];
  ir.walkExpr(e, (x) => {
    if (x.kind !== 'var') return;
    const name = axes.get(x.v);
    if (name !== undefined && !out.includes(name)) out.push(name);
  });
  return out;
}

/** Whether `e` divides, or takes the remainder of, an expression of `axes`. */
function regroupsAxes(e: ir.Expr, axes: ReadonlyMap<ir.Var, string>): boolean {
  let found = false;
  ir.walkExpr(e, (x) => {
    if (x.kind === 'binary' && (x.op === 'div' || x.op === 'mod') && ir.usesVar(x.a, (v) => axes.has(v))) found = true;
  });
  return found;
}

/** The affine form of `e` over `axes` (variables by identity), or undefined. */
export function affineIndex(e: ir.Expr, axes: ReadonlyMap<ir.Var, string>): AffineIndex | undefined {
  const go = (x: ir.Expr): { c: Map<string, number>; k: number | undefined } | undefined => {
    switch (x.kind) {
      case 'const': return { c: new Map(), k: x.value };
      case 'var': {
        const name = axes.get(x.v);
        return name === undefined ? { c: new Map(), k: undefined } : { c: new Map([[name, 1]]), k: 0 };
      }
      case 'binary': {
        if (x.op !== 'add' && x.op !== 'sub' && x.op !== 'mul') return undefined;
        const a = go(x.a), b = go(x.b);
        if (!a || !b) return undefined;
        if (x.op === 'mul') {
          const [s, v] = a.c.size === 0 && a.k !== undefined ? [a.k, b] : b.c.size === 0 && b.k !== undefined ? [b.k, a] : [undefined, undefined];
          if (s === undefined || !v) return a.c.size === 0 && b.c.size === 0 ? { c: new Map(), k: undefined } : undefined;
          return { c: new Map([...v.c].map(([n, q]) => [n, q * s])), k: v.k === undefined ? undefined : v.k * s };
        }
        const sign = x.op === 'add' ? 1 : -1;
        const c = new Map(a.c);
        for (const [n, q] of b.c) c.set(n, (c.get(n) ?? 0) + sign * q);
        for (const [n, q] of c) if (q === 0) c.delete(n);
        return { c, k: a.k === undefined || b.k === undefined ? undefined : a.k + sign * b.k };
      }
      default: return ir.usesVar(x, (v) => axes.has(v)) ? undefined : { c: new Map(), k: undefined };
    }
  };
  const r = go(e);
  return r && { coefficients: Object.fromEntries(r.c), ...(r.k === undefined ? {} : { offset: r.k }) };
}

function countArithmetic(e: ir.Expr): number {
  let n = 0;
  ir.walkExpr(e, (x) => { if (x.kind === 'binary' || x.kind === 'cmp' || x.kind === 'select' || x.kind === 'cast' || x.kind === 'call' || x.kind === 'not') n++; });
  return n;
}

/**
 * The view of `sch` as it stands now.
 * @param sizes values of size variables for extents (default: the schedule's own sizes)
 */
export function viewSchedule(sch: Schedule, sizes: Sizes = sch.sizes ?? {}): ScheduleView {
  const p = sch.pipeline;
  const inputNames = new Set(p.inputs.map((i) => i.name));
  const stages: StageView[] = sch.stagesInOrder().map((s) => {
    const def = s.stage;
    const extents = sch.loopExtents(s.name, sizes);
    const axisNames = new Map<ir.Var, string>([...def.axes.map((v) => [v, v.name] as const), ...(def.reduction?.axes ?? []).map((a) => [a.v, a.name] as const)]);
    const accesses: AccessView[] = [];
    ir.walkExpr(def.body, (x) => {
      if (x.kind !== 'access') return;
      accesses.push({ tensor: x.func.name, isInput: inputNames.has(x.func.name), indices: x.args.map((a) => affineIndex(a, axisNames)), uses: x.args.map((a) => axesUsed(a, axisNames)), regroups: x.args.map((a) => regroupsAxes(a, axisNames)) });
    });
    const isOutput = sch.isOutput(s.name);
    return {
      name: s.name,
      dtype: def.dtype,
      isOutput,
      isReduction: s.isReduction,
      ...(def.reduction ? { reducer: def.reduction.reducer.name } : {}),
      isBoundary: INLINE_BY_DEFAULT.has(def),
      axes: def.axes.map((v) => ({ name: v.name, ...(extents.has(v.name) ? { extent: extents.get(v.name)! } : {}) })),
      reductionAxes: (def.reduction?.axes ?? []).map((a) => ({ name: a.name, ...(extents.has(a.name) ? { extent: extents.get(a.name)! } : {}) })),
      loops: s.loops.map((l) => ({ name: l.name, kind: l.kind, isReduction: l.isReduction, ...(extents.has(l.name) ? { extent: extents.get(l.name)! } : {}) })),
      computeAt: s.computeAt,
      ...(s.storeAt ? { storeAt: s.storeAt } : {}),
      legalLocations: sch.legalLocations(s.name),
      storageDims: storageDims(s),
      producers: def.producers().map((f) => f.name),
      consumers: sch.consumers(s.name),
      accesses,
      arithmetic: countArithmetic(def.body),
    };
  });
  const byName = new Map(stages.map((s) => [s.name, s]));
  return {
    stages,
    inputs: p.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape.map((e) => evaluateExtent(p, e, sizes)) })),
    sizes,
    stage: (name) => byName.get(name),
  };
}
