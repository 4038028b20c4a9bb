/**
 * Vectorization (Halide's VectorizeLoops): a vectorized loop of constant extent L becomes one pass
 * over L-lane vectors: its variable becomes ramp(min, 1, L) and everything depending on it widens.
 * - A guard that varies across lanes (a guarded split tail) versions the loop: the vector body runs
 *   when the guard holds for every lane, the serial loop otherwise. This is exact when the guard is
 *   a conjunction of comparisons linear in the lane, checked at both end lanes.
 * - A load whose index is a clamped ramp (a boundary condition) loads densely when the clamps are
 *   inactive for the whole vector, and gathers otherwise.
 * Anything else that cannot be vectorized leaves the loop serial, with a note saying why.
 */
import * as ir from '../ir/expr.js';
import { type Stmt, block, forLoop, ifThen, letStmt, mapStmtChildren, store, type StmtMapper, mapBottomUp, varsDefinedIn } from '../ir/stmt.js';
import { simplify } from '../ir/simplify.js';
import { constantUpperBound } from '../ir/interval.js';
import { printExpr } from '../ir/printer.js';
import { ScheduleError } from '../schedule/error.js';
import { stageAndAxis } from './loop_names.js';

class CannotVectorize extends Error {}

/** Dense form of a vector index: ramp(base, 1, L) whenever all `conds` hold. */
interface Dense { readonly base: ir.Expr; readonly conds: readonly ir.Expr[] }

function denseForm(e: ir.Expr, lanes: number): Dense | undefined {
  if (e.kind === 'ramp') return ir.constValue(e.stride) === 1 ? { base: e.base, conds: [] } : undefined;
  if (e.kind !== 'binary') return undefined;
  const { op, a, b } = e;
  if ((op === 'add' || op === 'sub') && b.kind === 'broadcast') {
    const d = denseForm(a, lanes);
    return d && { base: simplify(ir.binary(op, d.base, b.value)), conds: d.conds };
  }
  if (op === 'add' && a.kind === 'broadcast') {
    const d = denseForm(b, lanes);
    return d && { base: simplify(ir.add(a.value, d.base)), conds: d.conds };
  }
  if ((op === 'min' || op === 'max') && (a.kind === 'broadcast' || b.kind === 'broadcast')) {
    const [x, bound] = b.kind === 'broadcast' ? [a, b.value] : [b, (a as ir.Broadcast).value];
    const d = denseForm(x, lanes);
    if (!d) return undefined;
    const cond = op === 'min' ? ir.le(simplify(ir.add(d.base, ir.constant(lanes - 1))), bound) : ir.le(bound, d.base);
    return { base: d.base, conds: [...d.conds, simplify(cond)] };
  }
  return undefined;
}

class Vectorizer {
  private readonly env = new Map<ir.Var, ir.Expr>();
  constructor(readonly v: ir.Var, readonly lanes: number, min: ir.Expr) {
    this.env.set(v, ir.ramp(min, ir.constant(1), lanes));
  }

  private widen(e: ir.Expr): ir.Expr {
    if (e.lanes === this.lanes) return e;
    // A vector of an inner vectorized loop that does not depend on this loop's lane.
    if (e.lanes !== 1) throw new CannotVectorize('it contains another vectorized loop');
    return ir.broadcast(e, this.lanes);
  }

  private varies(e: ir.Expr): boolean { return ir.usesVar(e, (x) => this.env.has(x)); }

