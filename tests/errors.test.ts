/**
 * Error reporting: every illegal request is refused with the right error class and a message that
 * names what is wrong and, where there are some, the legal alternatives. Messages are checked by
 * their text, not only their class.
 */
import test from 'ava';
import {
  placeholder, compute, sizeVar, pipeline, reduceAxis, sum, maximum, constantExterior, DefinitionError, select,
} from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import { compile, ArgumentError, KernelError } from '../tessera.js';
import { blurU16, matmul, conv2d, slidingMax, threeStage, rowSum } from './helpers/pipelines.js';

// --- ScheduleError: stages and axes --------------------------------------------------------------

test('unknown stage: names it and lists the stages', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_z'), { instanceOf: ScheduleError, message: /stage blur_z: no stage of this name in the pipeline\n\s*legal alternatives: input_edge, blur_x, blur_y/ });
});

test('scheduling an input: says inputs have no schedule', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('input'), { instanceOf: ScheduleError, message: /input is an input; inputs have no schedule/ });
});

test('unknown axis: the message lists the current loops', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_y').split('x', 8);
  const e = t.throws(() => sch.stage('blur_y').split('z', 4), { instanceOf: ScheduleError, message: /stage blur_y, axis z: split: z is not a loop of this stage \(the stage has no such axis\)/ });
  t.regex(e!.message, /legal alternatives: y, xo, xi$/);
  t.is(e!.stage, 'blur_y');
  t.is(e!.axis, 'z');
});

test('axis already split: says into what', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_y').split('x', 8, { outer: 'xa', inner: 'xb' });
  t.throws(() => sch.stage('blur_y').vectorize('x'), { instanceOf: ScheduleError, message: /vectorize: x is not a loop of this stage \(it was split into xa and xb\)/ });
});

test('axis already fused: says into what', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_y').fuse('y', 'x', { fused: 'yx' });
  t.throws(() => sch.stage('blur_y').unroll('y'), { instanceOf: ScheduleError, message: /unroll: y is not a loop of this stage \(it was fused into yx\)/ });
});

test('split factor 0 is refused', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').split('x', 0), { instanceOf: ScheduleError, message: /stage blur_y, axis x: split factor must be a positive integer, got 0/ });
});

test('split factor 2.5 is refused', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').split('x', 2.5), { instanceOf: ScheduleError, message: /split factor must be a positive integer, got 2\.5/ });
});

test('split into a name the stage already has', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').split('x', 4, { outer: 'y' }), { instanceOf: ScheduleError, message: /split: the stage already has an axis named y; pass another name/ });
  // Names stay taken after the loop is gone (xo, xi of the first split).
  sch.stage('blur_y').split('x', 4);
  sch.stage('blur_y').fuse('xo', 'xi', { fused: 'xx' });
  t.throws(() => sch.stage('blur_y').split('xx', 2, { outer: 'xo', inner: 'q' }), { instanceOf: ScheduleError, message: /already has an axis named xo/ });
});

test('split with equal outer and inner names', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').split('x', 4, { outer: 'a', inner: 'a' }), { instanceOf: ScheduleError, message: /outer and inner need different names \(both a\)/ });
});

test('split into a name that is not an identifier', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').split('x', 4, { inner: 'x.i' }), { instanceOf: ScheduleError, message: /axis name "x\.i" is not an identifier/ });
});

test('split of a loop already marked vectorized', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_y').vectorize('x', 8);
  t.throws(() => sch.stage('blur_y').split('xi', 2), { instanceOf: ScheduleError, message: /split: xi is already marked vectorized; split before marking it/ });
});

// --- ScheduleError: fuse and reorder -------------------------------------------------------------

test('fuse of non-adjacent loops: lists the loops and says reorder first', (t) => {
  const sch = new Schedule(conv2d().pipeline);
  t.throws(() => sch.stage('out').fuse('n', 'y'), { instanceOf: ScheduleError, message: /fuse: y must be the loop directly inside n; the loops are n, k, y, x \(reorder first\)/ });
  t.throws(() => sch.stage('out').fuse('k', 'n'), { instanceOf: ScheduleError, message: /n must be the loop directly inside k/ });
});

