/**
 * Infix definitions (dsl/infix.ts): text and expr templates give the same Terms as method chains
 * (compared by structural key, ir/key.ts, and by the printed loop nest after lowering), random
 * expressions included; operator precedence, literal typing, casts, selects and reductions; and the
 * errors, each with its column and caret line.
 */
import test from 'ava';
import fc from 'fast-check';
import {
  placeholder, compute, sizeVar, pipeline, repeatEdge, reduceAxis, sum, maximum, select, cast, exp, log, sqrt, abs, floor,
  tanh, sigmoid, erf, min, clamp, pow, infix, expr, lift, lower, compile, DefinitionError, Term, type TermLike, type Pipeline,
} from '../tessera.js';
import { exprKey } from '../ir/key.js';
import { printFunc } from '../ir/printer.js';
import { evaluate } from '../reference/evaluate.js';
import { blurPipeline, blurPipelineInfix, classicSchedule, naiveSchedule } from '../examples/blur_pipeline.js';
import { randomTensor } from './helpers/pipelines.js';

const H = sizeVar('H'), W = sizeVar('W');
const input = placeholder('input', [H, W], 'f32');
const img = placeholder('img', [H, W], 'u16');
const y = new Term(sizeVar('y').expr), x = new Term(sizeVar('x').expr);
const ENV = { input, img, y, x, H, W };

const same = (a: TermLike, b: TermLike): boolean => exprKey(lift(a).expr) === exprKey(lift(b).expr);
const printed = (p: Pipeline, sch?: Parameters<typeof lower>[1]) => printFunc(lower(p, sch).func);

test('the blur written as text lowers to the loop nests of the method chain, under the naive and the classic schedule', (t) => {
  for (const dtype of ['u16', 'f32'] as const) {
    const chain = blurPipeline(dtype), text = blurPipelineInfix(dtype);
    t.is(printed(text), printed(chain));
    t.is(printed(text, naiveSchedule(text)), printed(chain, naiveSchedule(chain)));
    t.is(printed(text, classicSchedule(text, dtype)), printed(chain, classicSchedule(chain, dtype)));
  }
});

test('the three spellings of one stage: text with env and axes, a header, and an expr template in a callback', (t) => {
  const e = repeatEdge(input);
  // The callbacks' parameters are named as the text's axes (not shadowing this file's x and y, which
  // esbuild would rename: a callback's axis names are its parameter names as compiled).
  const chain = compute('blur_x', [H, W], (row, col) => e.at(row, col.sub(1)).add(e.at(row, col)).add(e.at(row, col.add(1))).div(3), { axes: ['y', 'x'] });
  const forms = [
    compute('blur_x', [H, W], '(input(y, x - 1) + input(y, x) + input(y, x + 1)) / 3', { input: e }, { axes: ['y', 'x'] }),
    compute('blur_x', [H, W], 'blur_x(y, x) = (e(y, x - 1) + e(y, x) + e(y, x + 1)) / 3', { e }),
    compute('blur_x', [H, W], (row, col) => expr`(${e}(${row}, ${col} - 1) + ${e}(${row}, ${col}) + ${e}(${row}, ${col} + 1)) / 3`, { axes: ['y', 'x'] }),
    compute('blur_x', [H, W], () => expr`(${e}(y, x - 1) + ${e}(y, x) + ${e}(y, x + 1)) / 3`, { axes: ['y', 'x'] }),
    compute('blur_x', [H, W], expr`blur_x(y, x) = (${e}(y, x - 1) + ${e}(y, x) + ${e}(y, x + 1)) / 3`),
  ];
  for (const s of forms) t.is(printed(pipeline(s)), printed(pipeline(chain)));
});

