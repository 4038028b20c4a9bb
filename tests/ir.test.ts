/**
 * Unit tests of the loop IR utilities: the simplifier (ir/simplify.ts), interval analysis
 * (ir/interval.ts) and the printer (ir/printer.ts). Rewrites are checked both by their canonical
 * form and, independently, by evaluating the expression before and after with this file's own
 * integer semantics (floor division, Euclidean remainder, x/0 = x%0 = 0), on many points.
 */
import test from 'ava';
import fc from 'fast-check';
import * as ir from '../ir/expr.js';
import { simplify, constDiff, simplifyStmt } from '../ir/simplify.js';
import { boundsOf, union, type Interval } from '../ir/interval.js';
import { printExpr, printStmt } from '../ir/printer.js';
import { forLoop, store, block, ifThen, letStmt } from '../ir/stmt.js';
import { removeProvenClamps } from '../lower/remove_proven_clamps.js';
import { Schedule } from '../schedule/schedule.js';
import { compile } from '../tessera.js';
import { blurU16, matmul } from './helpers/pipelines.js';

const c = ir.constant;
const x = new ir.Var('x'), y = new ir.Var('y'), z = new ir.Var('z');
const X = ir.varRef(x), Y = ir.varRef(y), Z = ir.varRef(z);
const p = (e: ir.Expr) => printExpr(e);

// --- an independent evaluator of scalar i32 / bool expressions ---------------------------------

function evalI(e: ir.Expr, env: ReadonlyMap<ir.Var, number>): number {
  switch (e.kind) {
    case 'const': return e.value;
    case 'var': {
      const v = env.get(e.v);
      if (v === undefined) throw new Error(`unbound ${e.v.name}`);
      return v;
    }
    case 'binary': {
      const a = evalI(e.a, env), b = evalI(e.b, env);
      switch (e.op) {
        case 'add': return a + b;
        case 'sub': return a - b;
        case 'mul': return a * b;
        case 'div': return b === 0 ? 0 : Math.floor(a / b);
        case 'mod': return b === 0 ? 0 : a - Math.abs(b) * Math.floor(a / Math.abs(b));
        case 'min': return Math.min(a, b);
        case 'max': return Math.max(a, b);
        case 'and': return a && b ? 1 : 0;
        case 'or': return a || b ? 1 : 0;
        default: throw new Error(`op ${e.op}`);
      }
    }
    case 'cmp': {
      const a = evalI(e.a, env), b = evalI(e.b, env);
      return { eq: a === b, ne: a !== b, lt: a < b, le: a <= b, gt: a > b, ge: a >= b }[e.op] ? 1 : 0;
    }
    case 'not': return evalI(e.a, env) ? 0 : 1;
    case 'select': return evalI(e.cond, env) ? evalI(e.t, env) : evalI(e.f, env);
    case 'cast': {
      const v = evalI(e.value, env);
      if (e.dtype === 'u8') return ((v % 256) + 256) % 256;
      if (e.dtype === 'i32') return v;
      throw new Error(`cast to ${e.dtype}`);
    }
    default: throw new Error(`kind ${e.kind}`);
  }
}

/** Asserts that `a` and `b` agree at every point of [-20, 20]^3 for x, y, z (a grid). */
function assertEquivalent(t: import('ava').ExecutionContext, a: ir.Expr, b: ir.Expr): void {
  for (let xi = -20; xi <= 20; xi += 3) for (let yi = -20; yi <= 20; yi++) for (let zi = -4; zi <= 4; zi += 4) {
    const env = new Map([[x, xi], [y, yi], [z, zi]]);
    const va = evalI(a, env), vb = evalI(b, env);
    if (va !== vb) { t.fail(`${p(a)} = ${va} but ${p(b)} = ${vb} at x=${xi}, y=${yi}, z=${zi}`); return; }
  }
  t.pass();
}

// --- simplify ----------------------------------------------------------------------------------------

