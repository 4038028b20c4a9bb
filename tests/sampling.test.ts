/**
 * Sampling instructions (the design space inside the schedule language): drawn decisions are recorded
 * and replay to the identical schedule and lowered code; a space prints as code that rebuilds it;
 * decisions are checked on replay (each refusal with its code, leaving the schedule as it was);
 * resolveTrace gives the plain schedule of a decided trace; the schedule view reports extents,
 * locations and affine accesses.
 */
import test from 'ava';
import fc from 'fast-check';
import { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import { type Instruction, instructionToCode } from '../schedule/instruction.js';
import { drawPerfectTile, resolveTrace, divisors, primeFactors } from '../schedule/sampling.js';
import { viewSchedule, affineIndex } from '../schedule/view.js';
import { lower } from '../lower/lower.js';
import { printFunc } from '../ir/printer.js';
import { matmul, blurU16, conv2d, rng } from './helpers/pipelines.js';
import { assertMatches } from './helpers/compare.js';

const sampler = (seed: number) => ({ random: rng(seed) });

/** A small space over matmul: a register tile of C_local inside a tile of C, sampled. */
function matmulSpace(sch: Schedule): void {
  const acc = sch.stage('C').cacheWrite();
  const C = sch.stage('C');
  C.samplePerfectTile('i', 3, 4, { name: 'ti' });
  C.samplePerfectTile('j', 3, 8, { name: 'tj' });
  C.split('i', { sampled: 'ti', from: 1 }, { outer: 'i0', inner: 'ir' });
  C.split('ir', { sampled: 'ti', from: 2 }, { outer: 'i1', inner: 'i2' });
  C.split('j', { sampled: 'tj', from: 1 }, { outer: 'j0', inner: 'jr' });
  C.split('jr', { sampled: 'tj', from: 2 }, { outer: 'j1', inner: 'j2' });
  C.reorder('i0', 'j0', 'i1', 'j1', 'i2', 'j2');
  C.unroll('i2');
  C.vectorize('j2');
  C.sampleCategorical('ku', [1, 2, 4]);
  const local = sch.stage(acc);
  local.sampleComputeAt({ candidates: ['C.j1', 'C.i1', 'C.j0'] });
  local.split('k', { sampled: 'ku' }, { outer: 'ko', inner: 'ki' });
  local.reorder('ko', 'ki', 'i', 'j');
}

const undecide = (trace: readonly Instruction[]): Instruction[] =>
  trace.map((i) => (i.op.startsWith('sample_') ? (({ decision: _d, ...rest }) => rest)(i as Instruction & { decision?: unknown }) as Instruction : i));

test('a space drawn with a sampler records its decisions; the decided trace replays to the same schedule and lowered code', (t) => {
  const tp = matmul(16, 24, 12);
  const sizes = tp.sizes;
  for (let seed = 1; seed <= 6; seed++) {
    const sch = new Schedule(tp.pipeline, { sizes, sampler: sampler(seed) });
    matmulSpace(sch);
    const decided = sch.trace.filter((i) => i.op.startsWith('sample_'));
    t.is(decided.length, 4);
    t.true(decided.every((i) => (i as { decision?: unknown }).decision !== undefined));
    const tile = decided[0] as Extract<Instruction, { op: 'sample_perfect_tile' }>;
    t.is(tile.decision!.reduce((a, b) => a * b, 1), 16);
    t.true(tile.decision![2]! <= 4);
    const json = JSON.parse(JSON.stringify(sch.trace)) as Instruction[];
    const again = Schedule.replay(tp.rebuild().pipeline, json);
    t.deepEqual(again.trace, sch.trace);
    t.is(printFunc(lower(again.pipeline, again).func), printFunc(lower(tp.pipeline, sch).func));
    assertMatches(t, tp, sch);
    // The same space replayed with the same seed draws the same decisions.
    const redrawn = Schedule.replay(tp.rebuild().pipeline, undecide(sch.trace), { sizes, sampler: sampler(seed) });
    t.deepEqual(redrawn.trace, sch.trace);
  }
});

test('toCode of a space and of a decided schedule is TypeScript that rebuilds the same trace', (t) => {
  const tp = matmul(16, 24, 12);
  const sch = new Schedule(tp.pipeline, { sizes: tp.sizes, sampler: sampler(3) });
  matmulSpace(sch);
  const code = sch.toCode();
  t.regex(code, /sch\.stage\("C"\)\.samplePerfectTile\("i", 3, 4, \{ name: "ti", decision: \[\d+, \d+, \d+\] \}\);/);
  t.regex(code, /sch\.stage\("C"\)\.split\("i", \{ sampled: "ti", from: 1 \}, \{ outer: "i0", inner: "ir", tail: "auto" \}\);/);
  t.regex(code, /sch\.stage\("C_local"\)\.sampleComputeAt\(\{ candidates: \["C\.j1", "C\.i1", "C\.j0"\], decision: "C\.\w+" \}\);/);
  // The printed code, run against a fresh schedule, records the very same trace.
  const fresh = new Schedule(tp.rebuild().pipeline);
  new Function('sch', code)(fresh);
  t.deepEqual(fresh.trace, sch.trace);
  // A space (no decisions) prints too, and the code rebuilds the space under a sampler.
  const space = undecide(sch.trace);
  const spaceCode = space.map((i) => instructionToCode(i)).join('\n');
  t.notRegex(spaceCode, /decision/);
  const drawn = new Schedule(tp.rebuild().pipeline, { sizes: tp.sizes, sampler: sampler(3) });
  new Function('sch', spaceCode)(drawn);
  t.deepEqual(drawn.trace, sch.trace);
});

test('resolveTrace gives the plain schedule of a decided trace: no samples, numbers for factors, the same lowered code', (t) => {
  const tp = matmul(16, 24, 12);
  const sch = new Schedule(tp.pipeline, { sizes: tp.sizes, sampler: sampler(5) });
  matmulSpace(sch);
  const plain = resolveTrace(sch.trace);
  t.false(plain.some((i) => i.op.startsWith('sample_')));
  t.true(plain.every((i) => !('factor' in i) || typeof i.factor === 'number'));
  t.true(plain.some((i) => i.op === 'compute_at' || i.op === 'compute_root'));
  const replayed = Schedule.replay(tp.rebuild().pipeline, plain);
  t.is(printFunc(lower(replayed.pipeline, replayed).func), printFunc(lower(tp.pipeline, sch).func));
  t.throws(() => resolveTrace(undecide(sch.trace)), { instanceOf: ScheduleError, message: /has no decision/ });
});

test('drawPerfectTile: n positive factors whose product is the extent, the innermost at most maxInnermost', (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 64 }), fc.integer(), (extent, n, maxInner, seed) => {
    const f = drawPerfectTile(extent, n, maxInner, sampler(seed));
    return f.length === n && f.every((x) => Number.isInteger(x) && x >= 1) && f.reduce((a, b) => a * b, 1) === extent
      && (n === 1 || f[n - 1]! <= maxInner);
  }), { numRuns: 300 });
  t.deepEqual(divisors(56), [1, 2, 4, 7, 8, 14, 28, 56]);
  t.deepEqual(primeFactors(360), [2, 2, 2, 3, 3, 5]);
  // Every divisor within the bound is drawn as the innermost factor sometimes.
  const seen = new Set<number>();
  const r = sampler(9);
  for (let k = 0; k < 400; k++) seen.add(drawPerfectTile(56, 3, 8, r)[2]!);
  t.deepEqual([...seen].sort((a, b) => a - b), [1, 2, 4, 7, 8]);
});

