/**
 * cache_read and cache_write (TVM's cache_read_write family): schedule-level rewrites that add a
 * copy stage without touching the algorithm. cache_read(T, readers) makes the readers read a copy of
 * T, which can be computed per tile (bound inference then stores it densely: a packed panel);
 * cache_write(S) computes S into a new stage that S copies, so S's accumulation can live in a small
 * tile (registers) computed at a loop of S.
 */
import * as ir from '../ir/expr.js';
import { type Func, Stage } from '../dsl/func.js';
import { ScheduleError } from './error.js';

/** Replaces reads of `from` by reads of `to` in a stage's definition (same name and axes). */
export function redirectReads(s: Stage, from: ir.FuncRef, to: ir.FuncRef): Stage {
  const go = (e: ir.Expr): ir.Expr => {
    const y = ir.mapChildren(e, go);
    return y.kind === 'access' && y.func === from ? ir.access(to, y.args) : y;
  };
  return new Stage(s.name, s.shape, s.axes, go(s.body), s.reduction);
}

/**
 * The copy stage of cache_read: name(axes) = f(axes), over f's shape.
 * @throws ScheduleError when `name` is not an identifier
 */
export function copyStage(f: Func, name: string, axisNames: readonly string[]): Stage {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ScheduleError('bad-name', name, undefined, `cache: ${JSON.stringify(name)} is not an identifier`);
  const axes = axisNames.map((n) => new ir.Var(n));
  return new Stage(name, f.shape, axes, ir.access(f, axes.map((v) => ir.varRef(v))));
}

/**
 * cache_write's pair: the new stage computes `s`'s definition (with its reduction), and `s` becomes
 * a copy of it.
 */
export function splitWrite(s: Stage, name: string, self: ir.FuncRef): { cache: Stage; copy: Stage } {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ScheduleError('bad-name', s.name, undefined, `cache_write: ${JSON.stringify(name)} is not an identifier`);
  // Reads of the stage itself (a reduction's accumulator) now refer to the cache.
  const cacheAxes = s.axes.map((v) => new ir.Var(v.name));
  const rename = new Map(s.axes.map((v, i) => [v, ir.varRef(cacheAxes[i]!)] as const));
  const tmp = new Stage(name, s.shape, cacheAxes, ir.substitute(s.body, rename), s.reduction);
  const cache = redirectReads(tmp, self, tmp);
  const copyAxes = s.axes.map((v) => new ir.Var(v.name));
  const copy = new Stage(s.name, s.shape, copyAxes, ir.access(cache, copyAxes.map((v) => ir.varRef(v))));
  return { cache, copy };
}