test('constant folding of integer arithmetic uses floor division and Euclidean remainder', (t) => {
  t.is(p(simplify(ir.add(ir.mul(c(3), c(4)), c(5)))), '17');
  t.is(p(simplify(ir.div(c(-7), c(2)))), '-4');
  t.is(p(simplify(ir.mod(c(-7), c(3)))), '2');
  t.is(p(simplify(ir.div(c(7), c(0)))), '0');
  t.is(p(simplify(ir.min(c(4), c(-2)))), '-2');
  t.is(p(simplify(ir.cmp('lt', c(3), c(2)))), 'false');
  t.is(p(simplify(ir.select(ir.cmp('le', c(1), c(1)), X, Y))), 'x');
});

test('constant folding wraps narrow integer types and rounds f32', (t) => {
  t.is(ir.constValue(simplify(ir.add(c(200, 'u8'), c(100, 'u8')))), 44);
  t.is(ir.constValue(simplify(ir.mul(c(300, 'i16'), c(300, 'i16')))), (90000 << 16) >> 16);
  t.is(ir.constValue(simplify(ir.cast('u8', c(-1)))), 255);
  t.is(ir.constValue(simplify(ir.add(c(0.1, 'f32'), c(0.2, 'f32')))), Math.fround(Math.fround(0.1) + Math.fround(0.2)));
});

test('affine canonicalisation: x*4 + y - x*4 -> y', (t) => {
  const e = ir.sub(ir.add(ir.mul(X, c(4)), Y), ir.mul(X, c(4)));
  t.is(p(simplify(e)), 'y');
  assertEquivalent(t, e, simplify(e));
});

test('affine canonicalisation is order independent', (t) => {
  const a = ir.add(ir.mul(Y, c(2)), ir.mul(X, c(3)));
  const b = ir.add(ir.mul(X, c(3)), ir.mul(Y, c(2)));
  t.is(p(simplify(a)), p(simplify(b)));
  t.is(constDiff(ir.add(a, c(5)), b), 5);
  t.is(constDiff(a, ir.add(b, X)), undefined);
  t.is(p(simplify(ir.sub(ir.add(X, c(3)), ir.add(X, c(1))))), '2');
});

test('(x*8 + y)/8 -> x + y/8 (exact for every y under floor division)', (t) => {
  const e = ir.div(ir.add(ir.mul(X, c(8)), Y), c(8));
  const s = simplify(e);
  t.is(p(s), 'x + y / 8');
  assertEquivalent(t, e, s);
});

test('the coordinates of a fused loop recombine: (x / 7) * 7 + x % 7 -> x, also scaled and beside other terms', (t) => {
  const a = ir.add(ir.mul(ir.div(X, c(7)), c(7)), ir.mod(X, c(7)));
  t.is(p(simplify(a)), 'x');
  assertEquivalent(t, a, simplify(a));
  // (y*8 + x) / 13 * 39 + (y*8 + x) % 13 * 3 + z -> y*24 + x*3 + z, as in a fused loop split by 8.
  const f = ir.add(ir.mul(Y, c(8)), X);
  const b = ir.add(ir.add(ir.mul(ir.div(f, c(13)), c(39)), ir.mul(ir.mod(f, c(13)), c(3))), Z);
  t.is(p(simplify(b)), 'x * 3 + y * 24 + z');
  assertEquivalent(t, b, simplify(b));
  // Unequal scales do not recombine.
  const d = ir.add(ir.mul(ir.div(X, c(7)), c(6)), ir.mod(X, c(7)));
  assertEquivalent(t, d, simplify(d));
  t.not(p(simplify(d)), 'x');
});

test('three fused axes recombine: x / 3136 * 3136 + (x / 56) % 56 * 56 + x % 56 -> x, in any order, scaled; one scale off does not', (t) => {
  const q = (e: ir.Expr, k: number) => ir.mul(e, c(k));
  const a = ir.add(ir.add(q(ir.div(X, c(3136)), 3136), ir.mod(X, c(56))), q(ir.mod(ir.div(X, c(56)), c(56)), 56));
  t.is(p(simplify(a)), 'x');
  assertEquivalent(t, a, simplify(a));
  // The quotient written as a quotient of a quotient, and the whole scaled by 4 beside another term.
  const b = ir.add(ir.add(ir.add(q(ir.div(ir.div(X, c(56)), c(56)), 12544), q(ir.mod(ir.div(X, c(56)), c(56)), 224)), q(ir.mod(X, c(56)), 4)), Y);
  t.is(p(simplify(b)), 'x * 4 + y');
  assertEquivalent(t, b, simplify(b));
  const d = ir.add(ir.add(q(ir.div(X, c(3136)), 3136), ir.mod(X, c(56))), q(ir.mod(ir.div(X, c(56)), c(56)), 55));
  assertEquivalent(t, d, simplify(d));
  t.not(p(simplify(d)), 'x');
});