/** Applies `i` and expects a ScheduleError with `code`, leaving the trace and samples as they were. */
function refused(t: import('ava').ExecutionContext, sch: Schedule, i: Instruction, code: ScheduleError['code'], message: RegExp): void {
  const before = JSON.stringify(sch.trace);
  const e = t.throws(() => sch.apply(i), { instanceOf: ScheduleError, message });
  t.is(e!.code, code);
  t.is(JSON.stringify(sch.trace), before);
}

test('bad decisions and references are refused with their codes and leave the schedule unchanged', (t) => {
  const tp = matmul(16, 24, 12);
  const sch = new Schedule(tp.pipeline, { sizes: tp.sizes });
  const acc = sch.stage('C').cacheWrite();
  refused(t, sch, { op: 'sample_perfect_tile', stage: 'C', axis: 'i', n: 2, maxInnermost: 8, name: 't', decision: [4, 5] }, 'bad-decision', /multiply to 20, not to the extent 16/);
  refused(t, sch, { op: 'sample_perfect_tile', stage: 'C', axis: 'i', n: 2, maxInnermost: 8, name: 't', decision: [16] }, 'bad-decision', /is not 2 positive integers/);
  refused(t, sch, { op: 'sample_perfect_tile', stage: 'C', axis: 'i', n: 2, maxInnermost: 2, name: 't', decision: [4, 4] }, 'bad-decision', /innermost factor 4 of \[4,4\] is over 2/);
  refused(t, sch, { op: 'sample_perfect_tile', stage: 'C', axis: 'q', n: 2, maxInnermost: 2, name: 't', decision: [4, 4] }, 'no-such-loop', /q is not a loop/);
  refused(t, sch, { op: 'sample_perfect_tile', stage: 'C', axis: 'i', n: 2, maxInnermost: 8 } as Instruction, 'undecided', /has no decision, and the schedule has no sampler/);
  refused(t, sch, { op: 'sample_categorical', stage: 'C', name: 'u', candidates: [1, 2], decision: 3 }, 'bad-decision', /the decision 3 is not one of the candidates/);
  refused(t, sch, { op: 'sample_compute_at', stage: acc, candidates: ['C.i', 'root'], decision: 'C.q' }, 'bad-decision', /"C\.q" is not one of the candidates/);
  refused(t, sch, { op: 'sample_compute_at', stage: 'C', decision: 'root' }, 'output-location', /is an output/);
  refused(t, sch, { op: 'split', stage: 'C', axis: 'i', factor: { sampled: 'nope' }, outer: 'io', inner: 'ii', tail: 'auto' }, 'unknown-sample', /no earlier instruction made/);
  sch.stage('C').samplePerfectTile('i', 2, 8, { name: 't', decision: [4, 4] });
  refused(t, sch, { op: 'split', stage: 'C', axis: 'i', factor: { sampled: 't', from: 1, to: 3 }, outer: 'io', inner: 'ii', tail: 'auto' }, 'unknown-sample', /factors \[1, 3\) of the tile t, which has 2/);
  refused(t, sch, { op: 'sample_categorical', stage: 'C', name: 't', candidates: [1], decision: 1 }, 'name-taken', /sample name t is taken/);
  // Drawing needs a known extent: C_local's pure loops span a region only lowering knows.
  const drawing = new Schedule(tp.rebuild().pipeline, { sizes: tp.sizes, sampler: sampler(1) });
  const l = drawing.stage('C').cacheWrite();
  refused(t, drawing, { op: 'sample_perfect_tile', stage: l, axis: 'i', n: 2, maxInnermost: 4, name: 'x' }, 'unknown-extent', /extent of i is not known before lowering/);
  // ... but its reduction loop's extent is known from the sizes.
  t.is(drawing.stage(l).samplePerfectTile('k', 2, 4).reduce((a, b) => a * b, 1), 12);
});

