/**
 * reorderStorage and transformLayout: the layout of a buffer Tessera allocates changes where values
 * live, never the values (checked against the definition-level reference on both targets); the
 * flattened indices follow the layout; the instructions replay and print as code.
 */
import test from 'ava';
import { Schedule } from '../schedule/schedule.js';
import { lower } from '../tessera.js';
import { checkWith } from './helpers/compare.js';
import { type TestPipeline, blurU16, blurF32, conv2d, matmul, threeStage } from './helpers/pipelines.js';

const check = checkWith;

/** The IR right after storage flattening, as text. */
function flattenedText(tp: TestPipeline, sch: Schedule): string {
  let text = '';
  lower(tp.pipeline, sch, { debug: (pass, ir) => { if (pass === 'storage flattening') text = ir; } });
  return text;
}

test('reorderStorage: a column-major intermediate', (t) => {
  const tp = blurU16();
  const sch = check(t, tp, (s) => { s.stage('blur_x').reorderStorage('x', 'y'); });
  const text = flattenedText(tp, sch);
  t.regex(text, /let blur_x\.stride\.0 = H \+ 2/);
  t.regex(text, /blur_x\[blur_x\.y \+ blur_x\.x \* blur_x\.stride\.0\] = /);
  t.deepEqual(sch.state('blur_x').storage, { splits: [], order: ['x', 'y'] });
});

test('reorderStorage of some dimensions keeps the others in place', (t) => {
  check(t, conv2d(), (s) => { s.stage('conv').reorderStorage('x', 'k'); });
  const tp = conv2d();
  const sch = new Schedule(tp.pipeline);
  sch.stage('conv').reorderStorage('x', 'k');
  t.deepEqual(sch.state('conv').storage?.order, ['n', 'x', 'y', 'k']);
});

test('transformLayout: NCHW -> NCHW[4]c of a cache_read copy of the input, read by a convolution', (t) => {
  // 8 input channels: the copy is stored n, c / 4, h, w, c % 4.
  const tp = conv2d(1, 8, 4, 7, 11);
  const sch = check(t, tp, (s) => {
    const copy = s.cacheRead('input', ['input_ext']);
    s.stage(copy).transformLayout({ split: { dim: 'ax1', factor: 4 } });
  });
  t.deepEqual(sch.state('input_cache').storage, { splits: [{ dim: 'ax1', factor: 4, outer: 'ax1o', inner: 'ax1i' }], order: ['ax0', 'ax1o', 'ax2', 'ax3', 'ax1i'] });
  const text = flattenedText(tp, sch);
  t.regex(text, /allocate input_cache\[f32 \* input_cache\.stride\.0\]/);
  t.regex(text, /let input_cache\.stride\.0 = input_cache\.stride\.1 \* 2\n/, 'two blocks of 4 channels');
  // The channel's inner part is the fastest-varying index (stride 1), w next (stride 4).
  t.regex(text, /input_cache\[input_cache\.ax3 \* 4 \+ input_cache\.ax1 % 4 \+ input_cache\.ax0 \* input_cache\.stride\.0 \+ input_cache\.ax2 \* input_cache\.stride\.2 \+ input_cache\.ax1 \/ 4 \* input_cache\.stride\.1\] = /);
});

test('transformLayout: channels that the factor does not divide, the copy computed per row block and vectorized', (t) => {
  check(t, conv2d(1, 3, 4, 7, 11), (s) => {
    const copy = s.cacheRead('input', ['input_ext']);
    s.stage(copy).transformLayout({ split: { dim: 'ax1', factor: 4 } });
    s.stage('conv').split('y', 2);
    s.stage(copy).computeAt('conv', 'yo');
    s.stage(copy).vectorize('ax3', 4);
  });
  // A padded copy (of the boundary condition) laid out as NCHW[2]c with an explicit order.
  check(t, conv2d(1, 6, 4, 7, 11), (s) => {
    const copy = s.cacheRead('input_ext', ['conv']);
    s.stage(copy).transformLayout({ split: { dim: 'd1', factor: 2, outer: 'cb', inner: 'c2' }, order: ['d0', 'cb', 'd2', 'd3', 'c2'] });
    s.stage(copy).computeRoot();
  });
});

