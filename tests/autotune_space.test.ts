/**
 * Design spaces from the rules: for every core test pipeline, on one thread and on two, the space is
 * built from the definition alone, random schedules of it pass or fail its checks, and those that
 * pass compile and match the reference evaluator (wasm-simd and the bounds-checking interpreter).
 * Also: the rules reach the schedules they promise (the hand SGEMM schedule's structure is a point of
 * the SGEMM space) and the checks count what they say (the live-vector estimate on known tiles).
 */
import test from 'ava';
import { generateSpace, seededSampler, withoutDecisions } from '../autotune/space.js';
import { WASM_SIMD_TARGET, type ScheduleRule } from '../autotune/rules/index.js';
import { innerVectorize } from '../autotune/rules/inner_vectorize.js';
import { drawCandidate, replayRepairing, checkedSchedule, decisionKey, sketchOf } from '../autotune/candidate.js';
import { failedCheck, decisionsOf, evaluateCheck } from '../autotune/checks.js';
import { mutate } from '../autotune/mutators.js';
import { Schedule } from '../schedule/schedule.js';
import { viewSchedule } from '../schedule/view.js';
import type { Instruction } from '../schedule/instruction.js';
import { ALL, matmul, conv2d, conv2dBiasRelu, pointwiseConvRelu } from './helpers/pipelines.js';
import { checkSchedule } from './helpers/compare.js';

const SAMPLES = Number(process.env.TESSERA_SPACE_SAMPLES ?? 3);

for (const threads of [1, 2]) {
  for (const [name, make] of Object.entries(ALL)) {
    test(`space of ${name} (${threads} thread${threads > 1 ? 's' : ''}): random schedules that pass the checks compile and match the reference`, (t) => {
      const tp = make();
      const space = generateSpace(tp.pipeline, tp.sizes, { ...WASM_SIMD_TARGET, threads });
      t.true(space.sketches.length > 0);
      for (const sk of space.sketches) {
        t.true(sk.trace.length > 0);
        t.false(sk.trace.some((i) => (i as { decision?: unknown }).decision !== undefined), 'a space has no decisions');
        t.true(sk.trace.some((i) => i.op.startsWith('sample_')), 'a space samples something');
        t.true(sk.applied.length > 0);
      }
      const r = seededSampler(11 + threads);
      const keys = new Set<string>();
      for (let k = 0; k < SAMPLES; k++) {
        const trace = drawCandidate(tp.rebuild().pipeline, space, tp.sizes, r);
        if (!trace) { t.fail(`no schedule of the ${name} space passed its checks in 64 draws`); return; }
        keys.add(decisionKey(trace));
        t.is(failedCheck(sketchOf(space, trace)!.checks, trace), undefined);
        const sch = Schedule.replay(tp.pipeline, trace);
        const diff = checkSchedule(tp, sch);
        t.is(diff, undefined, diff);
      }
      t.true(keys.size > 1 || SAMPLES === 1, 'draws differ');
    });
  }
}

test('mutants are schedules of the same space: replayed with repair they pass or fail the checks, and the good ones match the reference', (t) => {
  const tp = conv2d();
  const space = generateSpace(tp.pipeline, tp.sizes, WASM_SIMD_TARGET);
  const r = seededSampler(5);
  let trace = drawCandidate(tp.pipeline, space, tp.sizes, r)!;
  let checked = 0;
  for (let k = 0; k < 30 && checked < 3; k++) {
    const m = mutate(trace, r);
    if (!m) continue;
    const sketch = sketchOf(space, trace)!;
    t.is(withoutDecisions(m).length, sketch.trace.length);
    t.deepEqual(withoutDecisions(m).map((i) => i.op), sketch.trace.map((i) => i.op));
    const c = checkedSchedule(tp.pipeline, space, m, tp.sizes, r);
    if (!('schedule' in c)) continue;
    trace = [...c.schedule.trace];
    if (k % 3 === 0) {
      const diff = checkSchedule(tp, Schedule.replay(tp.pipeline, trace));
      t.is(diff, undefined, diff);
      checked++;
    }
  }
  t.true(checked > 0);
});