test('precedence and associativity follow mathjs (C-like; ^ is pow, comparisons chain)', (t) => {
  const a = input.at(y, x), b = input.at(y, x.add(1)), c = input.at(y.add(1), x);
  const env = { ...ENV, a, b, c };
  const cases: [string, Term][] = [
    ['a + b * c', a.add(b.mul(c))],
    ['a - b - c', a.sub(b).sub(c)],
    ['a / b * c', a.div(b).mul(c)],
    ['a * (b + c)', a.mul(b.add(c))],
    ['-a * b', a.neg().mul(b)],
    ['a - -b', a.sub(b.neg())],
    ['a % b + c', a.mod(b).add(c)],
    ['a < b ? a : c', select(a.lt(b), a, c)],
    ['a < b ? a : b < c ? b : c', select(a.lt(b), a, select(b.lt(c), b, c))],
    ['x % 3 == 0 and y > 1 or x < 2', x.mod(3).eq(0).and(y.gt(1)).or(x.lt(2))],
    ['0 <= x < W', cast('i32', 0).le(x).and(x.lt(W))],
    ['x << 2 + 1', x.shl(3)],
    ['(x << 2) + 1', x.shl(2).add(1)],
    ['x & 7 | y', x.and(7).or(y)],
    ['not (x > y)', x.gt(y).not()],
    ['a ^ 2', pow(a, 2)],
    ['-a ^ 2', pow(a, 2).neg()],
    ['2 * 3 + x', cast('i32', 6).add(x)],
    ['-3 + x', cast('i32', -3).add(x)],
    ['x + -3', x.add(-3)],
  ];
  for (const [text, want] of cases) t.true(same(infix(text).term(env), want), text);
  t.false(same(infix('a - b - c').term(env), a.sub(b.sub(c))));
});

test('literals are typed as in the DSL: by the other operand, else i32 or f32; two literals fold in JavaScript', (t) => {
  const u = img.at(y, x);
  t.is(infix('img(y, x) / 3').term(ENV).dtype, 'u16');
  t.true(same(infix('img(y, x) / 3').term(ENV), u.div(3)));
  t.is(infix('1 / 2').term().dtype, 'f32');
  t.is(compute('half', [2], '1 / 2').body.kind, 'const');
  t.is((compute('half', [2], '1 / 2').body as { value: number }).value, 0.5);
  t.is(infix('7 % 2').term().dtype, 'i32');
  t.is(infix('x + 1').term(ENV).dtype, 'i32');
  t.is(infix('input(y, x) + 1').term(ENV).dtype, 'f32');
  t.is(infix('f32(x) / 2').term(ENV).dtype, 'f32');
  t.is(infix('cast(x, "u8")').term(ENV).dtype, 'u8');
  t.is(infix('u16(x) + img(y, x)').term(ENV).dtype, 'u16');
  t.is(infix('reinterpret(input(y, x), "i32")').term(ENV).dtype, 'i32');
  t.is(infix('true ? x : y').term(ENV).dtype, 'i32');
  t.true(same(infix('x + pi').term({ x: input.at(y, x) }), input.at(y, x).add(Math.PI)));
  t.true(same(infix('max(input(y, x), -Infinity)').term(ENV), input.at(y, x).max(-Infinity)));
  t.true(same(infix('min(x, y, 3)').term(ENV), min(min(x, y), 3)));
  t.true(same(infix('clamp(input(y, x), 0, 1)').term(ENV), clamp(input.at(y, x), 0, 1)));
  t.true(same(infix('select(x < y, x, y)').term(ENV), select(x.lt(y), x, y)));
});

test('reductions: sum over one axis, maximum over a list of axes, equal to the method chain', (t) => {
  const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
  const A = placeholder('A', [M, K], 'f32'), B = placeholder('B', [K, N], 'f32');
  const k = reduceAxis(K, 'k');
  const chain = compute('C', [M, N], (i, j) => sum(A.at(i, k).mul(B.at(k, j)), k));
  const text = compute('C', [M, N], 'C(i, j) = sum(A(i, k) * B(k, j), k)', { A, B, k });
  t.is(printed(pipeline(text)), printed(pipeline(chain)));
  const ry = reduceAxis(3, 'ry'), rx = reduceAxis(3, 'rx');
  const e = repeatEdge(input);
  const pool = compute('pool', [H, W], (yy, xx) => maximum(e.at(yy.add(ry).sub(1), xx.add(rx).sub(1)), [ry, rx]), { axes: ['y', 'x'] });
  const poolText = compute('pool', [H, W], 'pool(y, x) = maximum(e(y + ry - 1, x + rx - 1), [ry, rx])', { e, ry, rx });
  t.is(printed(pipeline(poolText)), printed(pipeline(pool)));
});

