/**
 * Tessera's f32 exp, log, tanh, sigmoid and erf (ir/math/):
 *  - accuracy: the definition (evaluated on numbers, as constant folding and the reference evaluator
 *    do) against f64 references over dense sweeps, within the bounds docs/primitives.md states;
 *  - special values (IEEE 754 / ONNX): NaN, infinities, zeros, overflow, underflow, saturation, on
 *    every backend;
 *  - the contract that no backend and no schedule changes a bit: WebAssembly SIMD (4, 8, 16 lanes)
 *    and scalar code, the IR interpreter and the reference evaluator agree exactly, also under random
 *    legal schedules of a pipeline using all five;
 *  - that the vector code is inline SIMD, without host Math calls (f64 keeps them);
 *  - the reinterpret IR node the approximations use, and the errors of the DSL.
 * Kernels are compiled with fma 'none': relaxed-SIMD fused multiply-adds may change last bits.
 */
import test from 'ava';
import fc from 'fast-check';
import { compile, Schedule, DefinitionError, placeholder, compute, sizeVar, pipeline, exp, log, tanh, sigmoid, erf, reinterpret, cast, type Target } from '../tessera.js';
import { evaluate } from '../reference/evaluate.js';
import type { Term } from '../dsl/index.js';
import { evalCall } from '../ir/ops.js';
import * as ir from '../ir/expr.js';
import { simplify } from '../ir/simplify.js';
import { boundsOf } from '../ir/interval.js';
import { printExpr } from '../ir/printer.js';
import { ScheduleError } from '../schedule/error.js';
import { repeatEdge } from '../dsl/boundary.js';
import { randomTensor, type TestPipeline } from './helpers/pipelines.js';
import { checkSchedule } from './helpers/compare.js';
import { movesArb, applyMoves, AVOID_KNOWN_BUGS } from './helpers/schedules.js';
import { type F32Fn, F32_FNS, F64_REFERENCE, DSL_FN, DOMAIN, ulpOf, sweep, pointwisePipeline, sameBits } from './helpers/math.js';

/**
 * The bounds the sweeps must meet: the maxima measured over a sweep of every 13th f32 bit pattern of
 * the domain (docs/primitives.md, "Math functions"), rounded up. ulps are of the f32 result; `abs`
 * is the absolute error.
 */
const BOUND: Readonly<Record<F32Fn, { readonly ulp: number; readonly abs: number }>> = {
  exp: { ulp: 1, abs: Infinity },
  log: { ulp: 1, abs: Infinity },
  tanh: { ulp: 6.5, abs: 4e-7 },
  sigmoid: { ulp: 2.5, abs: 1e-7 },
  erf: { ulp: 8, abs: 5e-7 },
};

const OPTIONS = { fma: 'none' as const };

for (const fn of F32_FNS) {
  test(`accuracy: f32 ${fn} is within ${BOUND[fn].ulp} ulp${BOUND[fn].abs < Infinity ? ` and ${BOUND[fn].abs} absolute` : ''} of f64 over a dense sweep`, (t) => {
    const xs = sweep(DOMAIN[fn], 4093, 1 << 18);
    const exact = F64_REFERENCE[fn];
    let worstUlp = 0, worstAbs = 0, atUlp = 0, atAbs = 0;
    for (const x of xs) {
      const got = evalCall(fn, 'f32', [x]), want = exact(x);
      const rounded = Math.fround(want);
      if (!Number.isFinite(rounded)) {
        // The exact value overflows f32: the result must be the infinity.
        if (got !== rounded) t.fail(`${fn}(${x}) = ${got}, want ${rounded}`);
        continue;
      }
      const err = Math.abs(got - want);
      const ulps = err / ulpOf(want);
      if (!(ulps <= worstUlp)) { worstUlp = ulps; atUlp = x; }
      if (!(err <= worstAbs)) { worstAbs = err; atAbs = x; }
    }
    t.log(`${xs.length} points: at most ${worstUlp.toFixed(3)} ulp (at ${atUlp}), ${worstAbs.toExponential(3)} absolute (at ${atAbs})`);
    t.true(worstUlp <= BOUND[fn].ulp, `${fn}: ${worstUlp} ulp at ${atUlp}`);
    t.true(worstAbs <= BOUND[fn].abs, `${fn}: ${worstAbs} absolute at ${atAbs}`);
  });
}