test('(x*8 + y) % 8 -> y % 8 and (x*6 + y) % 4 -> (x*2 + y) % 4', (t) => {
  const a = ir.mod(ir.add(ir.mul(X, c(8)), Y), c(8));
  t.is(p(simplify(a)), 'y % 8');
  assertEquivalent(t, a, simplify(a));
  const b = ir.mod(ir.add(ir.mul(X, c(6)), Y), c(4));
  t.is(p(simplify(b)), '(x * 2 + y) % 4');
  assertEquivalent(t, b, simplify(b));
});

test('mod rules: multiples vanish, x % 1 = 0, constant offsets fold', (t) => {
  t.is(p(simplify(ir.mod(ir.add(ir.mul(X, c(4)), c(6)), c(2)))), '0');
  t.is(p(simplify(ir.mod(X, c(1)))), '0');
  t.is(p(simplify(ir.div(X, c(1)))), 'x');
  const e = ir.mod(ir.add(ir.mul(X, c(4)), c(7)), c(4));
  t.is(p(simplify(e)), '3');
  const f = ir.div(ir.add(ir.mul(X, c(8)), c(-3)), c(8));
  t.is(p(simplify(f)), 'x - 1');
  assertEquivalent(t, f, simplify(f));
});

test('nested constant divisions combine: x/2/3 -> x/6', (t) => {
  const e = ir.div(ir.div(X, c(2)), c(3));
  t.is(p(simplify(e)), 'x / 6');
  assertEquivalent(t, e, simplify(e));
});

test('min/max with a constant difference pick a side', (t) => {
  t.is(p(simplify(ir.min(ir.add(X, c(3)), ir.add(X, c(1))))), 'x + 1');
  t.is(p(simplify(ir.max(ir.add(X, c(3)), ir.add(X, c(1))))), 'x + 3');
  t.is(p(simplify(ir.max(ir.sub(X, Y), ir.add(ir.sub(X, Y), c(-2))))), 'x - y');
  t.is(p(simplify(ir.min(X, X))), 'x');
});

test('min/max: constants merge and common offsets move out', (t) => {
  t.is(p(simplify(ir.min(ir.min(X, c(5)), c(3)))), 'min(x, 3)');
  t.is(p(simplify(ir.max(ir.max(X, c(5)), c(3)))), 'max(x, 5)');
  t.is(p(simplify(ir.min(ir.min(X, Y), X))), 'min(x, y)');
  const e = ir.min(ir.add(X, c(3)), ir.add(Y, c(3)));
  t.is(p(simplify(e)), 'min(x, y) + 3');
  assertEquivalent(t, e, simplify(e));
});

test('min and max of a sum with a constant and a constant take the constant out, so the extents of shifted tiles cancel', (t) => {
  const a = ir.mul(X, c(8));
  // A tile of 8 shifted inwards on 20: [min(8x, 12), min(8x + 7, 19)].
  const extent = ir.add(ir.sub(ir.min(ir.add(a, c(7)), c(19)), ir.min(a, c(12))), c(1));
  t.is(p(simplify(extent)), '8');
  assertEquivalent(t, extent, simplify(extent));
  const e = ir.max(ir.sub(X, c(1)), c(0));
  t.is(p(simplify(e)), 'max(x, 1) - 1');
  assertEquivalent(t, e, simplify(e));
});

test('comparisons of expressions with a constant difference fold', (t) => {
  t.is(p(simplify(ir.cmp('lt', ir.add(X, c(1)), ir.add(X, c(2))))), 'true');
  t.is(p(simplify(ir.cmp('ge', X, ir.add(X, c(1))))), 'false');
  t.is(p(simplify(ir.not(ir.cmp('lt', X, Y)))), 'x >= y');
});