test('an infix pipeline compiles and runs: the text blur matches the reference evaluator bit-exactly', (t) => {
  const p = blurPipelineInfix('u16');
  const inputs = { input: randomTensor('u16', [1, 70, 300], 3, 0, 20000) };
  const got = compile(p, classicSchedule(p, 'u16'))(inputs).blur_y!.data;
  t.deepEqual(Array.from(got), Array.from(evaluate(blurPipeline('u16'), inputs).blur_y!.data));
});

/** A random f32 expression, as text and as the DSL calls a method chain makes (which may throw). */
interface Both { readonly text: string; readonly term: () => TermLike }

const idx = (v: Term, name: string, c: number): { text: string; term: Term } => ({ text: c === 0 ? name : c > 0 ? `${name} + ${c}` : `${name} - ${-c}`, term: c === 0 ? v : c > 0 ? v.add(c) : v.sub(-c) });
const leaf: fc.Arbitrary<Both> = fc.oneof(
  fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 })).map(([dy, dx]) => {
    const a = idx(y, 'y', dy), b = idx(x, 'x', dx);
    return { text: `input(${a.text}, ${b.text})`, term: () => input.at(a.term, b.term) };
  }),
  fc.constantFrom(0.5, 2, 3, 0.25, 1.5).map((v) => ({ text: String(v), term: () => v })),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -3, max: 3 })).map(([m, c]) => ({ text: `f32(y * ${m} + x - ${c})`, term: () => cast('f32', y.mul(m).add(x).sub(c)) })),
);
const BIN: readonly [string, (a: TermLike, b: TermLike) => TermLike, ((a: number, b: number) => number)?][] = [
  ['+', (a, b) => lift(a, b instanceof Term ? b.dtype : undefined).add(b), (a, b) => a + b],
  ['-', (a, b) => lift(a, b instanceof Term ? b.dtype : undefined).sub(b), (a, b) => a - b],
  ['*', (a, b) => lift(a, b instanceof Term ? b.dtype : undefined).mul(b), (a, b) => a * b],
  ['/', (a, b) => lift(a, b instanceof Term ? b.dtype : undefined).div(b), (a, b) => a / b],
];
const FUNS: readonly [string, (a: TermLike) => Term][] = [['exp', exp], ['log', log], ['sqrt', sqrt], ['abs', abs], ['floor', floor], ['tanh', tanh], ['sigmoid', sigmoid], ['erf', erf]];

const tree: fc.Arbitrary<Both> = fc.letrec<{ e: Both }>((tie) => ({
  e: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), fc.constantFrom(...BIN), tie('e')).map(([a, [op, f, js], b]) => ({
      text: `(${a.text} ${op} ${b.text})`,
      // Two literals fold in JavaScript numbers, as the parsed text does.
      term: () => { const x = a.term(), y = b.term(); return typeof x === 'number' && typeof y === 'number' ? js!(x, y) : f(x, y); },
    })),
    tie('e').map((a) => ({ text: `-${a.text}`, term: () => { const v = a.term(); return typeof v === 'number' ? -v : v.neg(); } })),
    fc.tuple(fc.constantFrom(...FUNS), tie('e')).map(([[name, f], a]) => ({ text: `${name}(${a.text})`, term: () => f(a.term()) })),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => ({ text: `min(${a.text}, ${b.text})`, term: () => min(a.term(), b.term()) })),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([a, b, c]) => ({ text: `(${a.text} < ${b.text} ? ${c.text} : ${a.text})`, term: () => { const va = a.term(); return select(lt(va, b.term()), c.term(), va); } })),
  ),
})).e;

const lt = (a: TermLike, b: TermLike): Term => lift(a, b instanceof Term ? b.dtype : undefined).lt(b);