test('fuse of a pure axis with a reduction axis', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').fuse('j', 'k'), { instanceOf: ScheduleError, message: /stage C, axis k: fuse: cannot fuse the reduction axis k with the pure axis j/ });
});

test('reorder with a repeated axis', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').reorder('k', 'i', 'k'), { instanceOf: ScheduleError, message: /stage C, axis k: reorder: k is listed twice/ });
});

test('reorder of fewer than two axes', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').reorder('k'), { instanceOf: ScheduleError, message: /reorder needs at least two axes/ });
});

test('tile of one axis with itself', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').tile('i', 'i', 4, 4), { instanceOf: ScheduleError, message: /tile needs two different axes/ });
});

// --- ScheduleError: loop kinds ---------------------------------------------------------------------

test('vectorize of a reduction axis suggests rfactor and lists the pure loops', (t) => {
  const sch = new Schedule(matmul().pipeline);
  const e = t.throws(() => sch.stage('C').vectorize('k'), { instanceOf: ScheduleError, message: /vectorize: k is a reduction axis; running its iterations at once would race on the accumulator\. Use rfactor/ });
  t.regex(e!.message, /legal alternatives: i, j$/);
});

test('parallel of a reduction axis suggests rfactor', (t) => {
  const sch = new Schedule(matmul().pipeline);
  sch.stage('C').split('k', 4);
  t.throws(() => sch.stage('C').parallel('ko'), { instanceOf: ScheduleError, message: /parallel: ko is a reduction axis.*Use rfactor to make it a pure axis of a new stage/ });
});

test('vectorize of a known extent over 64 lanes', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_y').split('x', 128);
  t.throws(() => sch.stage('blur_y').vectorize('xi'), { instanceOf: ScheduleError, message: /vectorize: extent 128 exceeds 64 lanes; split it first/ });
  t.throws(() => sch.stage('blur_y').vectorize('y', 65), { instanceOf: ScheduleError, message: /extent 65 exceeds 64 lanes/ });
});

test('unroll of a known extent over 256', (t) => {
  const sch = new Schedule(rowSum(3, 300).pipeline);
  t.throws(() => sch.stage('rsum').unroll('r'), { instanceOf: ScheduleError, message: /stage rsum, axis r: unroll: extent 300 exceeds 256; split it first/ });
});

test('unroll of a loop with a symbolic extent is refused at compile', (t) => {
  const tp = blurU16();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').unroll('x'); // accepted now: the extent W is unknown until lowering
  t.throws(() => compile(tp.pipeline, sch), { instanceOf: ScheduleError, message: /stage blur_y, axis x: unroll: the extent W is not a constant; use unroll\(x, factor\) to split by a constant first/ });
});

test('vectorize of a loop with a symbolic extent is refused at compile', (t) => {
  const tp = blurU16();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').vectorize('x');
  t.throws(() => compile(tp.pipeline, sch, { target: 'interp' }), { instanceOf: ScheduleError, message: /stage blur_y, axis x: vectorize: the extent W is not a constant; use vectorize\(x, factor\)/ });
});

test('parallel inside a vectorized loop', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_y').split('y', 4);
  sch.stage('blur_y').vectorize('yi');
  t.throws(() => sch.stage('blur_y').parallel('x'), { instanceOf: ScheduleError, message: /parallel: it is inside the vectorized loop yi/ });
});

// --- ScheduleError: compute and store locations ----------------------------------------------------

test('compute_at at an illegal site lists the legal sites', (t) => {
  const sch = new Schedule(threeStage().pipeline);
  // f is read by g, which is computed at root: h's loops do not enclose every use of f.
  const e = t.throws(() => sch.stage('f').computeAt('h', 'x'), { instanceOf: ScheduleError, message: /stage f, axis x: compute_at\(h, x\): not every use of f is inside h\.x/ });
  t.regex(e!.message, /legal alternatives: g\.y, g\.x, root$/);
  t.deepEqual(e!.alternatives, ['g.y', 'g.x', 'root']);
});

test('compute_at inside a vectorized loop', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_y').vectorize('x', 8);
  t.throws(() => sch.stage('blur_x').computeAt('blur_y', 'xi'), { instanceOf: ScheduleError, message: /compute_at\(blur_y, xi\): blur_y\.xi is a vectorized loop or inside one; its lanes run at once\n\s*legal alternatives: blur_y\.y, blur_y\.xo, root/ });
});