test('ramp and broadcast arithmetic', (t) => {
  const r = ir.ramp(X, c(1), 4);
  t.is(p(simplify(ir.add(r, ir.broadcast(c(2), 4)))), 'ramp(x + 2, 1, 4)');
  t.is(p(simplify(ir.mul(r, ir.broadcast(c(3), 4)))), 'ramp(x * 3, 3, 4)');
  t.is(p(simplify(ir.ramp(X, c(0), 4))), 'x4(x)');
  t.is(p(simplify(ir.add(ir.broadcast(X, 8), ir.broadcast(c(1), 8)))), 'x8(x + 1)');
});

test('simplify is pure and idempotent', (t) => {
  const e = ir.add(ir.div(ir.add(ir.mul(X, c(8)), Y), c(8)), ir.min(ir.add(Z, c(1)), ir.add(Z, c(4))));
  const text = p(e);
  const s = simplify(e);
  t.is(p(e), text);
  t.is(simplify(s), s);
});

/** Random i32 index expressions over x, y, z with small constants. */
const exprArb: fc.Arbitrary<ir.Expr> = fc.letrec<{ e: ir.Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(X, Y, Z),
    fc.integer({ min: -9, max: 9 }).map((v) => c(v)),
    fc.tuple(fc.constantFrom('add', 'sub', 'min', 'max') as fc.Arbitrary<ir.BinOp>, tie('e'), tie('e')).map(([op, a, b]) => ir.binary(op, a, b)),
    fc.tuple(tie('e'), fc.integer({ min: -5, max: 9 })).map(([a, k]) => ir.mul(a, c(k))),
    fc.tuple(fc.constantFrom('div', 'mod') as fc.Arbitrary<ir.BinOp>, tie('e'), fc.integer({ min: 1, max: 9 })).map(([op, a, k]) => ir.binary(op, a, c(k))),
  ),
})).e;

test('property: simplify preserves the value of random index expressions', (t) => {
  fc.assert(fc.property(exprArb, fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }), (e, xv, yv, zv) => {
    const env = new Map([[x, xv], [y, yv], [z, zv]]);
    const s = simplify(e);
    const a = evalI(e, env), b = evalI(s, env);
    if (a !== b) throw new Error(`${p(e)} = ${a} but simplified ${p(s)} = ${b} at x=${xv}, y=${yv}, z=${zv}`);
  }), { numRuns: 2000, seed: 4242 });
  t.pass();
});

/** Lane `i` of an i32 vector expression (ramps, broadcasts, lane-wise binaries) by evalI's rules. */
function evalLane(e: ir.Expr, lane: number, env: ReadonlyMap<ir.Var, number>): number {
  if (e.lanes === 1) return evalI(e, env);
  if (e.kind === 'ramp') return evalI(e.base, env) + evalI(e.stride, env) * lane;
  if (e.kind === 'broadcast') return evalI(e.value, env);
  if (e.kind === 'binary') {
    const a = ir.constant(evalLane(e.a, lane, env)), b = ir.constant(evalLane(e.b, lane, env));
    return evalI(ir.binary(e.op, a, b), env);
  }
  throw new Error(`vector ${e.kind}`);
}

test('vector division and remainder by a broadcast constant: a packed layout\'s ramp / 4 and ramp % 4 stay dense', (t) => {
  const four = ir.broadcast(c(4), 4);
  // (x*8 + lane) / 4 = x*2 for lanes 0..3, and the remainder the lane.
  t.is(p(simplify(ir.div(ir.ramp(ir.mul(X, c(8)), c(1), 4), four))), 'x4(x * 2)');
  t.is(p(simplify(ir.mod(ir.ramp(ir.mul(X, c(8)), c(1), 4), four))), 'ramp(0, 1, 4)');
  t.is(p(simplify(ir.div(ir.ramp(X, c(8), 4), four))), 'ramp(x / 4, 2, 4)');
  t.is(p(simplify(ir.div(ir.broadcast(ir.mul(X, c(8)), 4), four))), 'x4(x * 2)');
  // Lanes that cross a multiple of 4, or a base of unknown remainder: left alone.
  t.is(p(simplify(ir.div(ir.ramp(ir.add(ir.mul(X, c(8)), c(1)), c(1), 4), four))), 'ramp(x * 8 + 1, 1, 4) / x4(4)');
  t.is(p(simplify(ir.mod(ir.ramp(X, c(1), 4), four))), 'ramp(x, 1, 4) % x4(4)');
});

