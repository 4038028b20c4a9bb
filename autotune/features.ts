/**
 * Features of a lowered function for the cost model, after MetaSchedule's per-store features
 * (PerStoreFeature: arithmetic counts, loop context, buffer accesses with bytes, cache lines, reuse and
 * stride, arithmetic intensity) and Ansor's (Zheng et al., OSDI 2020, §5.2): every store is described
 * by what computing its value costs and what memory it touches, each count weighted by how many times
 * the store runs (the product of the extents of the loops around it at the workload's sizes), and the
 * stores' features are summed (counts) or maxed (shapes) into one fixed vector, FEATURE_NAMES long.
 *
 * Counts are of elements (a 4-lane vector add is 4 float adds) and of instructions (it is one
 * instruction). Accesses to register tiles count as instructions, not memory. Cache lines are 64 bytes. A buffer's footprint at a loop level is the span of its
 * index while the loops from that level inwards run (outer loops at their first iteration), from
 * interval arithmetic (ir/interval.ts); "inner" footprints are at the level of the two innermost
 * loops around the store, the working set that should stay in L1.
 */
import * as ir from '../ir/expr.js';
import { bytes, isFloat } from '../ir/dtype.js';
import type { LoweredFunc, Stmt, ForKind } from '../ir/stmt.js';
import { boundsOf, constantUpperBound, type Interval } from '../ir/interval.js';
import { simplify } from '../ir/simplify.js';

export const FEATURE_NAMES: readonly string[] = [
  'float_add_sub', 'float_mul', 'float_div', 'float_min_max', 'float_math_calls',
  'int_arith', 'int_div_mod', 'int_bitwise', 'compare_select', 'casts',
  'vector_instructions', 'scalar_instructions', 'total_flops',
  'load_elements', 'store_elements', 'bytes_loaded', 'bytes_stored',
  'lines_touched', 'inner_lines_touched', 'inner_working_set_bytes', 'reuse_per_line',
  'contiguous_fraction', 'strided_fraction', 'invariant_fraction', 'arithmetic_intensity',
  'parallel_extent', 'max_vector_lanes', 'vectorized_fraction', 'unrolled_fraction',
  'innermost_extent', 'max_loop_depth', 'loop_iterations', 'branch_executions',
  'stack_bytes', 'register_elements', 'stores_static',
];

const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<string, number>;
const LINE = 64;

interface LoopCtx { readonly v: ir.Var; readonly min: number; readonly extent: number; readonly kind: ForKind }

/**
 * @param f a lowered function (lower/lower.ts)
 * @param sizes the value of each of `f`'s size parameters (loop extents over them are evaluated at these)
 * @returns FEATURE_NAMES.length values, all finite and non-negative
 * @throws Error when a size parameter has no value
 */