test('compute_at inside its own loops', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_x').computeAt('blur_x', 'y'), { instanceOf: ScheduleError, message: /a stage cannot be computed inside its own loops/ });
});

test('compute_at at a loop the host does not have', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_x').computeAt('blur_y', 'q'), { instanceOf: ScheduleError, message: /stage blur_y, axis q: compute_at\(blur_x\): q is not a loop of this stage/ });
});

test('compute_at of an output', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').computeAt('blur_x', 'y'), { instanceOf: ScheduleError, message: /stage blur_y: compute_at: blur_y is an output of the pipeline; outputs are computed at root into the output tensor/ });
});

test('compute_inline of a reduction', (t) => {
  const sch = new Schedule(slidingMax().pipeline);
  t.throws(() => sch.stage('smax').computeInline(), { instanceOf: ScheduleError, message: /stage smax: compute_inline: smax is a reduction, whose values need their own loop nest\n\s*legal alternatives: vsum\.y, vsum\.x, root/ });
});

test('compute_inline of an output', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').computeInline(), { instanceOf: ScheduleError, message: /compute_inline: blur_y is an output of the pipeline/ });
});

test('store_at inside the compute site lists the legal store sites', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_x').computeAt('blur_y', 'y');
  t.throws(() => sch.stage('blur_x').storeAt('blur_y', 'x'), { instanceOf: ScheduleError, message: /stage blur_x, axis x: store_at\(blur_y, x\): the storage must be at or outside the compute site blur_y\.y\n\s*legal alternatives: blur_y\.y, root/ });
});

test('store_at of a stage computed at root', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_x').storeAt('blur_y', 'y'), { instanceOf: ScheduleError, message: /store_at\(blur_y, y\): blur_x is computed at root, so its storage cannot be inside a loop; compute_at first/ });
});

test('store_root of an inlined stage', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('input_edge').storeRoot(), { instanceOf: ScheduleError, message: /store_root: the stage is computed inline and has no storage; compute_at or compute_root first/ });
});

// --- ScheduleError: tails and rfactor --------------------------------------------------------------

test('shift_inwards on a reduction stage', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').split('i', 4, { tail: 'shift_inwards' }), { instanceOf: ScheduleError, message: /stage C, axis i: tail shift_inwards recomputes points, but C is a reduction whose update must run once per point\n\s*legal alternatives: guard, round_up \(pure axes only\)/ });
});

test('round_up on a reduction axis', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').split('k', 4, { tail: 'round_up' }), { instanceOf: ScheduleError, message: /stage C, axis k: tail round_up on the reduction axis k would reduce over points outside its domain\n\s*legal alternatives: guard/ });
});

test('rfactor of a pure axis lists the reduction loops', (t) => {
  const sch = new Schedule(conv2d().pipeline);
  t.throws(() => sch.stage('conv').rfactor('x'), { instanceOf: ScheduleError, message: /stage conv, axis x: rfactor: x is a pure axis; rfactor takes a reduction loop\n\s*legal alternatives: rc, ry, rx/ });
});

test('rfactor of a stage that is not a reduction', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').rfactor('x'), { instanceOf: ScheduleError, message: /stage blur_y, axis x: rfactor: the stage is not a reduction/ });
});

test('rfactor into a taken name', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').rfactor('k', { name: 'A' }), { instanceOf: ScheduleError, message: /rfactor: the name A is taken; pass another name/ });
});

test('rfactor of a fused reduction loop', (t) => {
  const sch = new Schedule(conv2d().pipeline);
  sch.stage('conv').fuse('ry', 'rx', { fused: 'rr' });
  t.throws(() => sch.stage('conv').rfactor('rr'), { instanceOf: ScheduleError, message: /the axis must be a reduction axis of the definition, or one half of a single split of one/ });
});