test('the matmul space holds the hand SGEMM schedule\'s structure: a 2 x 16 register tile, column tiles outermost, a packed B panel', (t) => {
  const tp = matmul(64, 64, 32);
  const space = generateSpace(tp.pipeline, tp.sizes, WASM_SIMD_TARGET).sketches[0]!;
  // i: [1, 32, 1, 2] (rows of 2), j in vectors of 4 lanes: [4, 1, 1, 4] (16 columns), k whole.
  const decide: Record<string, unknown> = { 'C.i.tile': [1, 32, 1, 2], 'C.j.tile': [4, 1, 1, 4], 'C_local.k.tile': [32, 1] };
  const trace = space.trace.map((i): Instruction => {
    if (i.op === 'sample_perfect_tile') return { ...i, decision: decide[i.name] as number[] };
    if (i.op === 'sample_compute_at') return { ...i, decision: i.stage === 'C_local' ? 'C.j_v_t2' : 'C.j_v_t0' };
    if (i.op === 'sample_categorical') return { ...i, decision: i.candidates[0]! };
    return i;
  });
  const sch = replayRepairing(tp.pipeline, trace, tp.sizes, seededSampler(1));
  t.deepEqual(sch.trace, trace, 'no decision needed repair');
  t.is(failedCheck(space.checks, trace), undefined);
  const regs = space.checks.find((c) => /live v128/.test(c.what))!;
  // 8 accumulators (2 rows x 4 vectors), 4 vectors of B, 2 broadcasts of A (one per row).
  t.is(evaluateCheck(regs.value, decisionsOf(trace)), 14);
  const lowered = checkSchedule(tp, sch);
  t.is(lowered, undefined, lowered);
  t.is(sch.state('C_local').computeAt.kind, 'at');
  t.deepEqual(sch.state('B_panel').computeAt, { kind: 'at', stage: 'C', axis: 'j_v_t0' });
  // A 4 x 16 tile keeps 16 accumulators alone: over the registers, refused before compiling.
  const big = trace.map((i) => (i.op === 'sample_perfect_tile' && i.name === 'C.i.tile' ? { ...i, decision: [1, 16, 1, 4] } : i));
  t.regex(failedCheck(space.checks, big)!, /live v128 values in the register tile of C_local is 24, over 15/);
});

test('a space needs the sizes of every size variable', (t) => {
  const tp = matmul();
  t.throws(() => generateSpace(tp.pipeline, { M: 4 }, WASM_SIMD_TARGET), { message: /no size for N, K|no size for K, N/ });
});

test('the conv2d space holds the hand convolution\'s tile: 4 channels x 8 pixels of accumulators, the padded input once at root; unrolling the window is refused for the registers it needs', (t) => {
  const tp = conv2d(1, 8, 8, 6, 16);
  const space = generateSpace(tp.pipeline, tp.sizes, WASM_SIMD_TARGET).sketches[0]!;
  const decide: Record<string, number[]> = {
    'out.n.tile': [1, 1, 1, 1], 'out.k.tile': [1, 2, 1, 4], 'out.y.tile': [1, 6, 1, 1], 'out.x.tile': [1, 2, 1, 2],
    'conv.rc.tile': [8, 1], 'conv.ry.tile': [3, 1], 'conv.rx.tile': [3, 1],
  };
  const trace = space.trace.map((i): Instruction => {
    if (i.op === 'sample_perfect_tile') return { ...i, decision: decide[i.name]! };
    if (i.op === 'sample_compute_at') return { ...i, decision: i.stage === 'conv' ? 'out.x_v_t2' : 'root' };
    if (i.op === 'sample_categorical') return { ...i, decision: 8 };
    return i;
  });
  t.deepEqual(Object.keys(decide).sort(), space.trace.filter((i) => i.op === 'sample_perfect_tile').map((i) => (i as { name: string }).name).sort());
  const sch = replayRepairing(tp.pipeline, trace, tp.sizes, seededSampler(1));
  t.deepEqual(sch.trace, trace, 'no decision needed repair');
  const regs = space.checks.find((c) => /live v128/.test(c.what))!;
  // 8 accumulators, 2 vectors of the input, 4 broadcast weights (one per channel).
  t.is(evaluateCheck(regs.value, decisionsOf(trace)), 14);
  t.is(failedCheck(space.checks, trace), undefined);
  const diff = checkSchedule(tp, sch);
  t.is(diff, undefined, diff);
  // The window's rows unrolled inside the tile: 8 + 3 rows x 2 input vectors + 3 x 4 weights, all
  // loaded ahead of the arithmetic by V8; the whole window: 8 + 18 + 36.
  const rows = trace.map((i) => (i.op === 'sample_perfect_tile' && i.name === 'conv.ry.tile' ? { ...i, decision: [1, 3] } : i));
  t.regex(failedCheck(space.checks, rows)!, /live v128 values in the register tile of conv is 26, over 15/);
  const window = rows.map((i) => (i.op === 'sample_perfect_tile' && i.name === 'conv.rx.tile' ? { ...i, decision: [1, 3] } : i));
  t.regex(failedCheck(space.checks, window)!, /live v128 values in the register tile of conv is 62, over 15/);
});