export function extractFeatures(f: LoweredFunc, sizes: Readonly<Record<string, number>> = {}): Float64Array {
  const out = new Float64Array(FEATURE_NAMES.length);
  const consts = new Map<ir.Var, ir.Expr>();
  for (const p of f.params) {
    const v = sizes[p.name];
    if (v === undefined) throw new Error(`extractFeatures: size ${p.name} has no value`);
    consts.set(p, ir.constant(v));
  }
  const lets = new Map<ir.Var, ir.Expr>();
  const concrete = (e: ir.Expr) => simplify(ir.substitute(ir.substitute(e, lets), consts));
  const upper = (e: ir.Expr, scope: ReadonlyMap<ir.Var, Interval>): number => {
    const c = concrete(e);
    const direct = constantUpperBound(c);
    if (direct !== undefined) return direct;
    const max = boundsOf(c, scope).max;
    return (max && constantUpperBound(max)) ?? 1;
  };
  const loops: LoopCtx[] = [];
  let accessElements = 0, contiguous = 0, strided = 0, invariant = 0, vectorStores = 0, unrolledStores = 0, storeExecs = 0, flops = 0;

  /** The interval of every loop from `level` inwards over its range; outer loops at their first iteration. */
  const scopeFrom = (level: number): Map<ir.Var, Interval> => {
    const scope = new Map<ir.Var, Interval>();
    loops.forEach((l, i) => {
      scope.set(l.v, i >= level ? { min: ir.constant(l.min), max: ir.constant(l.min + Math.max(1, l.extent) - 1) } : { min: ir.constant(l.min), max: ir.constant(l.min) });
    });
    return scope;
  };
  /** Elements an index spans while the loops from `level` inwards run. */
  const span = (index: ir.Expr, level: number): number => {
    const e = concrete(index);
    const b = boundsOf(e, scopeFrom(level));
    if (!b.min || !b.max) return Infinity;
    const lo = constantUpperBound(ir.sub(ir.constant(0), b.min)), hi = constantUpperBound(b.max);
    return lo === undefined || hi === undefined ? Infinity : hi + lo + e.lanes;
  };
  /** The stride of `index` in the innermost loop: 0 invariant, 1 contiguous, more strided. */
  const strideOf = (index: ir.Expr): number => {
    if (index.kind === 'ramp') { const s = ir.constValue(index.stride); if (s !== undefined && Math.abs(s) !== 1) return Math.abs(s); }
    const inner = loops[loops.length - 1];
    if (!inner) return 0;
    const e = concrete(index.kind === 'ramp' ? index.base : index);
    const at = (k: number) => simplify(ir.substitute(e, new Map([[inner.v, ir.constant(k)]])));
    const d = simplify(ir.sub(at(1), at(0)));
    const c = ir.constValue(d);
    // Between one iteration and the next: a vector access whose base moves by at most its lanes is dense.
    return c === undefined ? index.lanes + 1 : Math.abs(c);
  };

  /** Register tiles (promoted to locals by the backend) cost no memory traffic. */
  const registers = new Set<ir.Buffer>();
  const access = (buffer: ir.Buffer, index: ir.Expr, execs: number, role: 'load' | 'store') => {
    if (registers.has(buffer)) return;
    const elems = execs * index.lanes;
    accessElements += elems;
    out[role === 'load' ? F.load_elements! : F.store_elements!]! += elems;
    out[role === 'load' ? F.bytes_loaded! : F.bytes_stored!]! += elems * bytes(buffer.dtype);
    const s = strideOf(index);
    if (s === 0) invariant += elems;
    else if (s <= index.lanes) contiguous += elems;
    else strided += elems;
    const b = bytes(buffer.dtype);
    const whole = Math.min(span(index, 0) * b / LINE, elems);
    const innerLevel = Math.max(0, loops.length - 2);
    const inner = span(index, innerLevel) * b;
    out[F.lines_touched!]! += Number.isFinite(whole) ? whole : elems;
    const innerTrips = loops.slice(0, innerLevel).reduce((a, l) => a * Math.max(0, l.extent), 1);
    out[F.inner_lines_touched!]! += Number.isFinite(inner) ? (inner / LINE) * innerTrips : elems;
    out[F.inner_working_set_bytes!] = Math.max(out[F.inner_working_set_bytes!]!, Number.isFinite(inner) ? inner : 0);
  };

  const countExpr = (e: ir.Expr, execs: number): void => {
    const elems = execs * e.lanes;
    const instr = () => { out[e.lanes > 1 ? F.vector_instructions! : F.scalar_instructions!]! += execs; };
    switch (e.kind) {
      case 'binary': {
        const fl = isFloat(e.dtype);
        const name = fl
          ? e.op === 'add' || e.op === 'sub' ? 'float_add_sub' : e.op === 'mul' ? 'float_mul' : e.op === 'div' || e.op === 'mod' ? 'float_div' : 'float_min_max'
          : e.op === 'add' || e.op === 'sub' || e.op === 'mul' ? 'int_arith' : e.op === 'div' || e.op === 'mod' ? 'int_div_mod' : e.op === 'min' || e.op === 'max' ? 'int_arith' : 'int_bitwise';
        out[F[name]!]! += elems;
        if (fl) flops += elems;
        instr();
        break;
      }
      case 'cmp': case 'select': case 'not': out[F.compare_select!]! += elems; instr(); break;
      case 'cast': case 'reinterpret': out[F.casts!]! += elems; instr(); break;
      case 'call': out[F.float_math_calls!]! += elems; flops += elems; instr(); break;
      case 'load': access(e.buffer, e.index, execs, 'load'); instr(); break;
      default: break;
    }
    for (const c of ir.children(e)) countExpr(c, execs);
  };

  const execsHere = () => loops.reduce((a, l) => a * Math.max(0, l.extent), 1);
  const walk = (s: Stmt, depth: number): void => {
    switch (s.kind) {
      case 'for': {
        const scope = scopeFrom(0);
        const min = constantUpperBound(concrete(s.min)) ?? 0;
        const extent = upper(s.extent, scope);
        out[F.loop_iterations!]! += execsHere() * Math.max(0, extent);
        loops.push({ v: s.v, min, extent, kind: s.forKind });
        out[F.max_loop_depth!] = Math.max(out[F.max_loop_depth!]!, loops.length);
        if (s.forKind === 'parallel') out[F.parallel_extent!] = Math.max(out[F.parallel_extent!]!, extent);
        walk(s.body, depth + 1);
        loops.pop();
        return;
      }
      case 'store': {
        const execs = execsHere();
        storeExecs += execs;
        out[F.stores_static!]! += 1;
        out[F.max_vector_lanes!] = Math.max(out[F.max_vector_lanes!]!, s.value.lanes);
        if (s.value.lanes > 1) vectorStores += execs;
        if (loops.some((l) => l.kind === 'unrolled')) unrolledStores += execs;
        out[F.innermost_extent!]! += execs * (loops[loops.length - 1]?.extent ?? 1);
        access(s.buffer, s.index, execs, 'store');
        countExpr(s.value, execs);
        countExpr(s.index, execs);
        return;
      }
      case 'letStmt': countExpr(s.value, execsHere()); lets.set(s.v, ir.substitute(s.value, lets)); walk(s.body, depth); lets.delete(s.v); return;
      case 'if': out[F.branch_executions!]! += execsHere(); countExpr(s.cond, execsHere()); walk(s.then, depth); if (s.else) walk(s.else, depth); return;
      case 'allocate': {
        const n = upper(s.size, scopeFrom(0));
        if (s.scope === 'register') { out[F.register_elements!]! += n; registers.add(s.buffer); }
        else out[F.stack_bytes!] = Math.max(out[F.stack_bytes!]!, n * bytes(s.buffer.dtype));
        walk(s.body, depth);
        return;
      }
      case 'block': s.stmts.forEach((x) => walk(x, depth)); return;
      case 'realize': case 'produce': walk(s.body, depth); return;
      default: return;
    }
  };
  walk(f.body, 0);
  const totalBytes = out[F.bytes_loaded!]! + out[F.bytes_stored!]!;
  out[F.total_flops!] = flops;
  out[F.reuse_per_line!] = out[F.lines_touched!]! > 0 ? accessElements / out[F.lines_touched!]! : 0;
  out[F.contiguous_fraction!] = accessElements ? contiguous / accessElements : 0;
  out[F.strided_fraction!] = accessElements ? strided / accessElements : 0;
  out[F.invariant_fraction!] = accessElements ? invariant / accessElements : 0;
  out[F.arithmetic_intensity!] = totalBytes ? flops / totalBytes : 0;
  out[F.vectorized_fraction!] = storeExecs ? vectorStores / storeExecs : 0;
  out[F.unrolled_fraction!] = storeExecs ? unrolledStores / storeExecs : 0;
  out[F.innermost_extent!] = storeExecs ? out[F.innermost_extent!]! / storeExecs : 0;
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!) || out[i]! < 0) out[i] = 0;
  return out;
}

/** The index of a feature by name. @throws RangeError for an unknown name */
export function featureIndex(name: string): number {
  const i = F[name];
  if (i === undefined) throw new RangeError(`no feature ${name}; the features are ${FEATURE_NAMES.join(', ')}`);
  return i;
}
