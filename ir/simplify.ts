/**
 * The simplifier: constant folding, affine canonicalisation of i32 index arithmetic (sums of
 * coefficient * atom plus a constant, in a fixed term order, so equal affine expressions print and
 * compare equal), and the min/max, floor-division and remainder rules that bound inference needs.
 * Rules are exact under Tessera's semantics (ir/ops.ts); i32 index arithmetic is assumed not to
 * overflow, as in Halide (Simplify.cpp).
 */
import {
  type Expr, type Var, binary, broadcast, cast, cmp, constant, constValue, isConst, letIn, mapChildren, not,
  ramp, reinterpret, select, substitute, children, type CmpOp,
} from './expr.js';
import { type Stmt, NOOP, block, forLoop, ifThen, letStmt, mapStmtChildren, type StmtMapper } from './stmt.js';
import { evalBinary, evalCast, evalCall, evalCmp, evalReinterpret, floorDiv, euclidMod } from './ops.js';
import { exprKey } from './key.js';
import { MemoCache } from './memo_cache.js';
import { isFloat } from './dtype.js';

interface Term { readonly atom: Expr; coeff: number }
/** sum(coeff * atom) + c over i32 scalars. */
class Linear {
  constructor(readonly terms = new Map<string, Term>(), public c = 0) {}
  static of(e: Expr): Linear {
    const cv = constValue(e);
    if (cv !== undefined && e.lanes === 1) return new Linear(new Map(), cv);
    if (e.kind === 'binary' && (e.op === 'add' || e.op === 'sub')) {
      const a = Linear.of(e.a), b = Linear.of(e.b);
      return a.addScaled(b, e.op === 'add' ? 1 : -1);
    }
    if (e.kind === 'binary' && e.op === 'mul') {
      const ca = constValue(e.a), cb = constValue(e.b);
      if (cb !== undefined) return Linear.of(e.a).scaled(cb);
      if (ca !== undefined) return Linear.of(e.b).scaled(ca);
    }
    return new Linear(new Map([[exprKey(e), { atom: e, coeff: 1 }]]), 0);
  }
  addScaled(o: Linear, k: number): Linear {
    const terms = new Map<string, Term>();
    for (const [key, t] of this.terms) terms.set(key, { atom: t.atom, coeff: t.coeff });
    for (const [key, t] of o.terms) {
      const cur = terms.get(key);
      if (cur) cur.coeff += k * t.coeff;
      else terms.set(key, { atom: t.atom, coeff: k * t.coeff });
    }
    for (const [key, t] of terms) if (t.coeff === 0) terms.delete(key);
    return new Linear(terms, this.c + k * o.c);
  }
  scaled(k: number): Linear {
    if (k === 0) return new Linear(new Map(), 0);
    const terms = new Map<string, Term>();
    for (const [key, t] of this.terms) terms.set(key, { atom: t.atom, coeff: t.coeff * k });
    return new Linear(terms, this.c * k);
  }
  isConst(): boolean { return this.terms.size === 0; }
  /**
   * k*c*(x / c) + k*(x mod c) = k*x for a constant c > 0 (floor division and the Euclidean remainder):
   * the coordinates of a fused loop, y = f / W and x = f mod W, recombine into f in y*W + x, so the
   * index of a dense tensor stays affine (Halide's Simplify_Add rule for x / c * c + x % c). With
   * x = f / a itself a quotient, x / c is also found as f / (a c) (floor division by positive
   * constants composes), and the rule repeats on what it made: three or more fused axes,
   * f / (H W) * H W + (f / W) mod H * W + f mod W, recombine into f.
   */
  recombineDivMod(): Linear {
    let out: Linear = this;
    for (let changed = true; changed;) {
      changed = false;
      for (const [key, t] of out.terms) {
        const m = t.atom;
        if (m.kind !== 'binary' || m.op !== 'mod') continue;
        const c = constValue(m.b);
        if (c === undefined || c <= 0) continue;
        const keys = [exprKey(binary('div', m.a, m.b))];
        const inner = m.a.kind === 'binary' && m.a.op === 'div' ? m.a : undefined;
        const a = inner && constValue(inner.b);
        if (inner && a !== undefined && a > 0) keys.push(exprKey(binary('div', inner.a, constant(a * c, inner.b.dtype))));
        const divKey = keys.find((k) => out.terms.get(k)?.coeff === t.coeff * c);
        if (divKey === undefined) continue;
        const rest = new Linear(new Map([...out.terms].filter(([k]) => k !== key && k !== divKey)), out.c);
        out = rest.addScaled(Linear.of(m.a), t.coeff);
        changed = true;
        break;
      }
    }
    return out;
  }
  build(): Expr {
    const sorted = [...this.terms.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map((x) => x[1]);
    let acc: Expr | undefined;
    const scaled = (t: Term, k: number): Expr => (k === 1 ? t.atom : binary('mul', t.atom, constant(k)));
    for (const t of sorted) if (t.coeff > 0) acc = acc ? binary('add', acc, scaled(t, t.coeff)) : scaled(t, t.coeff);
    for (const t of sorted) {
      if (t.coeff >= 0) continue;
      acc = acc ? binary('sub', acc, scaled(t, -t.coeff)) : binary('mul', t.atom, constant(t.coeff));
    }
    if (!acc) return constant(this.c);
    if (this.c > 0) return binary('add', acc, constant(this.c));
    if (this.c < 0) return binary('sub', acc, constant(-this.c));
    return acc;
  }
}

/**
 * Structural equality of a built affine form with the expression it came from: the atoms are the
 * same objects, so only the add/sub/mul spine is compared (no keys built for the fresh nodes).
 */
function sameSpine(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  if (a.kind === 'const' && b.kind === 'const') return a.value === b.value && a.dtype === b.dtype;
  if (a.kind === 'binary' && b.kind === 'binary') return a.op === b.op && sameSpine(a.a, b.a) && sameSpine(a.b, b.b);
  return a.kind === b.kind && exprKey(a) === exprKey(b);
}

const isIndex = (e: Expr): boolean => e.dtype === 'i32' && e.lanes === 1;

/** The constant difference a - b of two i32 scalars, if their affine forms differ by a constant. */
export function constDiff(a: Expr, b: Expr): number | undefined {
  if (!isIndex(a) || !isIndex(b)) return undefined;
  const d = Linear.of(a).addScaled(Linear.of(b), -1);
  return d.isConst() ? d.c : undefined;
}

function foldConstants(e: Expr): Expr | undefined {
  if (e.lanes !== 1) return undefined;
  const cs = children(e);
  if (cs.length === 0 || !cs.every((c) => c.kind === 'const')) return undefined;
  const v = cs.map((c) => (c as { value: number }).value);
  switch (e.kind) {
    case 'binary': return constant(evalBinary(e.op, e.dtype, v[0]!, v[1]!), e.dtype);
    case 'cmp': return constant(evalCmp(e.op, v[0]!, v[1]!), 'bool');
    case 'not': return constant(v[0] ? 0 : 1, 'bool');
    case 'select': return v[0] ? e.t : e.f;
    case 'cast': return constant(evalCast(e.value.dtype, e.dtype, v[0]!), e.dtype);
    case 'reinterpret': return constant(evalReinterpret(e.value.dtype, e.dtype, v[0]!), e.dtype);
    case 'call': return constant(evalCall(e.fn, e.dtype, v), e.dtype);
    default: return undefined;
  }
}

const NEGATE: Record<CmpOp, CmpOp> = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', le: 'gt', gt: 'le' };

function simplifyMinMax(e: Expr & { kind: 'binary' }): Expr {
  const isMin = e.op === 'min';
  let { a, b } = e;
  if (constValue(a) !== undefined && constValue(b) === undefined) [a, b] = [b, a];
  const d = constDiff(a, b);
  if (d !== undefined) return (d <= 0) === isMin ? a : b;
  if (exprKey(a) === exprKey(b)) return a;
  // min(min(x, c1), c2) -> min(x, min(c1, c2))
  const cb = constValue(b);
  if (cb !== undefined && a.kind === 'binary' && a.op === e.op) {
    const ca = constValue(a.b);
    if (ca !== undefined) return binary(e.op, a.a, constant(isMin ? Math.min(ca, cb) : Math.max(ca, cb), e.dtype, e.lanes));
  }
  // min(min(x, y), x) -> min(x, y) and friends.
  for (const [outer, other] of [[a, b], [b, a]] as const) {
    if (outer.kind === 'binary' && outer.op === e.op && (exprKey(outer.a) === exprKey(other) || exprKey(outer.b) === exprKey(other))) return outer;
  }
  if (isIndex(e)) {
    // min(x + c1, y + c1) -> min(x, y) + c1 keeps extents in a form whose differences cancel.
    const la = Linear.of(a), lb = Linear.of(b);
    if (la.c !== 0 && la.c === lb.c) {
      const k = la.c;
      la.c = 0; lb.c = 0;
      return binary('add', binary(e.op, la.build(), lb.build()), constant(k));
    }
    // min(x + c1, c2) -> min(x, c2 - c1) + c1 (Halide's Simplify_Min): one form for both, so
    // min(x + 7, 19) - min(x, 12) is 7 and a tile's extent a constant.
    if (la.c !== 0 && !la.isConst() && lb.isConst()) {
      const k = la.c;
      la.c = 0;
      return binary('add', binary(e.op, la.build(), constant(lb.c - k)), constant(k));
    }
  }
  return a === e.a && b === e.b ? e : binary(e.op, a, b);
}

/** (X*w + R) / w = X + R / w and (X*w + R) % w = R % w for a variable w (floor division). */
function divModByVar(e: Expr & { kind: 'binary' }): Expr {
  const w = e.b as Expr & { kind: 'var' };
  const l = Linear.of(e.a);
  const q = new Linear(), r = new Linear(new Map(), l.c);
  for (const [key, t] of l.terms) {
    const a = t.atom;
    const other = a.kind === 'binary' && a.op === 'mul'
      ? (a.b.kind === 'var' && a.b.v === w.v ? a.a : a.a.kind === 'var' && a.a.v === w.v ? a.b : undefined)
      : a.kind === 'var' && a.v === w.v ? constant(1) : undefined;
    if (other) q.terms.set(exprKey(other), { atom: other, coeff: t.coeff });
    else r.terms.set(key, { atom: a, coeff: t.coeff });
  }
  if (q.terms.size === 0) return e;
  const rest = r.build();
  if (e.op === 'mod') return binary('mod', rest, e.b);
  return binary('add', q.build(), binary('div', rest, e.b));
}

const gcd = (a: number, b: number): number => { a = Math.abs(a); b = Math.abs(b); while (b) [a, b] = [b, a % b]; return a; };

/**
 * i32 vector division and remainder by a broadcast constant c > 0 (Halide's Simplify_Div and
 * Simplify_Mod ramp rules, floor semantics): broadcast(x) op broadcast(c) = broadcast(x op c);
 * ramp(x, s, n) / c = ramp(x / c, s / c, n) when c divides s; and when x = c*Q + r with 0 <= r + s*i < c
 * for every lane i (x's terms all multiples of c), ramp(x, s, n) / c = broadcast(x / c) and
 * ramp(x, s, n) % c = ramp(r, s, n). A packed layout's index (k / 4, k % 4 with k vectorized by 4)
 * then stays a dense vector access instead of a gather.
 */
function simplifyVectorDivMod(e: Expr & { kind: 'binary' }): Expr {
  const { a } = e;
  const c = e.b.kind === 'broadcast' ? constValue(e.b.value) : undefined;
  if (c === undefined || c <= 0 || !Number.isInteger(c) || e.dtype !== 'i32') return e;
  if (a.kind === 'broadcast') return broadcast(simplifyNode(binary(e.op, a.value, constant(c))), e.lanes);
  if (a.kind !== 'ramp') return e;
  const s = constValue(a.stride);
  if (s === undefined) return e;
  if (e.op === 'div' && s % c === 0) return ramp(simplifyNode(binary('div', a.base, constant(c))), constant(s / c), e.lanes);
  const base = Linear.of(a.base);
  let g = 0;
  for (const t of base.terms.values()) g = gcd(g, t.coeff);
  if (g % c !== 0) return e;
  const r = euclidMod(base.c, c), span = s * (e.lanes - 1);
  if (r + Math.min(0, span) < 0 || r + Math.max(0, span) >= c) return e;
  return e.op === 'div' ? broadcast(simplifyNode(binary('div', a.base, constant(c))), e.lanes) : ramp(constant(r), a.stride, e.lanes);
}

function simplifyDivMod(e: Expr & { kind: 'binary' }): Expr {
  if (e.lanes > 1) return simplifyVectorDivMod(e);
  if (isIndex(e) && e.b.kind === 'var') return divModByVar(e);
  const c = constValue(e.b);
  if (c === undefined || c <= 0 || !isIndex(e)) return e;
  if (c === 1) return e.op === 'div' ? e.a : constant(0);
  if (e.op === 'div' && e.a.kind === 'binary' && e.a.op === 'div') {
    const c1 = constValue(e.a.b);
    if (c1 !== undefined && c1 > 0) return simplifyDivMod(binary('div', e.a.a, constant(c1 * c)) as Expr & { kind: 'binary' });
  }
  const l = Linear.of(e.a);
  const q = new Linear(), r = new Linear();
  for (const [key, t] of l.terms) {
    const qt = Math.trunc(t.coeff / c), rt = t.coeff - qt * c;
    if (qt) q.terms.set(key, { atom: t.atom, coeff: qt });
    if (rt) r.terms.set(key, { atom: t.atom, coeff: rt });
  }
  if (r.isConst()) {
    // Every term is a multiple of c: floor((c*Q + k)/c) = Q + floor(k/c).
    q.c = floorDiv(l.c, c);
    return e.op === 'div' ? q.build() : constant(euclidMod(l.c, c));
  }
  const qc = Math.trunc(l.c / c);
  q.c = qc; r.c = l.c - qc * c;
  if (q.isConst() && q.c === 0) return e;
  if (e.op === 'mod') return binary('mod', r.build(), e.b);
  return binary('add', binary('div', r.build(), e.b), q.build());
}

/**
 * rest + min(a, b) = min(rest + a, rest + b) (and rest - min(a, b) = max(rest - a, rest - b)) when
 * rest has variables: the arms become affine, so their differences cancel in bounds and extents.
 */
function distributeIntoMinMax(l: Linear): Expr | undefined {
  if (l.terms.size < 2) return undefined;
  const entries = [...l.terms].filter(([, t]) => t.atom.kind === 'binary' && (t.atom.op === 'min' || t.atom.op === 'max'));
  if (entries.length !== 1) return undefined;
  const [key, t] = entries[0]!;
  if (Math.abs(t.coeff) !== 1 || l.terms.size < 2) return undefined;
  const atom = t.atom as Expr & { kind: 'binary' };
  const rest = new Linear(new Map([...l.terms].filter(([k]) => k !== key)), l.c);
  const op = (atom.op === 'min') === (t.coeff > 0) ? 'min' : 'max';
  const arm = (x: Expr) => rest.addScaled(Linear.of(x), t.coeff).build();
  return binary(op, arm(atom.a), arm(atom.b));
}

/**
 * rest + min(a, b) > 0 holds iff rest + a > 0 and rest + b > 0 (and with max, or): comparisons on
 * index expressions are split so that each side is affine, which loop partitioning can solve.
 */
export function splitComparison(e: Expr & { kind: 'cmp' }): Expr | undefined {
  if (!isIndex(e.a) || e.op === 'eq' || e.op === 'ne') return undefined;
  // Normalize to d >= 0 (ge) or d > 0 (gt) with d = b - a for lt/le and a - b for gt/ge.
  const strict = e.op === 'lt' || e.op === 'gt';
  const d = e.op === 'lt' || e.op === 'le' ? Linear.of(e.b).addScaled(Linear.of(e.a), -1) : Linear.of(e.a).addScaled(Linear.of(e.b), -1);
  const entry = [...d.terms].find(([, t]) => t.atom.kind === 'binary' && (t.atom.op === 'min' || t.atom.op === 'max') && Math.abs(t.coeff) === 1);
  if (!entry) return undefined;
  const [key, t] = entry;
  const atom = t.atom as Expr & { kind: 'binary' };
  const rest = new Linear(new Map([...d.terms].filter(([k]) => k !== key)), d.c);
  const isMin = (atom.op === 'min') === (t.coeff > 0);
  const side = (x: Expr) => {
    const lin = rest.addScaled(Linear.of(x), t.coeff).build();
    return cmp(strict ? 'gt' : 'ge', lin, constant(0));
  };
  return binary(isMin ? 'and' : 'or', side(atom.a), side(atom.b));
}

function simplifyNode(e: Expr): Expr {
  const folded = foldConstants(e);
  if (folded) return folded;
  switch (e.kind) {
    case 'binary': {
      const { op, a, b } = e;
      if (isIndex(e) && (op === 'add' || op === 'sub' || op === 'mul')) {
        const built = Linear.of(e).recombineDivMod().build();
        return sameSpine(built, e) ? e : built;
      }
      if (op === 'min' || op === 'max') return simplifyMinMax(e);
      if (op === 'div' || op === 'mod') return simplifyDivMod(e);
      // Vector forms: op(broadcast, broadcast) -> broadcast(op); ramp arithmetic with broadcasts.
      if (a.kind === 'broadcast' && b.kind === 'broadcast') return broadcast(simplifyNode(binary(op, a.value, b.value)), e.lanes);
      if (e.dtype === 'i32' && (op === 'add' || op === 'sub') && a.kind === 'ramp' && b.kind === 'broadcast') {
        return ramp(simplifyNode(binary(op, a.base, b.value)), a.stride, e.lanes);
      }
      if (e.dtype === 'i32' && op === 'add' && a.kind === 'broadcast' && b.kind === 'ramp') {
        return ramp(simplifyNode(binary('add', a.value, b.base)), b.stride, e.lanes);
      }
      if (e.dtype === 'i32' && op === 'mul' && a.kind === 'ramp' && b.kind === 'broadcast') {
        return ramp(simplifyNode(binary('mul', a.base, b.value)), simplifyNode(binary('mul', a.stride, b.value)), e.lanes);
      }
      if (e.dtype === 'i32' && op === 'add' && a.kind === 'ramp' && b.kind === 'ramp') {
        return ramp(simplifyNode(binary('add', a.base, b.base)), simplifyNode(binary('add', a.stride, b.stride)), e.lanes);
      }
      const cb = constValue(b), ca = constValue(a);
      if (!isFloat(e.dtype) && e.dtype !== 'bool') {
        if ((op === 'add' || op === 'sub' || op === 'or' || op === 'xor' || op === 'shl' || op === 'shr') && cb === 0) return a;
        if ((op === 'add' || op === 'or' || op === 'xor') && ca === 0) return b;
        if (op === 'mul' && cb === 1) return a;
        if (op === 'mul' && ca === 1) return b;
        if (op === 'mul' && (ca === 0 || cb === 0)) return constant(0, e.dtype, e.lanes);
      } else if (isFloat(e.dtype)) {
        if (cb === 1 && (op === 'mul' || (op as string) === 'div')) return a;
        if (op === 'mul' && ca === 1) return b;
      } else {
        if (op === 'and') { if (cb === 1) return a; if (ca === 1) return b; if (cb === 0 || ca === 0) return constant(0, 'bool', e.lanes); }
        if (op === 'or') { if (cb === 0) return a; if (ca === 0) return b; if (cb === 1 || ca === 1) return constant(1, 'bool', e.lanes); }
        if ((op === 'and' || op === 'or') && exprKey(a) === exprKey(b)) return a;
      }
      return e;
    }
    case 'cmp': {
      const d = constDiff(e.a, e.b);
      if (d !== undefined) return constant(evalCmp(e.op, d, 0), 'bool');
      if (e.a.kind === 'broadcast' && e.b.kind === 'broadcast') return broadcast(simplifyNode(cmp(e.op, e.a.value, e.b.value)), e.lanes);
      return e;
    }
    case 'not': {
      if (e.a.kind === 'not') return e.a.a;
      if (e.a.kind === 'cmp') return cmp(NEGATE[e.a.op], e.a.a, e.a.b);
      return e;
    }
    case 'select': {
      const c = constValue(e.cond);
      if (c !== undefined) return c ? e.t : e.f;
      if (exprKey(e.t) === exprKey(e.f)) return e.t;
      return e;
    }
    case 'cast': {
      const v = e.value;
      if (v.kind === 'broadcast') return broadcast(simplifyNode(cast(e.dtype, v.value)), e.lanes);
      return e;
    }
    case 'reinterpret': {
      const v = e.value;
      if (v.kind === 'broadcast') return broadcast(simplifyNode(reinterpret(e.dtype, v.value)), e.lanes);
      if (v.kind === 'reinterpret') return reinterpret(e.dtype, v.value);
      return e;
    }
    case 'ramp':
      return isConst(e.stride, 0) ? broadcast(e.base, e.lanes) : e;
    case 'broadcast':
      return e;
    case 'let': {
      if (e.value.kind === 'const' || e.value.kind === 'var') return simplify(substitute(e.body, new Map([[e.v, e.value]])));
      return e;
    }
    default:
      return e;
  }
}

const memo = new MemoCache<Expr, Expr>();

/**
 * Pushes the affine rest of an index sum into its one min/max term (rest + min(a, b) =
 * min(rest + a, rest + b)), so a clamp introduced for a guarded variable keeps its correlation with
 * the loop variables; `e` itself when it has no such form.
 */
export function distributeSum(e: Expr): Expr {
  if (!isIndex(e)) return e;
  const d = distributeIntoMinMax(Linear.of(e));
  return d ? simplify(d) : e;
}

/** Simplifies `e` bottom-up. Pure: returns `e` itself when no rule applies. */
export function simplify(e: Expr): Expr {
  const hit = memo.get(e);
  if (hit) return hit;
  const withKids = mapChildren(e, simplify);
  let out = simplifyNode(withKids);
  if (out !== withKids) out = simplify(out);
  memo.set(e, out);
  memo.set(out, out);
  return out;
}

/** Replaces free occurrences of variables in a statement (by identity). */
export function substituteStmt(s: Stmt, map: ReadonlyMap<Var, Expr>): Stmt {
  if (map.size === 0) return s;
  const m: StmtMapper = { stmt: (x) => mapStmtChildren(x, m), expr: (e) => substitute(e, map) };
  return m.stmt(s);
}

/**
 * Simplifies every expression in `s` and removes dead structure: loops of extent <= 0, unit loops
 * (replaced by their variable's value), constant conditions, lets of constants.
 */
export function simplifyStmt(s: Stmt): Stmt {
  const m: StmtMapper = {
    expr: simplify,
    stmt: (x) => {
      const y = mapStmtChildren(x, m);
      switch (y.kind) {
        case 'for': {
          const ext = constValue(y.extent);
          if (ext !== undefined && ext <= 0) return NOOP;
          if (ext === 1 && y.forKind !== 'gpu_block' && y.forKind !== 'gpu_thread' && y.forKind !== 'parallel') {
            return m.stmt(substituteStmt(y.body, new Map([[y.v, y.min]])));
          }
          if (y.body.kind === 'block' && y.body.stmts.length === 0) return NOOP;
          return y;
        }
        case 'if': {
          const c = constValue(y.cond);
          if (c !== undefined) return c ? y.then : (y.else ?? NOOP);
          return y;
        }
        case 'letStmt':
          if (y.value.kind === 'const' || y.value.kind === 'var') return m.stmt(substituteStmt(y.body, new Map([[y.v, y.value]])));
          return y;
        case 'block':
          return block(y.stmts.filter((t) => !(t.kind === 'block' && t.stmts.length === 0)));
        default:
          return y;
      }
    },
  };
  return m.stmt(s);
}

export { not, select, letIn, forLoop, ifThen, letStmt };