test('a refused primitive leaves the schedule and its trace unchanged', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  sch.stage('blur_y').split('x', 8);
  const loops = sch.stage('blur_y').loops, code = sch.toCode();
  // tile's second split fails after its first one succeeded.
  t.throws(() => sch.stage('blur_y').tile('y', 'xo', 4, 0), { instanceOf: ScheduleError, message: /split factor must be a positive integer, got 0/ });
  t.deepEqual(sch.stage('blur_y').loops, loops);
  t.is(sch.toCode(), code);
  sch.stage('blur_y').split('y', 4); // the names yo, yi of the failed tile are still free
  t.deepEqual(sch.stage('blur_y').loops, ['yo', 'yi', 'xo', 'xi']);
});

test('replaying an unknown instruction', (t) => {
  const p = blurU16().pipeline;
  t.throws(() => Schedule.replay(p, [{ op: 'swizzle', stage: 'blur_y' } as never]), { instanceOf: ScheduleError, message: /unknown schedule instruction "swizzle"/ });
});

// --- DefinitionError -------------------------------------------------------------------------------

test('adding terms of different dtypes suggests a cast', (t) => {
  const a = placeholder('a', [4], 'u16'), b = placeholder('b', [4], 'f32');
  t.throws(() => compute('c', [4], (x) => a.at(x).add(b.at(x))), { instanceOf: DefinitionError, message: /add: operands have different dtypes \(u16 and f32\); cast one with \.cast\('u16'\)/ });
});

test('indexing with the wrong number of indices', (t) => {
  const a = placeholder('a', [4, 5], 'f32');
  t.throws(() => compute('c', [4], (x) => a.at(x)), { instanceOf: DefinitionError, message: /a has 2 dimension\(s\) but was indexed with 1/ });
});

test('indexing with a float index', (t) => {
  const a = placeholder('a', [4], 'f32');
  t.throws(() => compute('c', [4], (x) => a.at(x.cast('f32'))), { instanceOf: DefinitionError, message: /a: index 0 has dtype f32; indices must be i32 \(cast it\)/ });
});

test('names that are not identifiers', (t) => {
  t.throws(() => placeholder('my input', [4]), { instanceOf: DefinitionError, message: /placeholder name "my input" is not an identifier/ });
  t.throws(() => compute('2x', [4], (x) => x), { instanceOf: DefinitionError, message: /stage name "2x" is not an identifier/ });
  t.throws(() => compute('c', [4], () => 1, { axes: ['x-1'] }), { instanceOf: DefinitionError, message: /stage c axis name "x-1" is not an identifier/ });
  t.throws(() => reduceAxis(4, 'k.0'), { instanceOf: DefinitionError, message: /reduction axis name "k\.0" is not an identifier/ });
  t.throws(() => sizeVar('N M'), { instanceOf: DefinitionError, message: /size variable name "N M" is not an identifier/ });
});

test('two different stages with one name in a pipeline', (t) => {
  const a = placeholder('a', [4], 'i32');
  const s1 = compute('s', [4], (x) => a.at(x).add(1));
  const s2 = compute('s', [4], (x) => s1.at(x).mul(2));
  t.throws(() => pipeline(s2), { instanceOf: DefinitionError, message: /two different stages or inputs are named s; names must be unique in a pipeline/ });
  const b = compute('a', [4], (x) => a.at(x));
  t.throws(() => pipeline(b), { instanceOf: DefinitionError, message: /two different stages or inputs are named a/ });
});

test('a fractional literal with an integer operand', (t) => {
  const a = placeholder('a', [4], 'i32');
  t.throws(() => compute('c', [4], (x) => a.at(x).add(0.5)), { instanceOf: DefinitionError, message: /the literal 0\.5 is not an integer but the other operand is i32; cast it first/ });
});

test('a comparison as a stage body', (t) => {
  const a = placeholder('a', [4], 'i32');
  t.throws(() => compute('c', [4], (x) => a.at(x).lt(3)), { instanceOf: DefinitionError, message: /stage c: the body is a bool \(a comparison\); stages hold numbers: use select\(cond, 1, 0\) or \.cast\('u8'\)/ });
});

test('a reduction axis named like a pure axis', (t) => {
  const a = placeholder('a', [4, 4], 'f32');
  const k = reduceAxis(4, 'x');
  t.throws(() => compute('c', [4], (x) => sum(a.at(x, k), k)), { instanceOf: DefinitionError, message: /stage c: reduction axis x has the same name as a pure axis/ });
});