test('the conv2d space has a second sketch with the output channels along the lanes (XNNPACK\'s layout): weights packed by 4 channels, the input panel channels-last, the reduction walking the channels innermost, the accumulators channels-innermost; its schedules match the reference', (t) => {
  const tp = conv2d(1, 8, 8, 6, 16);
  const space = generateSpace(tp.pipeline, tp.sizes, WASM_SIMD_TARGET);
  t.deepEqual(space.sketches.map((sk) => sk.applied.find((a) => a.stage === 'conv')?.rule), ['multi-level-tiling (lanes along x)', 'multi-level-tiling (lanes along k, operands packed)']);
  const sketch = space.sketches[1]!;
  const r = seededSampler(21);
  let checked = 0;
  for (let k = 0; k < 200 && checked < 3; k++) {
    const c = checkedSchedule(tp.pipeline, space, sketch.trace, tp.sizes, r);
    if (!('schedule' in c)) continue;
    const sch = c.schedule;
    t.is(sketchOf(space, sch.trace), sketch);
    t.deepEqual(sch.state('weight_panel').storage?.splits, [{ dim: 'ax0', factor: 4, outer: 'ax0o', inner: 'ax0i' }]);
    t.deepEqual(sch.state('weight_panel').storage?.order, ['ax0o', 'ax2', 'ax3', 'ax1', 'ax0i'], 'weights stored in the reduction order (ky kx c), 4 channels innermost');
    const reductionLoops = viewSchedule(sch, tp.sizes).stage('conv')!.loops.filter((l) => l.isReduction).map((l) => l.name.split('_')[0]);
    t.deepEqual(reductionLoops, ['ry', 'rx', 'rc', 'ry', 'rx', 'rc'], 'R0 and R1 walk the channels innermost, densely in the NHWC panel');
    t.deepEqual(sch.state('input_ext_panel').storage?.order, ['d0', 'd2', 'd3', 'd1']);
    t.deepEqual(sch.state('conv').storage?.order, ['n', 'y', 'x', 'k']);
    t.not(sch.state('weight_panel').computeAt.kind, 'inline', 'a packed panel is a buffer');
    const diff = checkSchedule(tp, Schedule.replay(tp.pipeline, sch.trace));
    t.is(diff, undefined, diff);
    checked++;
  }
  t.is(checked, 3);
});