  expr = (e: ir.Expr): ir.Expr => {
    if (!this.varies(e)) return e;
    switch (e.kind) {
      case 'var': return this.env.get(e.v)!;
      case 'binary': return ir.binary(e.op, this.widen(this.expr(e.a)), this.widen(this.expr(e.b)));
      case 'cmp': return ir.cmp(e.op, this.widen(this.expr(e.a)), this.widen(this.expr(e.b)));
      case 'not': return ir.not(this.expr(e.a));
      case 'cast': return ir.cast(e.dtype, this.expr(e.value));
      case 'reinterpret': return ir.reinterpret(e.dtype, this.expr(e.value));
      case 'call': return ir.call(e.fn, e.args.map((a) => this.widen(this.expr(a))));
      case 'select': {
        const c = this.expr(e.cond);
        return ir.select(c, this.widen(this.expr(e.t)), this.widen(this.expr(e.f)));
      }
      case 'load': return this.load(e.buffer, simplify(this.widen(this.expr(e.index))));
      case 'let': {
        const value = this.expr(e.value);
        if (value.lanes === 1) return ir.letIn(e.v, value, this.expr(e.body));
        const w = new ir.Var(e.v.name, value.dtype, value.lanes);
        this.env.set(e.v, ir.varRef(w));
        const body = this.expr(e.body);
        this.env.delete(e.v);
        return ir.letIn(w, value, body);
      }
      case 'ramp': case 'broadcast': throw new CannotVectorize('it contains another vectorized loop');
      default: throw new CannotVectorize(`it contains a ${e.kind}`);
    }
  };

  private load(buffer: ir.Buffer, index: ir.Expr): ir.Expr {
    const d = denseForm(index, this.lanes);
    if (!d) return ir.load(buffer, index);
    const dense = ir.load(buffer, ir.ramp(d.base, ir.constant(1), this.lanes));
    if (d.conds.length === 0) return dense;
    return ir.select(d.conds.reduce((a, b) => ir.and(a, b)), dense, ir.load(buffer, index));
  }

  stmt = (s: Stmt): Stmt => {
    switch (s.kind) {
      case 'store': {
        const index = simplify(this.expr(s.index)), value = this.expr(s.value);
        if (index.lanes === 1 && value.lanes > 1) throw new CannotVectorize(`every lane stores to the same element of ${s.buffer.name}`);
        if (index.lanes === 1) {
          let readsIt = false;
          ir.walkExpr(value, (x) => { if (x.kind === 'load' && x.buffer === s.buffer) readsIt = true; });
          if (readsIt) throw new CannotVectorize(`every lane updates the same element of ${s.buffer.name}`);
          return s;
        }
        return store(s.buffer, index, this.widen(value));
      }
      case 'letStmt': {
        const value = this.expr(s.value);
        if (value.lanes === 1) return letStmt(s.v, value, this.stmt(s.body));
        const w = new ir.Var(s.v.name, value.dtype, value.lanes);
        this.env.set(s.v, ir.varRef(w));
        const body = this.stmt(s.body);
        this.env.delete(s.v);
        return letStmt(w, value, body);
      }
      case 'if': {
        if (this.varies(s.cond)) throw new CannotVectorize('internal: a lane-varying condition was not versioned');
        return ifThen(s.cond, this.stmt(s.then), s.else && this.stmt(s.else));
      }
      case 'for': {
        if (this.varies(s.min) || this.varies(s.extent)) throw new CannotVectorize(`the bounds of the inner loop ${s.v.name} depend on the lane`);
        return forLoop(s.v, s.min, s.extent, s.forKind, this.stmt(s.body));
      }
      case 'block': return block(s.stmts.map(this.stmt));
      case 'produce': return { ...s, body: this.stmt(s.body) };
      case 'allocate': throw new CannotVectorize(`it allocates ${s.buffer.name} per lane`);
      default: throw new CannotVectorize(`it contains a ${s.kind}`);
    }
  };
}

/** Whether `cond` is a conjunction of comparisons whose sides differ linearly in the lane. */
function linearInLane(cond: ir.Expr, v: ir.Var): boolean {
  if (cond.kind === 'binary' && cond.op === 'and') return linearInLane(cond.a, v) && linearInLane(cond.b, v);
  if (cond.kind !== 'cmp' || cond.a.dtype !== 'i32') return !ir.usesVar(cond, (x) => x === v);
  const vec = new Vectorizer(v, 2, ir.constant(0));
  const diff = simplify(vec.expr(ir.sub(cond.a, cond.b)));
  return diff.kind === 'ramp' || diff.kind === 'broadcast' || diff.lanes === 1;
}

const hasLoad = (e: ir.Expr): boolean => {
  let found = false;
  ir.walkExpr(e, (x) => { if (x.kind === 'load') found = true; });
  return found;
};