test('a reduction axis used outside its reduction', (t) => {
  const a = placeholder('a', [4], 'f32');
  const k = reduceAxis(4, 'k');
  t.throws(() => compute('c', [4], (x) => a.at(x).add(a.at(k))), { instanceOf: DefinitionError, message: /stage c uses k, which is neither one of its axes, a reduction axis of its own reduction, nor a size variable/ });
});

test('constantExterior with a value of another dtype', (t) => {
  const a = placeholder('a', [4], 'u8');
  t.throws(() => constantExterior(a, compute('z', [1], () => 0.5).at(0)), { instanceOf: DefinitionError, message: /constantExterior\(a\): value is f32, input is u8/ });
});

test('select with branches of different dtypes', (t) => {
  const a = placeholder('a', [4], 'i32'), b = placeholder('b', [4], 'i16');
  t.throws(() => compute('c', [4], (x) => select(a.at(x).gt(0), a.at(x), b.at(x))), { instanceOf: DefinitionError, message: /select: operands have different dtypes \(i32 and i16\)/ });
});

test('a maximum of a bool', (t) => {
  const a = placeholder('a', [4], 'i32');
  const k = reduceAxis(4, 'k');
  t.throws(() => compute('c', [1], () => maximum(a.at(k).gt(0), k)), { instanceOf: DefinitionError, message: /stage c: cannot reduce a bool; cast the value to a number type/ });
});

// --- ArgumentError at call time ------------------------------------------------------------------

for (const target of ['wasm-simd', 'interp'] as const) {
  const tp = blurU16();
  const f = compile(tp.pipeline, undefined, { target });
  const good = tp.inputs(1).input!;

  test(`[${target}] missing input`, (t) => {
    t.throws(() => f({}), { instanceOf: ArgumentError, message: /blur_y: missing input input/ });
  });

  test(`[${target}] unknown argument`, (t) => {
    t.throws(() => f({ input: good, imput: good }), { instanceOf: ArgumentError, message: /blur_y: unknown argument imput; the kernel takes input, blur_y/ });
  });

  test(`[${target}] wrong dtype names the argument`, (t) => {
    t.throws(() => f({ input: { data: new Float32Array(good.data.length), shape: good.shape } }), { instanceOf: ArgumentError, message: /blur_y: input input must hold u16 data, got f32/ });
  });

  test(`[${target}] wrong rank`, (t) => {
    t.throws(() => f({ input: { data: good.data, shape: [good.data.length] } }), { instanceOf: ArgumentError, message: /blur_y: input input must have 2 dimension\(s\), got 1 \(\[481\]\)/ });
  });

  test(`[${target}] data length mismatch`, (t) => {
    t.throws(() => f({ input: { data: new Uint16Array(10), shape: [13, 37] } }), { instanceOf: ArgumentError, message: /blur_y: input input has 10 elements but its shape \[13, 37\] needs 481/ });
  });

  test(`[${target}] an output tensor of the wrong shape`, (t) => {
    t.throws(() => f({ input: good }, { blur_y: { data: new Uint16Array(37 * 13), shape: [37, 13] } }), { instanceOf: ArgumentError, message: /blur_y: output blur_y has extent 37 in dimension 0, but size H is 13 from input dimension 0/ });
  });

  test(`[${target}] inconsistent sizes between two inputs`, (t) => {
    const mm = matmul(3, 4, 5);
    const g = compile(mm.pipeline, undefined, { target });
    const { A } = mm.inputs(1);
    t.throws(() => g({ A: A!, B: { data: new Float32Array(6 * 4), shape: [6, 4] } }), { instanceOf: ArgumentError, message: /C: input B has extent 6 in dimension 0, but size K is 5 from A dimension 1/ });
  });
}

// --- KernelError at run time -----------------------------------------------------------------------

/** out(x) = a(x) + b(x) over a's extent N, with b of extent M: reads b outside its shape when M < N. */
function twoInputs() {
  const N = sizeVar('N'), M = sizeVar('M');
  const a = placeholder('a', [N], 'i32'), b = placeholder('b', [M], 'i32');
  return pipeline(compute('out', [N], (x) => a.at(x).add(b.at(x))));
}

