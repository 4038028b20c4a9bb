/**
 * Vector indices as a scalar plus constant lane offsets, and the dense runs those offsets hold: a
 * store whose lanes land on runs of adjacent elements (a row stored de-interleaved, column x at
 * x mod s, x / s: lanes 0, 2, 4, 6 on one run and 1, 3, 5, 7 on another) is written as one shuffle
 * and one vector store per run instead of one extract and one scalar store per lane.
 */
import * as ir from '../../ir/expr.js';
import { evalBinary } from '../../ir/ops.js';

/** The lane values of a constant i32 vector expression, or undefined when it is not constant. */
export function constantLanes(e: ir.Expr, known: (v: ir.Var) => readonly number[] | undefined): readonly number[] | undefined {
  if (e.dtype !== 'i32') return undefined;
  const L = e.lanes;
  switch (e.kind) {
    case 'const': return Array.from({ length: L }, () => e.value);
    case 'broadcast': {
      const c = ir.constValue(e.value);
      return c === undefined ? undefined : Array.from({ length: L }, () => c);
    }
    case 'ramp': {
      const b = ir.constValue(e.base), s = ir.constValue(e.stride);
      return b === undefined || s === undefined ? undefined : Array.from({ length: L }, (_, i) => b + i * s);
    }
    case 'var': return known(e.v);
    case 'binary': {
      const a = constantLanes(e.a, known), b = constantLanes(e.b, known);
      if (!a || !b) return undefined;
      return a.map((x, i) => evalBinary(e.op, 'i32', x, b[i]!));
    }
    default: return undefined;
  }
}

/**
 * An i32 vector index written as broadcast(scalar) + offsets, the scalar undefined when the whole
 * index is constant; undefined when the index has no such form (a lane-varying non-constant term).
 */
export function scalarPlusLanes(e: ir.Expr, known: (v: ir.Var) => readonly number[] | undefined): { scalar: ir.Expr | undefined; offsets: readonly number[] } | undefined {
  const c = constantLanes(e, known);
  if (c) return { scalar: undefined, offsets: c };
  const L = e.lanes;
  if (e.kind === 'broadcast') return { scalar: e.value, offsets: new Array(L).fill(0) };
  if (e.kind === 'ramp') {
    const s = ir.constValue(e.stride);
    return s === undefined ? undefined : { scalar: e.base, offsets: Array.from({ length: L }, (_, i) => i * s) };
  }
  if (e.kind === 'binary' && (e.op === 'add' || e.op === 'sub')) {
    const a = scalarPlusLanes(e.a, known), b = scalarPlusLanes(e.b, known);
    if (!a || !b || (e.op === 'sub' && b.scalar)) return undefined;
    const scalar = a.scalar && b.scalar ? ir.add(a.scalar, b.scalar) : (a.scalar ?? b.scalar);
    return { scalar, offsets: a.offsets.map((x, i) => (e.op === 'add' ? x + b.offsets[i]! : x - b.offsets[i]!)) };
  }
  return undefined;
}

/** A run of `width` adjacent elements starting at `start`, element j written by lane `lanes[j]`. */
export interface LaneRun { readonly start: number; readonly lanes: readonly number[] }

/**
 * The runs of `width` adjacent elements that the lane offsets cover, each lane in at most one run,
 * and the lanes left over; undefined when two lanes share an offset (which one lands is then an
 * order the runs would not keep).
 */
export function denseRuns(offsets: readonly number[], width: number): { runs: LaneRun[]; rest: number[] } | undefined {
  const laneAt = new Map<number, number>();
  for (let i = 0; i < offsets.length; i++) {
    if (laneAt.has(offsets[i]!)) return undefined;
    laneAt.set(offsets[i]!, i);
  }
  const taken = new Set<number>();
  const runs: LaneRun[] = [];
  for (const start of [...offsets].sort((a, b) => a - b)) {
    if (taken.has(laneAt.get(start)!)) continue;
    const lanes: number[] = [];
    for (let j = 0; j < width; j++) {
      const l = laneAt.get(start + j);
      if (l === undefined || taken.has(l)) break;
      lanes.push(l);
    }
    if (lanes.length < width) continue;
    lanes.forEach((l) => taken.add(l));
    runs.push({ start, lanes });
  }
  return { runs, rest: offsets.map((_, i) => i).filter((i) => !taken.has(i)) };
}