test('a rule with variants forks the space: one sketch per variant, in order, each going on with the later rules', (t) => {
  const tp = matmul(16, 16, 8);
  const fork: ScheduleRule = {
    name: 'toy-split',
    variants: (sch, stage) => (sch.isOutput(stage) ? ['by 2', 'by 4', 'by 8'] : []),
    apply: (sch, stage, _ctx, variant = 0) => {
      if (!sch.isOutput(stage)) return false;
      sch.stage(stage).split('i', [2, 4, 8][variant]!);
      return true;
    },
  };
  const space = generateSpace(tp.pipeline, tp.sizes, WASM_SIMD_TARGET, [fork, innerVectorize]);
  t.deepEqual(space.sketches.map((sk) => sk.applied.map((a) => `${a.stage}: ${a.rule}`)), [
    ['C: toy-split (by 2)', 'C: inner-vectorize'], ['C: toy-split (by 4)', 'C: inner-vectorize'], ['C: toy-split (by 8)', 'C: inner-vectorize'],
  ]);
  t.deepEqual(space.sketches.map((sk) => (sk.trace.find((i) => i.op === 'split') as { factor?: number }).factor), [2, 4, 8]);
  const r = seededSampler(3);
  const drawn = new Set<number>();
  for (let k = 0; k < 30; k++) {
    const trace = drawCandidate(tp.pipeline, space, tp.sizes, r)!;
    const sk = sketchOf(space, trace)!;
    drawn.add(space.sketches.indexOf(sk));
    if (k < 3) { const diff = checkSchedule(tp, Schedule.replay(tp.pipeline, trace)); t.is(diff, undefined, diff); }
  }
  t.is(drawn.size, 3, 'every sketch is drawn');
  t.is(sketchOf(space, new Schedule(tp.pipeline).trace), undefined);
  t.deepEqual(checkedSchedule(tp.pipeline, space, [], tp.sizes, r), { refusal: { code: 'not-in-space', reason: 'the trace is not a schedule of any sketch of the design space (its instructions differ, decisions aside)' } });
});

test('a reduction followed by a chain of pointwise stages (bias, then the activation reading the batch of one at index 0) is tiled into registers written by the chain\'s output, in both sketches; its schedules match the reference', (t) => {
  const tp = conv2dBiasRelu();
  const space = generateSpace(tp.pipeline, tp.sizes, WASM_SIMD_TARGET);
  t.deepEqual(space.sketches.map((sk) => sk.applied.filter((a) => a.stage !== 'acc' || a.rule.startsWith('multi')).slice(0, 2).map((a) => `${a.stage}: ${a.rule}`)), [
    ['biased: auto-inline', 'acc: multi-level-tiling (lanes along x)'],
    ['biased: auto-inline', 'acc: multi-level-tiling (lanes along k, operands packed)'],
  ]);
  t.false(space.sketches.some((sk) => sk.applied.some((a) => a.stage === 'out')), 'the output is the register tile\'s write stage, left to multi-level tiling');
  const r = seededSampler(5);
  for (const sketch of space.sketches) {
    let checked = 0;
    for (let k = 0; k < 200 && checked < 2; k++) {
      const c = checkedSchedule(tp.pipeline, space, sketch.trace, tp.sizes, r);
      if (!('schedule' in c)) continue;
      t.is(c.schedule.state('acc').computeAt.kind, 'at', 'the sums are computed per tile of the output');
      const diff = checkSchedule(tp, Schedule.replay(tp.pipeline, c.schedule.trace));
      t.is(diff, undefined, diff);
      checked++;
    }
    t.is(checked, 2);
  }
});

