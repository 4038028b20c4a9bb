/**
 * bound and align_bounds: hints that change the region a stage computes, never its values (checked
 * against the definition-level reference on both targets), with run-time checks where a bound could
 * be too small, and instructions that replay and print as code.
 */
import test, { type ExecutionContext } from 'ava';
import { Schedule } from '../schedule/schedule.js';
import { compile, lower, KernelError } from '../tessera.js';
import { TARGETS, checkWith } from './helpers/compare.js';
import { blurU16, blurF32, conv2d, pointwise, rowSum, matmul } from './helpers/pipelines.js';

const check = checkWith;

/** The IR after bound inference, as text. */
function scheduledText(tp: { pipeline: Schedule['pipeline'] }, sch: Schedule): string {
  let text = '';
  lower(tp.pipeline, sch, { debug: (pass, ir) => { if (pass.startsWith('schedule functions')) text = ir; } });
  return text;
}

test('bound on an output: the loop gets a constant extent, so it unrolls and vectorizes without a split', (t) => {
  const tp = pointwise('f32', 5, 37);
  const sch = check(t, tp, (s) => { s.stage('out').bound('y', 0, 5).bound('x', 0, 37); s.stage('out').unroll('y'); s.stage('out').vectorize('x', 8); });
  t.regex(scheduledText(tp, sch), /for \(out\.y, 0, 5\) unrolled/);
  check(t, conv2d(), (s) => { s.stage('out').bound('k', 0, 4); s.stage('out').reorder('y', 'x', 'k'); s.stage('out').vectorize('k'); });
});

test('bound on an output: a tensor of another extent is refused at run time, naming output and axis', (t) => {
  const tp = pointwise('f32', 5, 37);
  const sch = new Schedule(tp.pipeline);
  sch.stage('out').bound('y', 0, 5);
  for (const target of TARGETS) {
    const f = compile(tp.pipeline, sch, { target });
    t.throws(() => f({ input: { data: new Float32Array(6 * 37), shape: [6, 37] } }), {
      instanceOf: KernelError,
      message: "out: output out, axis y: the tensor has extent H in dimension 0, but bound('y', 0, 5) computes exactly 5 points there; pass a tensor of extent 5",
    });
  }
});

test('bound on a reduction output and on an intermediate reduction', (t) => {
  check(t, rowSum(), (s) => { s.stage('rsum').bound('y', 0, 5); s.stage('rsum').vectorize('y'); });
  check(t, conv2d(), (s) => { s.stage('conv').bound('k', 0, 4); s.stage('conv').unroll('k'); });
});

test('bound on an intermediate: computed over exactly the bound, which covers what its consumer reads', (t) => {
  const tp = blurU16();
  const sch = check(t, tp, (s) => { s.stage('blur_x').bound('y', -1, 15); s.stage('blur_x').bound('x', -2, 40); s.stage('blur_x').vectorize('x', 8); });
  t.regex(scheduledText(tp, sch), /realize blur_x\(\[-1, 15\], \[-2, 40\]\)/);
  // Smaller images need less: still inside the bound.
  check(t, blurU16(9, 30), (s) => { s.stage('blur_x').bound('y', -1, 15); });
});

test('bound on an intermediate computed per tile', (t) => {
  check(t, blurF32(), (s) => {
    s.stage('blur_y').split('y', 4);
    s.stage('blur_x').computeAt('blur_y', 'yo');
    s.stage('blur_x').bound('x', 0, 37);
    s.stage('blur_x').vectorize('x', 8, { tail: 'guard' });
  });
});

test('bound on an intermediate that its consumers outgrow: KernelError at run time, ScheduleError when known at compile time', (t) => {
  const tp = blurU16();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_x').bound('y', -1, 10);
  for (const target of TARGETS) {
    t.throws(() => compile(tp.pipeline, sch, { target })(tp.inputs()), {
      instanceOf: KernelError,
      message: "blur_y: stage blur_x, axis y: its consumers read blur_x over [-1, H] in y, outside its bound('y', -1, 10) = [-1, 8]; widen the bound",
    });
  }
  const early = new Schedule(tp.pipeline);
  early.stage('blur_x').bound('y', 0, 20);
  t.throws(() => compile(tp.pipeline, early), { message: "stage blur_x, axis y: its consumers read blur_x over [-1, H] in y, outside its bound('y', 0, 20) = [0, 19]; widen the bound" });
});