test('property: vector division and remainder by a broadcast constant keep every lane\'s value', (t) => {
  fc.assert(fc.property(exprArb, fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom('div', 'mod') as fc.Arbitrary<ir.BinOp>,
    fc.integer({ min: 1, max: 4 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }),
    (base, stride, k, op, scale, xv, yv, zv) => {
      const env = new Map([[x, xv], [y, yv], [z, zv]]);
      const e = ir.binary(op, ir.ramp(ir.mul(base, c(scale)), c(stride), 4), ir.broadcast(c(k), 4));
      const s = simplify(e);
      for (let lane = 0; lane < 4; lane++) {
        const a = evalLane(e, lane, env), b = evalLane(s, lane, env);
        if (a !== b) throw new Error(`${p(e)} lane ${lane} = ${a} but simplified ${p(s)} = ${b} at x=${xv}, y=${yv}, z=${zv}`);
      }
    }), { numRuns: 2000, seed: 77 });
  t.pass();
});

test('simplifyStmt drops empty and unit loops and constant conditions', (t) => {
  const out = new ir.Buffer('out', 'i32');
  const i = new ir.Var('i'), j = new ir.Var('j'), k = new ir.Var('k');
  const s = block([
    forLoop(i, c(0), c(0), 'serial', store(out, ir.varRef(i), c(1))),
    forLoop(j, c(3), c(1), 'serial', store(out, ir.varRef(j), ir.add(ir.varRef(j), c(1)))),
    ifThen(ir.cmp('lt', c(1), c(2)), store(out, c(0), c(7)), store(out, c(0), c(8))),
    letStmt(k, c(5), store(out, ir.varRef(k), ir.varRef(k))),
  ]);
  t.is(printStmt(simplifyStmt(s)), 'out[3] = 4\nout[0] = 7\nout[5] = 5\n');
});

test('removeProvenClamps: a clamp that a loop never leaves goes, the loop bounds read through the lets loop partitioning binds them to', (t) => {
  const out = new ir.Buffer('out', 'f32'), input = new ir.Buffer('input', 'f32');
  const x = new ir.Var('x'), lo = new ir.Var('steady_min'), hi = new ir.Var('steady_end');
  const clamp = ir.min(ir.max(ir.varRef(x), c(1)), c(14));
  const loop = (min: ir.Expr, extent: ir.Expr) => forLoop(x, min, extent, 'serial', store(out, ir.varRef(x), ir.load(input, clamp)));
  // The steady state of a 16-wide padded row: x in [1, 14], through lets.
  const steady = letStmt(lo, c(1), letStmt(hi, ir.min(ir.max(ir.varRef(lo), c(15)), c(16)), loop(ir.varRef(lo), ir.sub(ir.varRef(hi), ir.varRef(lo)))));
  t.regex(printStmt(simplifyStmt(removeProvenClamps(steady))), /out\[x\] = input\[x\]/);
  // Over the whole row the clamp stays.
  t.regex(printStmt(simplifyStmt(removeProvenClamps(loop(c(0), c(16))))), /input\[min\(max\(x, 1\), 14\)\]/);
});

// --- interval analysis -------------------------------------------------------------------------------

const range = (lo?: number, hi?: number): Interval => ({ min: lo === undefined ? undefined : c(lo), max: hi === undefined ? undefined : c(hi) });
const show = (i: Interval) => `[${i.min ? p(i.min) : '-inf'}, ${i.max ? p(i.max) : '+inf'}]`;

test('bounds of a clamp', (t) => {
  const clamp = ir.min(ir.max(X, c(0)), c(10));
  t.is(show(boundsOf(clamp, new Map([[x, range(-5, 20)]]))), '[0, 10]');
  t.is(show(boundsOf(clamp, new Map([[x, range(3, 7)]]))), '[3, 7]');
  t.is(show(boundsOf(clamp, new Map([[x, range()]]))), '[0, 10]', 'a clamp bounds an unbounded value');
  t.is(show(boundsOf(ir.max(X, c(0)), new Map([[x, range()]]))), '[0, +inf]');
});