test('property: random expressions parsed from text give the Terms the DSL calls give, or the same DefinitionError', (t) => {
  let built = 0, refused = 0;
  fc.assert(fc.property(tree, fc.constantFrom('', ' ', '  '), (e, pad) => {
    const text = pad ? e.text.replaceAll('(', `(${pad}`).replaceAll(',', `${pad},`) : e.text;
    let want: Term;
    try {
      want = lift(e.term());
    } catch (err) {
      // min(3, 0.5) is an error of the DSL itself (3 is i32): the text must give the same one.
      if (!(err instanceof DefinitionError)) throw err;
      refused++;
      const got = (() => { try { infix(text).term(ENV); return undefined; } catch (p) { return p as Error; } })();
      if (!(got instanceof DefinitionError) || !got.message.includes(err.message)) throw new Error(`${text}: the DSL says "${err.message}", parsing says ${got ? `"${got.message}"` : 'nothing'}`);
      return;
    }
    const parsed = infix(text).term(ENV);
    if (exprKey(parsed.expr) !== exprKey(want.expr)) throw new Error(`${text}: the parsed Terms differ from the built ones`);
    built++;
  }), { numRuns: 300, seed: 20260302 });
  t.log(`${built} expressions built, ${refused} refused alike`);
  t.true(built > 200);
});

/** The message of the DefinitionError `f` throws. */
function message(t: import('ava').ExecutionContext, f: () => unknown): string {
  return t.throws(f, { instanceOf: DefinitionError })!.message;
}

test('errors: parse errors with the column and a caret line', (t) => {
  t.is(message(t, () => compute('g', [H, W], '(input(y, x) + ', { input }, { axes: ['y', 'x'] })),
    'stage g: parse error at column 16: Unexpected end of expression\n  (input(y, x) + \n                 ^');
  t.is(message(t, () => infix('input(y, x) +* 2')), 'parse error at column 14: Value expected\n  input(y, x) +* 2\n               ^');
  t.is(message(t, () => infix('exp(x')), 'parse error at column 6: Parenthesis ) expected\n  exp(x\n       ^');
  t.is(message(t, () => infix('  ')), 'a definition must be a non-empty string, got "  "');
});

test('errors: unknown names and functions list what is in scope; wrong arity; dtype errors of the Term API, at their column', (t) => {
  const o = { axes: ['y', 'x'] };
  t.is(message(t, () => compute('g', [H, W], 'input(y, x) + zz', { input }, o)),
    'stage g, column 15: unknown name zz; the names in scope are H, W, y, x; stages and inputs: input\n  input(y, x) + zz\n                ^^');
  t.regex(message(t, () => compute('g', [H, W], 'input(y, x) * foo(x)', { input }, o)),
    /^stage g, column 15: unknown function foo; the functions are exp, log, .*, u8 and the reductions sum, product, maximum, minimum; the names in scope are H, W, y, x; stages and inputs: input\n {2}input\(y, x\) \* foo\(x\)\n {16}\^{3}$/);
  t.is(message(t, () => compute('g', [H, W], 'exp(input(y, x), 2)', { input }, o)),
    'stage g, column 1: exp takes 1 argument, got 2\n  exp(input(y, x), 2)\n  ^^^^^^^^^^^^^^^^^^^');
  t.is(message(t, () => compute('g', [H, W], 'input(y)', { input }, o)),
    'stage g, column 1: input has 2 dimension(s) but was indexed with 1\n  input(y)\n  ^^^^^^^^');
  t.is(message(t, () => compute('g', [H, W], '2 * (img(y, x) + input(y, x))', { input, img }, o)),
    "stage g, column 6: add: operands have different dtypes (u16 and f32); cast one with .cast('u16')\n  2 * (img(y, x) + input(y, x))\n       ^^^^^^^^^^^^^^^^^^^^^^^");
  t.is(message(t, () => compute('g', [H, W], 'img(y, x) + 0.5', { img }, o)),
    'stage g, column 1: the literal 0.5 is not an integer but the other operand is u16; cast it first\n  img(y, x) + 0.5\n  ^^^^^^^^^^^^^^^');
  t.is(message(t, () => compute('g', [H, W], 'input + 1', { input }, o)),
    'stage g, column 1: input is a 2-dimensional stage or input: read it by call syntax, input(i0, i1)\n  input + 1\n  ^^^^^');
  t.is(message(t, () => compute('g', [H, W], 'x(1)', {}, o)),
    'stage g, column 1: x is a value, not a stage, an input or a function\n  x(1)\n  ^');
  t.is(message(t, () => compute('g', [H, W], 'exp + 1', {}, o)),
    'stage g, column 1: exp is a function: call it, exp(...)\n  exp + 1\n  ^^^');
});

