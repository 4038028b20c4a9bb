/**
 * Resident tensors across kernels, and kernels sharing one memory: a tensor resident in one kernel's
 * memory passed to a kernel over another memory is copied (in as an input, back as an output), never
 * read at its address in the wrong memory; over one shared memory it is passed by address; a resident
 * tensor outside its memory is refused naming the argument. The low-level `callAt`. And compile /
 * gpuProgram given a stage with a schedule of that stage's pipeline.
 */
import test from 'ava';
import { compile, gpuProgram, pipeline, Schedule, ScheduleError } from '../tessera.js';
import { ArgumentError, memoryFor, ResidentTensor, WasmKernel } from '../runtime/index.js';
import { evaluate } from '../reference/evaluate.js';
import { blurF32, pointwise } from './helpers/pipelines.js';
import { diffArrays, reference } from './helpers/compare.js';

/** out = pointwise(input), then blur_y = blur(out): the second kernel reads the first one's output. */
function chain() {
  const first = pointwise('f32', 9, 40);
  const second = blurF32(9, 40);
  const f1 = compile(first.pipeline), f2 = compile(second.pipeline);
  const input = first.inputs(5).input!;
  const mid = reference(first, 5).out!;
  const want = evaluate(second.pipeline, { input: mid }, second.sizes).blur_y!;
  return { first, second, f1, f2, input, mid, want };
}

test("a resident tensor of one kernel passed as an input to a kernel over another memory is copied in, not read at its address there", (t) => {
  const { f1, f2, input, mid, want } = chain();
  t.not(f1.kernel!.memory, f2.kernel!.memory);
  const residentIn = f1.kernel!.alloc('f32', input.shape);
  residentIn.data.set(input.data);
  const out = f1.kernel!.alloc('f32', input.shape);
  f1({ input: residentIn }, { out });
  t.is(diffArrays('out (resident in kernel 1)', out.data, mid.data, mid.shape, true), undefined);
  // Kernel 2 finds no such data at that address in its own memory: the result must come from a copy.
  new Float32Array(f2.kernel!.memory.buffer).fill(Number.NaN);
  const got = f2({ input: out }).blur_y!;
  t.is(diffArrays('blur_y of a resident tensor of another kernel', got.data, want.data, want.shape, true), undefined);
});

test('a resident tensor of another kernel passed as an output receives the result in its own memory', (t) => {
  const { f1, f2, mid, want } = chain();
  const target = f1.kernel!.alloc('f32', mid.shape);
  target.data.fill(-1);
  f2({ input: { data: Float32Array.from(mid.data), shape: mid.shape } }, { blur_y: target });
  t.is(diffArrays('blur_y written into kernel 1 memory', target.data, want.data, want.shape, true), undefined);
});

test('two kernels over one memory: tensors are placed apart and passed by address, run and callAt agree', (t) => {
  const { f1, f2, input, mid, want } = chain();
  const memory = memoryFor(f1.signature);
  const k1 = WasmKernel.instantiate(f1.binary!, f1.signature, memory);
  const k2 = WasmKernel.instantiate(f2.binary!, f2.signature, memory);
  const a = k1.alloc('f32', input.shape), b = k2.alloc('f32', input.shape), c = k1.alloc('f32', input.shape);
  t.true(a.address + a.byteLength <= b.address && b.address + b.byteLength <= c.address, 'one allocator per memory: no overlap');
  a.data.set(input.data);
  k1.run({ input: a }, { out: b });
  t.is(diffArrays('out', b.data, mid.data, mid.shape, true), undefined);
  k2.run({ input: b }, { blur_y: c });
  t.is(diffArrays('blur_y over the shared memory', c.data, want.data, want.shape, true), undefined);

  // The same through the low-level entry: sizes in signature order, then the addresses.
  c.data.fill(0);
  const [H, W] = input.shape as [number, number];
  t.deepEqual(k2.signature.params, ['H', 'W']);
  const scratch = c.address + c.byteLength;
  k2.callAt(scratch, [H, W], [b.address, c.address]);
  t.is(diffArrays('blur_y by callAt', c.data, want.data, want.shape, true), undefined);
  t.throws(() => k2.callAt(scratch, [H], [b.address, c.address]), { instanceOf: ArgumentError, message: 'blur_y: callAt takes 2 size parameter(s) (H, W), got 1' });
  t.throws(() => k2.callAt(scratch, [H, W], [b.address]), { instanceOf: ArgumentError, message: 'blur_y: callAt takes 2 argument address(es) (input, blur_y), got 1' });
  t.throws(() => k2.callAt(-16, [H, W], [b.address, c.address]), { instanceOf: ArgumentError, message: 'blur_y: callAt: address -16 is not a byte address of a 32-bit memory' });
});

test('a resident tensor that does not lie inside its memory is refused, naming the argument', (t) => {
  const { f2 } = chain();
  const memory = f2.kernel!.memory;
  const outside = new ResidentTensor(memory, 'f32', memory.buffer.byteLength - 64, [9, 40]);
  t.throws(() => f2({ input: outside }), {
    instanceOf: ArgumentError,
    message: `blur_y: input input: resident tensor at bytes ${memory.buffer.byteLength - 64}..${memory.buffer.byteLength - 64 + 9 * 40 * 4} does not lie inside its memory of ${memory.buffer.byteLength} bytes (or is not aligned to its f32 elements)`,
  });
  const misaligned = new ResidentTensor(memory, 'f32', 1026, [9, 40]);
  t.throws(() => f2({ input: misaligned }), { instanceOf: ArgumentError, message: /^blur_y: input input: resident tensor at bytes 1026\.\./ });
});

test("compile(stage, sch) and gpuProgram(stage, sch) use the schedule's pipeline when it has that output", (t) => {
  const tp = blurF32(9, 40);
  const out = tp.pipeline.outputs[0]!;
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').vectorize('x', 4);
  const f = compile(out, sch);
  const want = reference(tp, 1).blur_y!;
  t.is(diffArrays('blur_y', f(tp.inputs(1)).blur_y!.data, want.data, want.shape, true), undefined);
  t.is(compile([out], sch).loweredText, f.loweredText);

  const gpu = new Schedule(tp.pipeline);
  gpu.stage('blur_y').gpuTile('y', 'x', 8, 8);
  gpu.stage('blur_x').computeInline();
  t.is(gpuProgram(out, gpu).program.name, 'blur_y');

  const other = pipeline(out);
  const error = t.throws(() => compile(other, sch), { instanceOf: ScheduleError });
  t.is(error!.message, 'stage blur_y: compile: the schedule belongs to another pipeline (outputs blur_y, built separately from this one with outputs blur_y); build the schedule with new Schedule(pipeline) on the pipeline you compile, or compile that pipeline');
  t.throws(() => gpuProgram(other, gpu), { instanceOf: ScheduleError, message: /^stage blur_y: gpuProgram: the schedule belongs to another pipeline/ });
});