/** Inputs and exact results, by function (ONNX and C99 Annex F where they say). */
const SPECIAL: Readonly<Record<F32Fn, readonly (readonly [number, number])[]>> = {
  exp: [[NaN, NaN], [Infinity, Infinity], [-Infinity, 0], [0, 1], [-0, 1], [88.8, Infinity], [1e30, Infinity], [-104, 0], [-1e30, 0]],
  log: [[NaN, NaN], [Infinity, Infinity], [-Infinity, NaN], [0, -Infinity], [-0, -Infinity], [-1, NaN], [-1e-40, NaN], [1, 0]],
  tanh: [[NaN, NaN], [Infinity, 1], [-Infinity, -1], [0, 0], [-0, -0], [9, 1], [20, 1], [-20, -1], [1e-30, Math.fround(1e-30)], [-1e-30, Math.fround(-1e-30)]],
  sigmoid: [[NaN, NaN], [Infinity, 1], [-Infinity, 0], [0, 0.5], [-0, 0.5], [20, 1], [200, 1], [-200, 0], [-1e30, 0]],
  erf: [[NaN, NaN], [Infinity, 1], [-Infinity, -1], [0, 0], [-0, -0], [4, 1], [-4, -1], [10, 1], [-1e30, -1]],
};

/** Inputs at the edges of the range (results near overflow, subnormal results or inputs), checked against the bounds. */
const EDGES: Readonly<Record<F32Fn, readonly number[]>> = {
  exp: [88.72, 88.7228, -87.3, -90, -100, -103, -103.9],
  log: [2 ** -149, 1e-40, 1.1754942e-38, 1.1754944e-38, 3.4028234663852886e38, 0.99999994, 1.0000001],
  tanh: [8.5, 8.9, -8.7, 0.0003999, 0.0004, 1e-38],
  sigmoid: [-88.8, -100, -103, 16.6, 17],
  erf: [3.86, 3.9, 1e-38, 1e-40, -1e-40],
};

test('special values: NaN, infinities, zeros, overflow, gradual underflow and saturation, on every backend', (t) => {
  for (const fn of F32_FNS) {
    const cases = [...SPECIAL[fn], ...EDGES[fn].map((x) => [x, F64_REFERENCE[fn](Math.fround(x))] as const)];
    const exact = SPECIAL[fn].length;
    const data = new Float32Array(cases.map(([x]) => x));
    const { pipeline: p, out } = pointwisePipeline(DSL_FN[fn]);
    const results: [string, ArrayLike<number>][] = [['reference', evaluate(p, { input: { data, shape: [data.length] } }).out!.data]];
    for (const lanes of [1, 4, 8]) {
      const sch = new Schedule(p);
      if (lanes > 1) sch.stage(out).vectorize('i', lanes);
      for (const target of ['wasm-simd', 'interp'] as const) {
        results.push([`${target}, ${lanes} lane(s)`, compile(p, sch, { ...OPTIONS, target })({ input: { data, shape: [data.length] } }).out!.data]);
      }
    }
    for (const [who, got] of results) {
      cases.forEach(([x, want], i) => {
        const ok = i < exact ? sameBits(got[i]!, want) : Math.abs(got[i]! - want) <= BOUND[fn].ulp * ulpOf(want);
        t.true(ok, `${fn}(${x}) on ${who}: got ${got[i]}, want ${want}`);
      });
    }
  }
});