test('errors: constructs that are not definitions, misplaced reductions, headers and scopes that disagree', (t) => {
  const o = { axes: ['y', 'x'] };
  const k = reduceAxis(W, 'k');
  const cases: [string, string][] = [
    ['2 x', 'stage g, column 1: implicit multiplication: write the operator, 2 * x\n  2 x\n  ^^^'],
    ['input(y, x)[0]', 'stage g, column 1: indexing with [ ] or . is not part of definitions; read stages and inputs by call syntax: input(y, x)\n  input(y, x)[0]\n  ^^^^^^^^^^^^^'],
    ['a = 2', 'stage g, column 1: an assignment can only be the header of a definition: name(y, x) = ...\n  a = 2\n  ^^^^^'],
    ['sum(input(y, k), k) + 1', 'stage g, column 1: sum(...) is a reduction: it can only be the whole definition of a stage\n  sum(input(y, k), k) + 1\n  ^^^^^^^^^^^^^^^^^^^'],
    ['sum(input(y, k), x)', 'stage g, column 18: x is not a reduction axis (make one with reduceAxis and pass it by name)\n  sum(input(y, k), x)\n                   ^'],
    ['cast(x, "u17")', 'stage g, column 9: expected a dtype in quotes ("f32", "u16", ...), got "u17"\n  cast(x, "u17")\n          ^^^^^'],
    ['"u16"', 'stage g, column 1: a string is only the dtype argument of cast or reinterpret: cast(x, "u16")\n  "u16"\n  ^^^^^'],
    ['x >>> 1', "stage g, column 1: >>> is a logical shift, which Tessera's >> is on unsigned types only (u8, u16, u32), not on i32: cast to an unsigned type and use >>\n  x >>> 1\n  ^^^^^^^"],
    ['1:3', 'stage g, column 1: ranges (a:b) are not part of definitions; reduction axes come from reduceAxis\n  1:3\n  ^^^'],
  ];
  for (const [text, want] of cases) t.is(message(t, () => compute('g', [H, W], text, { input, k }, o)), want, text);
  t.is(message(t, () => compute('g', [H, W], 'h(y, x) = 1', {})), 'stage g: the definition\'s header names the stage h');
  t.is(message(t, () => compute('g', [H, W], 'g(y, x) = 1', {}, { axes: ['a', 'b'] })), 'stage g: the header names the axes y, x but options.axes says a, b');
  t.is(message(t, () => compute('g', [H, W], 'g(y) = 1', {})), 'stage g: 1 axis names for 2 dimensions');
  t.is(message(t, () => compute('g', [H, W], 'g(y, x) = y', { y: 3 })), 'stage g: y is both an axis of the stage and a name in the environment');
  t.is(message(t, () => infix('a + 1').term({})), 'definition, column 1: unknown name a; the names in scope are (none); stages and inputs: (none)\n  a + 1\n  ^');
  t.is(message(t, () => infix('g(x) = x').term({})), 'g(x) = x: a header g(...) = belongs to a stage definition (compute)');
  t.is(message(t, () => expr`${{}} + 1`), 'expr: the value interpolated at ${0} is object; interpolate Terms, numbers, stages and inputs');
  t.is(message(t, () => compute('g', [H, W], 42 as unknown as string)), 'stage g: the definition must be a function, a string or an expr template, got number');
});

test('expr templates: interpolations keep their names, numbers become literals, clashes get $-names', (t) => {
  const e = repeatEdge(input);
  t.is(expr`${e}(y, x) * ${2.5} + ${-1}`.text, 'input_edge(y, x) * (2.5) + (-1)');
  const other = placeholder('input_edge', [H, W], 'f32');
  t.is(expr`${e}(y, x) + ${other}(y, x)`.text, 'input_edge(y, x) + $1(y, x)');
  t.is(expr`${H} * ${W} + ${NaN}`.text, 'H * W + NaN');
  t.is(expr`${-0} + ${-Infinity} + ${true}`.text, '(-0) + (-Infinity) + true');
  t.true(Object.is(expr`${-0}`.build(), -0));
  t.true(same(expr`${input}(${y}, ${x}) * ${2}`.term(), input.at(y, x).mul(2)));
});