test('bounds of vector expressions are scalars: a ramp divided by, taken modulo or multiplied by a broadcast constant', (t) => {
  const r = ir.ramp(X, c(1), 8), two = ir.broadcast(c(2), 8);
  const scope = new Map([[x, range(0, 8)]]);
  t.is(show(boundsOf(ir.div(r, two), scope)), '[0, 7]');
  t.is(show(boundsOf(ir.mod(r, two), scope)), '[0, 1]');
  t.is(show(boundsOf(ir.mul(r, two), scope)), '[0, 30]');
  t.is(show(boundsOf(ir.div(ir.mul(r, two), ir.broadcast(c(4), 8)), scope)), '[0, 7]');
});

test('bounds of a symbolic clamp (repeat_edge index)', (t) => {
  const n = new ir.Var('n');
  const e = ir.min(ir.max(ir.sub(X, c(1)), c(0)), ir.sub(ir.varRef(n), c(1)));
  const b = boundsOf(e, new Map([[x, range(0, 9)]]));
  t.is(show(b), '[min(n, 1) - 1, min(n, 9) - 1]');
  for (const nv of [1, 5, 9, 20]) {
    const env = new Map([[n, nv]]);
    t.is(evalI(b.min!, env), Math.min(nv - 1, 0));
    t.is(evalI(b.max!, env), Math.min(nv - 1, 8));
  }
});

test('bounds of ramps with positive and negative strides', (t) => {
  const s = new Map([[x, range(-5, 20)]]);
  t.is(show(boundsOf(ir.ramp(X, c(2), 4), s)), '[-5, 26]');
  t.is(show(boundsOf(ir.ramp(X, c(-1), 4), s)), '[-8, 20]');
  t.is(show(boundsOf(ir.ramp(ir.mul(X, c(4)), c(1), 4), new Map([[x, range(0, 3)]]))), '[0, 15]');
});

test('bounds of min, max, products, divisions, remainders, selects and casts', (t) => {
  const s = new Map([[x, range(0, 10)], [y, range(5, 7)]]);
  t.is(show(boundsOf(ir.min(X, Y), s)), '[0, 7]');
  t.is(show(boundsOf(ir.max(X, Y), s)), '[5, 10]');
  t.is(show(boundsOf(ir.mul(X, c(-2)), s)), '[-20, 0]');
  t.is(show(boundsOf(ir.sub(X, Y), s)), '[-7, 5]');
  t.is(show(boundsOf(ir.div(ir.sub(X, c(3)), c(4)), s)), '[-1, 1]');
  t.is(show(boundsOf(ir.mod(ir.sub(X, Y), c(7)), s)), '[0, 6]');
  t.is(show(boundsOf(ir.select(ir.cmp('lt', X, c(3)), ir.add(X, c(100)), c(-50)), s)), '[-50, 110]');
  t.is(show(boundsOf(ir.cast('u8', ir.mul(X, Y)), s)), '[0, 255]');
  t.is(show(boundsOf(ir.cast('i32', ir.cast('u8', X)), s)), '[0, 255]');
  t.is(show(boundsOf(ir.mul(X, Y), s)), '[-inf, +inf]', 'a product of two ranges is not bounded by this analysis');
  t.is(show(union(range(0, 3), range(-2, 1))), '[-2, 3]');
});

test('bounds of a product with a non-negative size parameter', (t) => {
  const n = new ir.Var('n');
  const e = ir.add(ir.mul(X, ir.varRef(n)), Y);
  t.is(show(boundsOf(e, new Map([[x, range(0, 3)], [y, range(0, 4)]]), new Set([n]))), '[0, n * 3 + 4]');
});