test('min and max against a constant (ReLU, Clip, padding): one pseudo-min/max instruction where exact, Math.min/Math.max\'s bits for NaN, zeros of both signs and infinities', (t) => {
  const data = new Float32Array([NaN, -NaN, 0, -0, 6, -6, 1e-40, -1e-40, Infinity, -Infinity, 3.5, -3.5, 7, 0.5, -0.5]);
  const cases: [string, (x: Term) => Term, string][] = [
    ['max(x, 0)', (x) => x.max(0), 'f32x4.pmax'],
    ['max(x, -0)', (x) => x.max(-0), 'f32x4.pmax'],
    ['max(x, -6)', (x) => x.max(-6), 'f32x4.pmax'],
    ['min(x, 6)', (x) => x.min(6), 'f32x4.pmin'],
    ['min(x, 0)', (x) => x.min(0), 'f32x4.pmin'],
    ['min(x, -0)', (x) => x.min(-0), 'f32x4.min'],
    ['min(max(x, 0), 6)', (x) => x.max(0).min(6), 'f32x4.pmin'],
  ];
  for (const [what, fn, instruction] of cases) {
    const { pipeline: p, out } = pointwisePipeline(fn);
    const reference = evaluate(p, { input: { data, shape: [data.length] } }).out!.data;
    for (const lanes of [4, 8]) {
      const sch = new Schedule(p);
      sch.stage(out).vectorize('i', lanes, { tail: 'guard' });
      const kernel = compile(p, sch, OPTIONS);
      t.true(kernel.wasmText!.includes(instruction), `${what}: ${instruction}`);
      const got = kernel({ input: { data, shape: [data.length] } }).out!.data;
      data.forEach((x, i) => t.true(sameBits(got[i]!, reference[i]!), `${what} at ${Object.is(x, -0) ? '-0' : x}, ${lanes} lanes: got ${got[i]}, want ${reference[i]}`));
    }
  }
  // The reference is Math.max / Math.min (ir/ops.ts): max(-0, 0) is +0, min(0, -0) is -0.
  t.true(Object.is(evaluate(pointwisePipeline((x) => x.max(0)).pipeline, { input: { data: new Float32Array([-0]), shape: [1] } }).out!.data[0], 0));
  t.true(Object.is(evaluate(pointwisePipeline((x) => x.min(-0)).pipeline, { input: { data: new Float32Array([0]), shape: [1] } }).out!.data[0], -0));
});

/** Inputs across a function's domain, its edges and beyond, and the special values. */
function bitsInputs(fn: F32Fn, n: number): Float32Array {
  const [lo, hi] = DOMAIN[fn];
  const r = randomTensor('f32', [n], 7, Math.max(lo, -1e4) * 1.1, Math.min(hi, 1e4) * 1.1).data as Float32Array;
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 2 ** -149, 1e-30, lo, hi, 88.72283935546875, -87.33654022216797];
  specials.forEach((x, i) => { r[i * 17] = x; });
  return r;
}

test('same bits: WebAssembly SIMD (4, 8, 16 lanes), scalar code and the interpreter give the reference evaluator\'s bits', (t) => {
  for (const fn of F32_FNS) {
    const n = 4099;
    const data = bitsInputs(fn, n);
    const { pipeline: p, out } = pointwisePipeline(DSL_FN[fn]);
    const want = evaluate(p, { input: { data, shape: [n] } }).out!.data;
    // The reference evaluator is the definition on numbers, evaluated element by element.
    t.true(Array.from(data).every((x, i) => sameBits(evalCall(fn, 'f32', [x]), want[i]!)));
    for (const [lanes, target] of [[1, 'wasm-simd'], [4, 'wasm-simd'], [8, 'wasm-simd'], [16, 'wasm-simd'], [4, 'interp']] as [number, Target][]) {
      const sch = new Schedule(p);
      if (lanes > 1) sch.stage(out).vectorize('i', lanes);
      const got = compile(p, sch, { ...OPTIONS, target })({ input: { data, shape: [n] } }).out!.data;
      const bad = Array.from(want).findIndex((w, i) => !sameBits(got[i]!, w));
      t.is(bad, -1, `${fn} on ${target} with ${lanes} lane(s): at ${data[bad]} got ${got[bad]}, want ${want[bad]}`);
    }
  }
});

test('the vector code is inline SIMD: no host Math import and no lane extraction for f32; f64 exp, log and tanh still call Math', (t) => {
  for (const fn of F32_FNS) {
    const { pipeline: p, out } = pointwisePipeline(DSL_FN[fn]);
    const sch = new Schedule(p);
    sch.stage(out).vectorize('i', 8);
    const f = compile(p, sch, OPTIONS);
    t.deepEqual(f.signature.mathImports, [], `${fn}: ${f.signature.mathImports.join(', ')}`);
    t.notRegex(f.wasmText!, /extract_lane/, fn);
    t.regex(f.wasmText!, /f32x4\.mul/, fn);
  }
  for (const fn of ['exp', 'log', 'tanh'] as const) {
    const { pipeline: p } = pointwisePipeline((x) => DSL_FN[fn](x.cast('f64')).cast('f32'));
    t.deepEqual(compile(p, undefined, OPTIONS).signature.mathImports, [fn]);
  }
});