test('an input read outside its shape is an assert at run time (wasm: KernelError)', (t) => {
  const f = compile(twoInputs());
  const a = { data: new Int32Array(10).fill(1), shape: [10] };
  t.deepEqual(Array.from(f({ a, b: { data: new Int32Array(12).fill(2), shape: [12] } }).out!.data), new Array(10).fill(3));
  t.throws(() => f({ a, b: { data: new Int32Array(8), shape: [8] } }), { instanceOf: KernelError, message: /out: input b is read over \[0, N - 1\] in dimension 0, outside its extent M: the definition reads outside the input; add a boundary condition \(repeatEdge, constantExterior\)/ });
});

test('an input read outside its shape is an assert at run time (interp)', (t) => {
  const f = compile(twoInputs(), undefined, { target: 'interp' });
  t.throws(() => f({ a: { data: new Int32Array(10), shape: [10] }, b: { data: new Int32Array(8), shape: [8] } }), { message: /input b is read over \[0, N - 1\] in dimension 0, outside its extent M: the definition reads outside the input/ });
});

test('shift_inwards on an output smaller than the factor fails at run time, suggesting guard', (t) => {
  const tp = blurU16(5, 37);
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').split('y', 8, { tail: 'shift_inwards' });
  const f = compile(tp.pipeline, sch);
  t.throws(() => f(tp.inputs(1)), { instanceOf: KernelError, message: /blur_y: output blur_y is written over \[.*\] in dimension 0, outside its extent H: a split with tail round_up or shift_inwards writes outside the output; use tail 'guard'/ });
  // The same kernel is fine on an image at least as tall as the factor.
  const tall = blurU16(9, 37);
  t.notThrows(() => f(tall.inputs(1)));
});

test('round_up on an output with a constant shape is refused at compile, suggesting guard', (t) => {
  const a = placeholder('a', [10], 'i32');
  const out = compute('out', [10], (x) => a.at(x.min(9)).add(1));
  const p = pipeline(out);
  const sch = new Schedule(p);
  sch.stage('out').split('x', 4, { tail: 'round_up' });
  t.throws(() => compile(p, sch), { instanceOf: ScheduleError, message: /output out is written over \[0, 11\] in dimension 0, outside its extent 10: .*use tail 'guard'/ });
});

// --- bound, alignBounds, reorderStorage, transformLayout, fma -------------------------------------

test('bound: a reduction axis, a loop that is not a pure axis, bad numbers', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').bound('k', 0, 8), { instanceOf: ScheduleError, message: 'stage C, axis k: bound: k is a reduction axis; only the pure axes of the definition have a region to bound\n  legal alternatives: i, j' });
  const blur = new Schedule(blurU16().pipeline);
  blur.stage('blur_y').split('x', 8);
  t.throws(() => blur.stage('blur_y').bound('xo', 0, 8), { instanceOf: ScheduleError, message: "stage blur_y, axis xo: bound: xo is not a pure axis of the definition of blur_y (bounds name the definition's axes, not loops made by split or fuse)\n  legal alternatives: y, x" });
  t.throws(() => blur.stage('blur_x').bound('y', 0.5, 3), { instanceOf: ScheduleError, message: 'stage blur_x, axis y: bound: min must be an integer, got 0.5' });
  t.throws(() => blur.stage('blur_x').bound('y', 0, 0), { instanceOf: ScheduleError, message: 'stage blur_x, axis y: bound: extent must be a positive integer, got 0' });
});

test('bound on an output: it must start at 0 and match a constant extent', (t) => {
  const blur = new Schedule(blurU16().pipeline);
  t.throws(() => blur.stage('blur_y').bound('y', 1, 3), { instanceOf: ScheduleError, message: 'stage blur_y, axis y: bound: blur_y is an output of the pipeline, computed over [0, extent) of its tensor; its bound must start at 0, got 1' });
  const conv = new Schedule(conv2d().pipeline);
  t.throws(() => conv.stage('out').bound('k', 0, 8), { instanceOf: ScheduleError, message: 'stage out, axis k: bound: the output out has extent 4 in dimension 1 (k), not 8' });
  t.deepEqual(conv.trace, []);
});