test('property: bounds contain the value at every point of the box', (t) => {
  fc.assert(fc.property(
    exprArb, fc.integer({ min: -20, max: 20 }), fc.nat(15), fc.integer({ min: -20, max: 20 }), fc.nat(15), fc.integer({ min: -20, max: 20 }), fc.nat(4),
    (e, x0, xe, y0, ye, z0, ze) => {
      const scope = new Map([[x, range(x0, x0 + xe)], [y, range(y0, y0 + ye)], [z, range(z0, z0 + ze)]]);
      const b = boundsOf(e, scope);
      const lo = b.min ? ir.constValue(simplify(b.min)) : -Infinity, hi = b.max ? ir.constValue(simplify(b.max)) : Infinity;
      if (lo === undefined || hi === undefined) throw new Error(`bounds of ${p(e)} are not constant: ${show(b)}`);
      for (let xv = x0; xv <= x0 + xe; xv++) for (let yv = y0; yv <= y0 + ye; yv += 2) for (let zv = z0; zv <= z0 + ze; zv++) {
        const v = evalI(e, new Map([[x, xv], [y, yv], [z, zv]]));
        if (v < lo || v > hi) throw new Error(`${p(e)} = ${v} at x=${xv}, y=${yv}, z=${zv}, outside its bounds ${show(b)}`);
      }
    }), { numRuns: 600, seed: 99 });
  t.pass();
});

// --- the printer -------------------------------------------------------------------------------------

test('printer: expressions with precedence, casts, vectors, selects', (t) => {
  t.is(p(ir.mul(ir.add(X, Y), c(2))), '(x + y) * 2');
  t.is(p(ir.sub(X, ir.sub(Y, Z))), 'x - (y - z)');
  t.is(p(ir.cast('u16', X)), 'u16(x)');
  t.is(p(c(3, 'u8')), '(u8)3');
  t.is(p(c(1.5, 'f32')), '1.5f');
  t.is(p(c(2, 'f32')), '2.0f');
  t.is(p(ir.broadcast(c(1.5, 'f32'), 4)), 'x4(1.5f)');
  t.is(p(ir.select(ir.cmp('lt', X, Y), X, Y)), 'select(x < y, x, y)');
  t.is(p(ir.ramp(X, c(1), 8)), 'ramp(x, 1, 8)');
});

test('printer: a lowered blur shows produce blocks, the tiled loops and vector ramps', (t) => {
  const tp = blurU16();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').tile('y', 'x', 8, 32);
  sch.stage('blur_y').vectorize('xi', 8);
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  sch.stage('blur_x').vectorize('x', 8);
  const text = compile(tp.pipeline, sch, { target: 'interp' }).loweredText;
  t.true(text.startsWith('func blur_y(int32 H, int32 W, u16 *input, u16 *blur_y) {\n'), text.slice(0, 80));
  t.regex(text, /produce blur_x \{/);
  t.regex(text, /produce blur_y \{/);
  t.regex(text, /for \(blur_y\.yo, 0, \(H \+ 7\) \/ 8\) \{/);
  t.regex(text, /for \(blur_y\.xo, /);
  t.regex(text, /ramp\(/);
  t.regex(text, /allocate blur_x\[u16 \* /);
  t.regex(text, /x8\(\(u16\)3\)/, 'the u16 constant 3 broadcast to 8 lanes');
  t.regex(text, /assert\(.*"output blur_y is written over /, 'bounds asserts of the shift_inwards splits');
  // blur_x is produced inside blur_y's xo loop, which is inside produce blur_y.
  t.true(text.indexOf('produce blur_y') < text.indexOf('for (blur_y.xo'));
  t.true(text.indexOf('for (blur_y.xo') < text.indexOf('produce blur_x'));
  t.true(text.indexOf('produce blur_x') < text.indexOf('for (blur_y.yi'));
});

test('printer: a default matmul prints its init and update with the loop kinds', (t) => {
  const tp = matmul();
  const sch = new Schedule(tp.pipeline);
  sch.stage('C').unroll('k', 2);
  sch.stage('C').parallel('i');
  const text = compile(tp.pipeline, sch, { target: 'interp' }).loweredText;
  t.regex(text, /for \(C\.i, 0, M\) parallel \{/);
  t.regex(text, /C\[.*\] = 0\.0f/);
  t.regex(text, /C\[.*\] = C\[.*\] \+ A\[.*\] \* B\[.*\]/);
  t.notRegex(text, /unrolled/, 'unrolled loops are gone after unrolling');
});