test('f64 sigmoid is 1 / (1 + exp(-x)) computed with the host exp, the same on every backend', (t) => {
  const { pipeline: p, out } = pointwisePipeline((x) => sigmoid(x.cast('f64')).cast('f32'));
  const data = new Float32Array([NaN, Infinity, -Infinity, 0, -0, 1, -1, 30, -30, 700, -700, 0.25, -745]);
  const want = evaluate(p, { input: { data, shape: [data.length] } }).out!.data;
  data.forEach((x, i) => t.is(want[i], Math.fround(x < 0 ? Math.exp(x) / (1 + Math.exp(x)) : 1 / (1 + Math.exp(-x))), `sigmoid(${x})`));
  for (const lanes of [1, 2]) {
    const sch = new Schedule(p);
    if (lanes > 1) sch.stage(out).vectorize('i', lanes);
    for (const target of ['wasm-simd', 'interp'] as const) {
      const got = compile(p, sch, { ...OPTIONS, target })({ input: { data, shape: [data.length] } }).out!.data;
      t.true(Array.from(want).every((w, i) => sameBits(got[i]!, w)), `${target}, ${lanes} lane(s): ${Array.from(got).join(', ')}`);
    }
  }
});

/** A two-stage pipeline using all five functions, with a boundary condition and a stencil. */
function activations(h = 9, w = 23): TestPipeline {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [H, W], 'f32');
  const e = repeatEdge(input);
  const act = compute('act', [H, W], (y, x) => sigmoid(e.at(y, x)).mul(tanh(e.at(y, x.add(1)))).add(erf(e.at(y, x.sub(1)))));
  const out = compute('out', [H, W], (y, x) => log(exp(act.at(y, x)).add(act.at(y.sub(1), x).mul(act.at(y.sub(1), x))).add(1)));
  return {
    name: 'activations',
    pipeline: pipeline(out),
    inputs: (seed = 1) => ({ input: randomTensor('f32', [h, w], seed, -6, 6) }),
    sizes: { H: h, W: w },
    outputs: ['out'],
    intermediates: ['act'],
    // Bit-exact: no reduction, so no schedule may change a bit.
    float: false,
    rebuild: () => activations(h, w),
  };
}

test('property: random legal schedules of a pipeline using all five functions give the reference\'s bits', (t) => {
  const tp = activations();
  let ran = 0;
  fc.assert(fc.property(movesArb({ maxMoves: 6 }), (moves) => {
    const { sch } = applyMoves(tp.pipeline, moves, AVOID_KNOWN_BUGS);
    let diff: string | undefined;
    try {
      diff = checkSchedule(tp, sch, { ...OPTIONS, targets: ['wasm-simd', 'interp'] });
    } catch (e) {
      if (e instanceof ScheduleError) return;
      throw new Error(`${(e as Error).message}\nschedule:\n${sch.toCode()}`, { cause: e });
    }
    if (diff) throw new Error(diff);
    ran++;
  }), { numRuns: 25, seed: 20260301, includeErrorInReport: true });
  t.log(`${ran} of 25 schedules ran`);
  t.true(ran >= 15, `only ${ran} of 25 schedules ran`);
});

test('errors: erf of f64 or of an integer, sigmoid of an integer, reinterpret across widths', (t) => {
  const a = placeholder('a', [4], 'f64'), b = placeholder('b', [4], 'i32'), c = placeholder('c', [4], 'u8');
  t.is(t.throws(() => erf(a.at(0)), { instanceOf: DefinitionError })!.message, 'erf is implemented for f32 only, got f64; cast the argument to f32');
  t.is(t.throws(() => erf(b.at(0)), { instanceOf: DefinitionError })!.message, 'erf needs a float argument, got i32; cast it first');
  t.is(t.throws(() => sigmoid(b.at(0)), { instanceOf: DefinitionError })!.message, 'sigmoid needs a float argument, got i32; cast it first');
  t.is(t.throws(() => reinterpret('f32', c.at(0)), { instanceOf: DefinitionError })!.message, 'reinterpret u8 as f32: the types must have the same width (f32, i32 and u32 are 32 bits)');
  t.is(t.throws(() => a.at(0).reinterpret('i32'), { instanceOf: DefinitionError })!.message, 'reinterpret f64 as i32: the types must have the same width (f32, i32 and u32 are 32 bits)');
});