test('a 1x1 convolution summed over its pixels laid end to end is tiled into registers written by the [N, M, H, W] output, its rows and columns fused first; a wider row stride is not; its schedules match the reference', (t) => {
  const tp = pointwiseConvRelu();
  const space = generateSpace(tp.pipeline, tp.sizes, WASM_SIMD_TARGET);
  // One sketch: the input's p / w and p mod w are not affine, so no packed copy puts the channels along the lanes.
  t.deepEqual(space.sketches.map((sk) => sk.applied.filter((a) => a.stage === 'acc').map((a) => a.rule)), [['multi-level-tiling']]);
  for (const sk of space.sketches) t.true(sk.trace.some((i) => i.op === 'fuse' && i.stage === 'out' && (i as { outer?: string }).outer === 'y' && (i as { inner?: string }).inner === 'x'), 'the output\'s y and x fused');
  const r = seededSampler(3);
  for (const sketch of space.sketches) {
    let checked = 0;
    for (let k = 0; k < 200 && checked < 3; k++) {
      const c = checkedSchedule(tp.pipeline, space, sketch.trace, tp.sizes, r);
      if (!('schedule' in c)) continue;
      t.is(c.schedule.state('acc').computeAt.kind, 'at', 'the sums are computed per tile of the output');
      const diff = checkSchedule(tp, Schedule.replay(tp.pipeline, c.schedule.trace));
      t.is(diff, undefined, diff);
      checked++;
    }
    t.is(checked, 3);
  }
  // A 5x5 map: 25 pixels, 7 vectors, no perfect tile of more than one vector: blocks of 1..4 vectors, the last shifted inwards.
  const odd = pointwiseConvRelu(6, 8, 5, 5);
  const oddSpace = generateSpace(odd.pipeline, odd.sizes, WASM_SIMD_TARGET);
  const blocks = oddSpace.sketches[0]!.trace.find((i) => i.op === 'sample_categorical' && i.name === 'out.yx.vectors');
  t.deepEqual(blocks && (blocks as { candidates: unknown }).candidates, [1, 2, 3, 4]);
  const widths = new Set<number>();
  const ro = seededSampler(8);
  for (let k = 0; k < 300 && widths.size < 3; k++) {
    const c = checkedSchedule(odd.pipeline, oddSpace, oddSpace.sketches[0]!.trace, odd.sizes, ro);
    if (!('schedule' in c)) continue;
    const v = c.schedule.trace.find((i) => i.op === 'sample_categorical' && i.name === 'out.yx.vectors') as { decision: number };
    if (v.decision === 1 || widths.has(v.decision)) continue;
    widths.add(v.decision);
    const diff = checkSchedule(odd, Schedule.replay(odd.pipeline, c.schedule.trace));
    t.is(diff, undefined, `${v.decision} vectors per tile: ${diff}`);
  }
  t.true(widths.size >= 2, `tiles of several vectors pass the register check: ${[...widths]}`);
  const strided = pointwiseConvRelu(6, 8, 5, 7, 9);
  const other = generateSpace(strided.pipeline, strided.sizes, WASM_SIMD_TARGET);
  t.false(other.sketches.some((sk) => sk.applied.some((a) => a.stage === 'acc' && a.rule.startsWith('multi-level-tiling'))), 'acc(9y + x) is not the fused (y, x) of a 7-wide map');
  const c = checkedSchedule(strided.pipeline, other, other.sketches[0]!.trace, strided.sizes, seededSampler(4));
  if ('schedule' in c) t.is(checkSchedule(strided, Schedule.replay(strided.pipeline, c.schedule.trace)), undefined);
});

test('a gather that regroups its axes (a space-to-depth) is not sampled inline where a consumer reads it at several points; read at one shifted point, or a plain stage read at several, it may be', async (t) => {
  const { placeholder, compute, pipeline } = await import('../dsl/index.js');
  const locations = (taps: number[], regroup: boolean) => {
    const input = placeholder('input', [4, 64], 'f32');
    const blocks = compute('blocks', [4, 4, 16], (c, r, i) => (regroup ? input.at(c, i.mod(4).mul(4).add(r)) : input.at(c, i.mul(4).add(r))), { axes: ['c', 'r', 'i'] });
    const out = compute('out', [4, 4, 12], (c, r, i) => taps.map((d) => blocks.at(c, r, i.add(d))).reduce((a, b) => a.add(b)), { axes: ['c', 'r', 'i'] });
    const space = generateSpace(pipeline(out), {}, { ...WASM_SIMD_TARGET, threads: 1 });
    return space.sketches.map((sk) => sk.trace.find((i) => i.op === 'sample_compute_at' && i.stage === 'blocks') as { candidates?: string[] } | undefined);
  };
  const stencil = locations([0, 1, 2], true);
  t.true(stencil.length > 0 && stencil.every((i) => i !== undefined && i.candidates!.includes('root') && !i.candidates!.includes('inline')), JSON.stringify(stencil));
  for (const [what, found] of [['read at one shifted point', locations([2], true)], ['no regrouping', locations([0, 1, 2], false)]] as const) {
    t.true(found.some((i) => i?.candidates?.includes('inline')), `${what}: ${JSON.stringify(found)}`);
  }
});