test('bound on an output, run on a tensor of another extent: KernelError naming output and axis', (t) => {
  const tp = blurU16();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').bound('y', 0, 12);
  t.throws(() => compile(tp.pipeline, sch)(tp.inputs()), { instanceOf: KernelError, message: "blur_y: output blur_y, axis y: the tensor has extent H in dimension 0, but bound('y', 0, 12) computes exactly 12 points there; pass a tensor of extent 12" });
});

test('bound on an intermediate smaller than what its consumers read', (t) => {
  const tp = blurU16();
  const late = new Schedule(tp.pipeline);
  late.stage('blur_x').bound('y', -1, 10);
  t.throws(() => compile(tp.pipeline, late)(tp.inputs()), { instanceOf: KernelError, message: "blur_y: stage blur_x, axis y: its consumers read blur_x over [-1, H] in y, outside its bound('y', -1, 10) = [-1, 8]; widen the bound" });
  const early = new Schedule(tp.pipeline);
  early.stage('blur_x').bound('y', 0, 20);
  t.throws(() => compile(tp.pipeline, early), { instanceOf: ScheduleError, message: "stage blur_x, axis y: its consumers read blur_x over [-1, H] in y, outside its bound('y', 0, 20) = [0, 19]; widen the bound" });
});

test('alignBounds: outputs, reduction axes, bad modulus or remainder', (t) => {
  const blur = new Schedule(blurU16().pipeline);
  t.throws(() => blur.stage('blur_y').alignBounds('x', 8), { instanceOf: ScheduleError, message: "stage blur_y, axis x: align_bounds: blur_y is an output of the pipeline; its region is its tensor's shape. Align a cacheWrite copy of it instead, or split with tail round_up" });
  t.throws(() => blur.stage('blur_x').alignBounds('x', 0), { instanceOf: ScheduleError, message: 'stage blur_x, axis x: align_bounds: modulus must be a positive integer, got 0' });
  t.throws(() => blur.stage('blur_x').alignBounds('x', 8, 0.5), { instanceOf: ScheduleError, message: 'stage blur_x, axis x: align_bounds: remainder must be an integer, got 0.5' });
  const conv = new Schedule(conv2d().pipeline);
  t.throws(() => conv.stage('conv').alignBounds('rc', 4), { instanceOf: ScheduleError, message: 'stage conv, axis rc: align_bounds: rc is a reduction axis; only the pure axes of the definition have a region to bound\n  legal alternatives: n, k, y, x' });
  t.deepEqual(blur.trace, []);
});

test('alignBounds on a stage that reads an input directly: the extra points read outside it', (t) => {
  const tp = conv2d();
  const sch = new Schedule(tp.pipeline);
  sch.stage('conv').alignBounds('k', 3);
  t.throws(() => compile(tp.pipeline, sch), { instanceOf: ScheduleError, message: /stage weight: input weight is read over \[0, 5\] in dimension 0, outside its extent 4: the definition reads outside the input/ });
});

test('reorderStorage: outputs, inputs, too few, unknown or repeated dimensions', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  t.throws(() => sch.stage('blur_y').reorderStorage('x', 'y'), { instanceOf: ScheduleError, message: "stage blur_y: reorder_storage: blur_y is an output of the pipeline; its layout is the caller's (dense row-major). Lay out a cacheWrite copy of it instead" });
  t.throws(() => sch.stage('input').reorderStorage('x', 'y'), { instanceOf: ScheduleError, message: 'stage input: input is an input; inputs have no schedule\n  legal alternatives: input_edge, blur_x, blur_y' });
  t.throws(() => sch.stage('blur_x').reorderStorage('x'), { instanceOf: ScheduleError, message: 'stage blur_x, axis x: reorder_storage needs at least two dimensions\n  legal alternatives: y, x' });
  t.throws(() => sch.stage('blur_x').reorderStorage('x', 'q'), { instanceOf: ScheduleError, message: 'stage blur_x, axis q: reorder_storage: q is not a storage dimension of blur_x\n  legal alternatives: y, x' });
  t.throws(() => sch.stage('blur_x').reorderStorage('x', 'x'), { instanceOf: ScheduleError, message: 'stage blur_x, axis x: reorder_storage: x is listed twice' });
  t.deepEqual(sch.trace, []);
});