test('reinterpret: IEEE 754 bit patterns on every backend, folded by the simplifier, printed', (t) => {
  const N = sizeVar('N');
  const f = placeholder('f', [N], 'f32'), u = placeholder('u', [N], 'u8');
  const bitsOut = compute('bits', [N], (i) => f.at(i).reinterpret('i32'));
  const back = compute('back', [N], (i) => bitsOut.at(i).add(1).reinterpret('f32'));
  const signed = compute('signed', [N], (i) => reinterpret('i8', u.at(i)).cast('i32'));
  const p = pipeline(bitsOut, back, signed);
  const fs = new Float32Array([1, -2, 0, -0, Infinity, 1e-45, 3.4028234663852886e38, 0.1]);
  const us = new Uint8Array([0, 1, 127, 128, 200, 255, 7, 129]);
  const want = {
    bits: [0x3f800000, -0x40000000, 0, -0x80000000, 0x7f800000, 1, 0x7f7fffff, 0x3dcccccd],
    // -0 + 1 is the bit pattern 0x80000001, the negative subnormal -2^-149; Infinity + 1 is a NaN.
    back: [1 + 2 ** -23, -2 - 2 ** -22, 2 ** -149, -(2 ** -149), NaN, 2 ** -148, Infinity, Math.fround(0.1) + 2 ** -27],
    signed: [0, 1, 127, -128, -56, -1, 7, -127],
  };
  const inputs = { f: { data: fs, shape: [8] }, u: { data: us, shape: [8] } };
  const runs: [string, Record<string, { data: ArrayLike<number> }>][] = [['reference', evaluate(p, inputs)]];
  for (const lanes of [1, 4, 8]) {
    const sch = new Schedule(p);
    if (lanes > 1) for (const s of ['bits', 'back', 'signed']) sch.stage(s).vectorize('i', lanes);
    for (const target of ['wasm-simd', 'interp'] as const) runs.push([`${target}, ${lanes} lane(s)`, compile(p, sch, { ...OPTIONS, target })(inputs)]);
  }
  for (const [who, out] of runs) {
    for (const name of ['bits', 'back', 'signed'] as const) {
      t.true(Array.from(out[name]!.data).every((v, i) => sameBits(v, want[name][i]!)), `${name} on ${who}: ${Array.from(out[name]!.data).join(', ')}`);
    }
  }
  const x = new ir.Var('x', 'f32');
  t.is(printExpr(ir.reinterpret('i32', ir.varRef(x))), 'reinterpret<i32>(x)');
  t.is(printExpr(simplify(ir.reinterpret('i32', ir.f32(1)))), '1065353216');
  t.is(printExpr(simplify(ir.reinterpret('f32', ir.reinterpret('i32', ir.varRef(x))))), 'x');
  t.is(printExpr(simplify(ir.reinterpret('i32', ir.broadcast(ir.varRef(x), 4)))), 'x4(reinterpret<i32>(x))');
  // Interval analysis: the bits bound nothing but the type's range.
  const small = new ir.Var('small', 'i8');
  const range = boundsOf(ir.reinterpret('u8', ir.varRef(small)), new Map([[small, { min: ir.constant(0, 'i8'), max: ir.constant(3, 'i8') }]]));
  t.deepEqual([range.min && printExpr(range.min), range.max && printExpr(range.max)], ['0', '255']);
  t.deepEqual(boundsOf(ir.reinterpret('i32', ir.varRef(x)), new Map()), {});
});

test('constant folding uses the same definitions: exp(1.0f) folds to the approximation, not to Math.exp', (t) => {
  for (const fn of F32_FNS) {
    const folded = simplify(ir.call(fn, [ir.f32(0.75)]));
    t.is(folded.kind, 'const');
    t.is((folded as ir.Const).value, evalCall(fn, 'f32', [0.75]));
  }
  // A stage of a constant: the folded value is the one the kernel would compute.
  const k = compute('k', [2], () => exp(cast('f32', 3)));
  const f = compile(pipeline(k), undefined, OPTIONS);
  t.notRegex(f.loweredText, /exp/);
  t.is(f({}).k!.data[0], evalCall('exp', 'f32', [3]));
});