/**
 * Removes the lane-varying ifs of a loop body, and the lane-varying selects whose sides load (a
 * vector select evaluates both sides in every lane, and a load may be out of bounds where its
 * condition is false), keeping their true sides and collecting their conditions.
 */
function hoistLaneGuards(body: Stmt, v: ir.Var, definedInside: ReadonlySet<ir.Var>): { body: Stmt; conds: ir.Expr[] } {
  const conds: ir.Expr[] = [];
  const guard = (cond: ir.Expr) => {
    if (ir.usesVar(cond, (y) => definedInside.has(y))) throw new CannotVectorize(`the condition ${printExpr(cond)} depends on variables defined inside the loop`);
    if (!linearInLane(cond, v)) throw new CannotVectorize(`the condition ${printExpr(cond)} is not linear in the lane`);
    conds.push(cond);
  };
  const expr = (e: ir.Expr): ir.Expr => {
    if (e.kind === 'select' && ir.usesVar(e.cond, (y) => y === v) && (hasLoad(e.t) || hasLoad(e.f))) {
      guard(e.cond);
      return expr(e.t);
    }
    return ir.mapChildren(e, expr);
  };
  const m: StmtMapper = {
    expr,
    stmt: (x) => {
      if (x.kind === 'if' && ir.usesVar(x.cond, (y) => y === v)) {
        guard(x.cond);
        return m.stmt(x.then);
      }
      return mapStmtChildren(x, m);
    },
  };
  return { body: m.stmt(body), conds };
}

function vectorizeLoop(loop: Stmt & { kind: 'for' }, notes: string[], original: Stmt & { kind: 'for' } = loop): Stmt {
  const [stage, axis] = stageAndAxis(loop.v.name);
  const exact = ir.constValue(simplify(loop.extent));
  if (exact === undefined) {
    // A bounded extent vectorizes to its constant bound with a lane guard (versioned below).
    const ub = constantUpperBound(loop.extent);
    if (ub !== undefined && ub > 1) {
      const guarded = forLoop(loop.v, loop.min, ir.constant(ub), 'vectorized', ifThen(ir.lt(ir.varRef(loop.v), simplify(ir.add(loop.min, loop.extent))), loop.body));
      return vectorizeLoop(guarded as Stmt & { kind: 'for' }, notes, loop);
    }
  }
  const lanes = exact;
  if (lanes === undefined) {
    throw new ScheduleError('non-constant-extent', stage, axis, `vectorize: the extent ${printExpr(loop.extent)} is not a constant; use vectorize(${axis}, factor) to split by a constant first`);
  }
  // The fallback for vectors a guard splits: lane by lane, unrolled when the extent is small, so that
  // the constant indices of register-promoted buffers stay constant.
  const serial = forLoop(original.v, original.min, original.extent, ir.constValue(original.extent) !== undefined && ir.constValue(original.extent)! <= 16 ? 'unrolled' : 'serial', original.body);
  if (lanes === 1) return serial;
  try {
    const { body, conds } = hoistLaneGuards(loop.body, loop.v, varsDefinedIn(loop.body));
    const vectorBody = new Vectorizer(loop.v, lanes, loop.min).stmt(body);
    if (conds.length === 0) return vectorBody;
    const at = (e: ir.Expr, lane: number) => ir.substitute(e, new Map([[loop.v, simplify(ir.add(loop.min, ir.constant(lane)))]]));
    const all = conds.flatMap((c) => [at(c, 0), at(c, lanes - 1)]).reduce((a, b) => ir.and(a, b));
    return ifThen(simplify(all), vectorBody, serial);
  } catch (e) {
    if (!(e instanceof CannotVectorize)) throw e;
    notes.push(`${stage}.${axis}: vectorized loop runs serially because ${e.message}`);
    return serial;
  }
}

/**
 * Vectorizes every vectorized loop, innermost first.
 * @param notes receives a line for each loop left serial, with the reason
 * @throws ScheduleError when a vectorized loop's extent is not a constant
 */
export function vectorizeLoops(s: Stmt, notes: string[]): Stmt {
  return mapBottomUp(s, 'for', (y) => (y.forKind === 'vectorized' ? vectorizeLoop(y, notes) : y));
}