test('sample_compute_at applies the location it decides, drawn among the legal ones', (t) => {
  const tp = blurU16();
  const seen = new Set<string>();
  for (let seed = 1; seed <= 30; seed++) {
    const sch = new Schedule(tp.pipeline, { sampler: sampler(seed) });
    sch.stage('blur_y').split('y', 4, { outer: 'yo', inner: 'yi' });
    const at = sch.stage('blur_x').sampleComputeAt();
    seen.add(at);
    const st = sch.state('blur_x');
    t.is(at === 'root' || at === 'inline' ? st.computeAt.kind : `${(st.computeAt as { stage: string }).stage}.${(st.computeAt as { axis: string }).axis}`, at);
    if (seed <= 4) assertMatches(t, tp, sch);
  }
  t.deepEqual([...seen].sort(), ['blur_y.x', 'blur_y.yi', 'blur_y.yo', 'inline', 'root']);
});

test('the schedule view: loops with extents known before lowering, locations, affine accesses', (t) => {
  const tp = conv2d(1, 3, 4, 7, 11);
  const sch = new Schedule(tp.pipeline, { sizes: tp.sizes });
  sch.stage('out').split('x', 4, { outer: 'xo', inner: 'xi' });
  const v = viewSchedule(sch);
  t.deepEqual(v.stages.map((s) => s.name), ['input_ext', 'conv', 'out']);
  const out = v.stage('out')!;
  t.deepEqual(out.loops.map((l) => [l.name, l.extent]), [['n', 1], ['k', 4], ['y', 7], ['xo', 3], ['xi', 4]]);
  t.true(out.isOutput);
  const conv = v.stage('conv')!;
  t.true(conv.isReduction);
  t.is(conv.reducer, 'sum');
  t.deepEqual(conv.reductionAxes, [{ name: 'rc', extent: 3 }, { name: 'ry', extent: 3 }, { name: 'rx', extent: 3 }]);
  t.deepEqual(conv.loops.filter((l) => !l.isReduction).map((l) => l.extent), [undefined, undefined, undefined, undefined]);
  t.deepEqual(conv.consumers, ['out']);
  t.deepEqual(conv.legalLocations, ['out.n', 'out.k', 'out.y', 'out.xo', 'out.xi', 'root']);
  const pad = conv.accesses.find((a) => a.tensor === 'input_ext')!;
  t.deepEqual(pad.indices, [
    { coefficients: { n: 1 }, offset: 0 }, { coefficients: { rc: 1 }, offset: 0 },
    { coefficients: { y: 1, ry: 1 }, offset: -1 }, { coefficients: { x: 1, rx: 1 }, offset: -1 },
  ]);
  t.true(v.stage('input_ext')!.isBoundary);
  t.deepEqual(v.inputs.map((i) => [i.name, i.shape]), [['input', [1, 3, 7, 11]], ['weight', [4, 3, 3, 3]]]);
  // The view is detached: scheduling on does not change it.
  sch.stage('out').unroll('xi');
  t.is(out.loops[4]!.kind, 'serial');
});

test('affineIndex: sums and constant multiples of axes; anything else is not affine', (t) => {
  const tp = matmul();
  const C = tp.pipeline.outputs[0]!;
  const axes = new Map([[C.axes[0]!, 'i'], [C.axes[1]!, 'j']]);
  const [i, j] = C.axes.map((v) => ({ kind: 'var', v, dtype: 'i32', lanes: 1 }) as const);
  const k = (n: number) => ({ kind: 'const', value: n, dtype: 'i32', lanes: 1 }) as const;
  const bin = (op: 'add' | 'sub' | 'mul' | 'min', a: unknown, b: unknown) => ({ kind: 'binary', op, a, b, dtype: 'i32', lanes: 1 }) as never;
  t.deepEqual(affineIndex(bin('add', bin('mul', i, k(3)), bin('sub', j, k(2))), axes), { coefficients: { i: 3, j: 1 }, offset: -2 });
  t.deepEqual(affineIndex(bin('sub', i, i), axes), { coefficients: {}, offset: 0 });
  t.is(affineIndex(bin('min', i, k(3)), axes), undefined);
  t.is(affineIndex(bin('mul', i, j), axes), undefined);
});