test('transformLayout composes: splits of split dimensions, then reorderStorage by the new names', (t) => {
  check(t, blurF32(), (s) => {
    s.stage('blur_x').transformLayout({ split: { dim: 'x', factor: 8 } });
    s.stage('blur_x').transformLayout({ split: { dim: 'xo', factor: 2 }, order: ['xoi', 'y', 'xoo', 'xi'] });
    s.stage('blur_x').reorderStorage('xi', 'xoi');
  });
  check(t, threeStage(), (s) => {
    s.stage('g').transformLayout({ order: ['x', 'y'] });
    s.stage('f').transformLayout({ split: { dim: 'y', factor: 3 }, order: ['yi', 'x', 'yo'] });
    s.stage('h').split('y', 4);
    s.stage('g').computeAt('h', 'yo');
    s.stage('f').computeAt('h', 'yo');
  });
});

// Found by the property test: the split layout's index has a part (x / 2 * 2 + x % 2) that only the
// inner vectorized loop varies, which the outer one broadcast as if it were a scalar (a TypeError);
// now the outer loop runs serially, as with any loop nest of two vectorized loops.
test('regression: two vectorized loops over a split layout', (t) => {
  check(t, blurU16(), (s) => {
    s.stage('blur_x').transformLayout({ split: { dim: 'x', factor: 2 } });
    s.stage('blur_x').vectorize('y', 2);
    s.stage('blur_x').vectorize('x', 8);
  });
  check(t, matmul(), (s) => {
    s.stage('C').rfactor('k', { name: 'C_rf' });
    s.stage('C_rf').transformLayout({ split: { dim: 'j', factor: 2 }, order: ['k', 'i', 'jo', 'ji'] });
    s.stage('C_rf').vectorize('i', 2);
    s.stage('C_rf').vectorize('j', 8);
  });
});

test('transformLayout of a cache_write accumulator computed per tile', (t) => {
  check(t, matmul(13, 40, 11), (s) => {
    const acc = s.stage('C').cacheWrite();
    s.stage('C').tile('i', 'j', 2, 8);
    s.stage(acc).computeAt('C', 'jo');
    s.stage(acc).transformLayout({ split: { dim: 'j', factor: 4 }, order: ['jo', 'i', 'ji'] });
    s.stage(acc).reorder('k', 'i', 'j');
    s.stage(acc).vectorize('j');
    s.stage(acc).unroll('i');
  });
});

test('reorderStorage and transformLayout are instructions: they replay from JSON and print as code', (t) => {
  const build = () => blurU16();
  const tp = build();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_x').transformLayout({ split: { dim: 'x', factor: 8 } });
  sch.stage('blur_x').reorderStorage('xo', 'y');
  const code = [
    'sch.stage("blur_x").transformLayout({ split: { dim: "x", factor: 8, outer: "xo", inner: "xi" }, order: ["y", "xo", "xi"] });',
    'sch.stage("blur_x").reorderStorage("xo", "y");',
  ].join('\n');
  t.is(sch.toCode(), code);
  const fresh = build();
  const replayed = Schedule.replay(fresh.pipeline, JSON.parse(JSON.stringify(sch.trace)));
  t.is(replayed.toCode(), code);
  t.deepEqual(replayed.state('blur_x').storage, { splits: [{ dim: 'x', factor: 8, outer: 'xo', inner: 'xi' }], order: ['xo', 'y', 'xi'] });
  const s2 = new Schedule(build().pipeline);
  new Function('sch', code)(s2);
  t.deepEqual(s2.trace, sch.trace);
});