test('transformLayout: outputs, empty requests, bad splits and orders; a refusal changes nothing', (t) => {
  const sch = new Schedule(blurU16().pipeline);
  const h = sch.stage('blur_x');
  t.throws(() => sch.stage('blur_y').transformLayout({ split: { dim: 'x', factor: 4 } }), { instanceOf: ScheduleError, message: "stage blur_y: transform_layout: blur_y is an output of the pipeline; its layout is the caller's (dense row-major). Lay out a cacheWrite copy of it instead" });
  t.throws(() => h.transformLayout({}), { instanceOf: ScheduleError, message: 'stage blur_x: transform_layout needs a split, an order, or both' });
  t.throws(() => h.transformLayout({ split: { dim: 'q', factor: 4 } }), { instanceOf: ScheduleError, message: 'stage blur_x, axis q: transform_layout: q is not a storage dimension of blur_x\n  legal alternatives: y, x' });
  t.throws(() => h.transformLayout({ split: { dim: 'x', factor: 0 } }), { instanceOf: ScheduleError, message: 'stage blur_x, axis x: transform_layout: split factor must be a positive integer, got 0' });
  t.throws(() => h.transformLayout({ split: { dim: 'x', factor: 8, outer: 'a', inner: 'a' } }), { instanceOf: ScheduleError, message: 'stage blur_x, axis x: transform_layout: outer and inner need different names (both a)' });
  t.throws(() => h.transformLayout({ split: { dim: 'x', factor: 8, outer: 'x.o' } }), { instanceOf: ScheduleError, message: 'stage blur_x, axis x.o: transform_layout: dimension name "x.o" is not an identifier' });
  t.throws(() => h.transformLayout({ split: { dim: 'x', factor: 8, outer: 'y' } }), { instanceOf: ScheduleError, message: 'stage blur_x, axis y: transform_layout: the storage already has a dimension named y; pass another name' });
  t.throws(() => h.transformLayout({ split: { dim: 'x', factor: 8 }, order: ['y', 'xo'] }), { instanceOf: ScheduleError, message: 'stage blur_x, axis xi: transform_layout: the order must list every storage dimension once; it lacks xi\n  legal alternatives: y, xo, xi' });
  t.throws(() => h.transformLayout({ split: { dim: 'x', factor: 8 }, order: ['y', 'x', 'xi'] }), { instanceOf: ScheduleError, message: 'stage blur_x, axis x: transform_layout: x is not a storage dimension of blur_x (it was split into xo and xi)\n  legal alternatives: y, xo, xi' });
  t.throws(() => h.transformLayout({ order: ['y', 'y'] }), { instanceOf: ScheduleError, message: 'stage blur_x, axis y: transform_layout: y is listed twice in the order' });
  t.is(sch.state('blur_x').storage, undefined);
  t.deepEqual(sch.trace, []);
  h.transformLayout({ split: { dim: 'x', factor: 8 } });
  t.throws(() => h.reorderStorage('x', 'y'), { instanceOf: ScheduleError, message: 'stage blur_x, axis x: reorder_storage: x is not a storage dimension of blur_x (it was split into xo and xi)\n  legal alternatives: y, xo, xi' });
});

test("fma 'relaxed' on an engine without relaxed SIMD: refused when the kernel is loaded", async (t) => {
  const { relaxedSimdSupported } = await import('../runtime/wasm_features.js');
  if (relaxedSimdSupported()) { t.pass('this engine has relaxed SIMD'); return; }
  const N = sizeVar('N');
  const a = placeholder('a', [N], 'f32');
  const p = pipeline(compute('out', [N], (i) => a.at(i).mul(2).add(1)));
  const sch = new Schedule(p);
  sch.stage('out').vectorize('i', 4);
  t.throws(() => compile(p, sch, { fma: 'relaxed' }), { instanceOf: KernelError, message: "out: the kernel was compiled with fma 'relaxed' and uses f32x4.relaxed_madd, but this WebAssembly engine has no relaxed SIMD (Node 20: run node with --experimental-wasm-relaxed-simd); compile it with fma: 'none' or 'auto' for this engine" });
});