test('alignBounds: the region is rounded out to the modulus, so a split by it has no tail', (t) => {
  const tp = blurU16();
  const plain = new Schedule(tp.pipeline);
  plain.stage('blur_x').vectorize('x', 8);
  t.regex(scheduledText(tp, plain), /min\(blur_x\.xo \* 8/, 'without alignment the split shifts its last iteration inwards');
  const sch = check(t, tp, (s) => { s.stage('blur_x').alignBounds('x', 8); s.stage('blur_x').vectorize('x', 8); });
  const text = scheduledText(tp, sch);
  t.notRegex(text, /min\(blur_x\.xo \* 8/);
  t.regex(text, /let blur_x\.x = blur_x\.xo \* 8 \+ blur_x\.xi/);
  t.regex(text, /realize blur_x\(\[-1, H \+ 2\], \[0, max\(\(W \+ 7\) \/ 8 \* 8, W\)\]\)/);
});

test('alignBounds with a remainder: the min is the remainder modulo the modulus', (t) => {
  const tp = blurF32();
  const sch = check(t, tp, (s) => { s.stage('blur_x').alignBounds('y', 4, 1); s.stage('blur_x').split('y', 4, { tail: 'round_up' }); });
  t.regex(scheduledText(tp, sch), /realize blur_x\(\[-3, /);
  check(t, blurF32(), (s) => { s.stage('blur_x').alignBounds('y', 4, -1); });
});

test('alignBounds on a stage computed per tile, and together with bound', (t) => {
  check(t, blurU16(), (s) => {
    s.stage('blur_y').tile('y', 'x', 4, 8);
    s.stage('blur_x').computeAt('blur_y', 'xo');
    s.stage('blur_x').alignBounds('x', 8).alignBounds('y', 2);
    s.stage('blur_x').vectorize('x', 8);
  });
  check(t, blurU16(), (s) => { s.stage('blur_x').bound('y', -1, 15).alignBounds('y', 4); });
});

test('bound and alignBounds survive cacheWrite and rfactor of the stage they are on', (t) => {
  check(t, matmul(13, 40, 11), (s) => {
    s.stage('C').bound('j', 0, 40);
    const acc = s.stage('C').cacheWrite();
    t.deepEqual([...s.state('C').bounds], [['j', { min: 0, extent: 40 }]]);
    s.stage(acc).alignBounds('j', 8);
    s.stage(acc).computeAt('C', 'i');
    s.stage(acc).vectorize('j', 8);
  });
  check(t, rowSum(), (s) => {
    s.stage('rsum').bound('y', 0, 5);
    s.stage('rsum').split('r', 4);
    s.stage('rsum').rfactor('ri');
    t.deepEqual([...s.state('rsum').bounds], [['y', { min: 0, extent: 5 }]]);
    s.stage('rsum').vectorize('y');
  });
});

function replays(t: ExecutionContext, build: () => ReturnType<typeof blurU16>, f: (s: Schedule) => void, code: string): void {
  const tp = build();
  const sch = new Schedule(tp.pipeline);
  f(sch);
  t.is(sch.toCode(), code);
  const fresh = build();
  const replayed = Schedule.replay(fresh.pipeline, JSON.parse(JSON.stringify(sch.trace)));
  t.is(replayed.toCode(), code);
  const s2 = new Schedule(fresh.pipeline);
  new Function('sch', code)(s2);
  t.deepEqual(s2.trace, sch.trace);
}

test('bound and alignBounds are instructions: they replay from JSON and print as code', (t) => {
  replays(t, () => blurU16(), (s) => { s.stage('blur_x').bound('y', -1, 15); s.stage('blur_x').alignBounds('x', 8); },
    'sch.stage("blur_x").bound("y", -1, 15);\nsch.stage("blur_x").alignBounds("x", 8, 0);');
});
