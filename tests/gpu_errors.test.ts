/**
 * Error reporting of the webgpu target: every GPU schedule that cannot run is refused with the right
 * error class and a message that names the stage, the loop and the rule or limit, checked by its
 * text. Schedule-time checks use WebGPU's default limits; gpuProgram checks the kernels against
 * `options.limits` (compileGpu: the device's), so small limits stand in for a small device.
 */
import { requireGpu } from './helpers/environment.js';
import { placeholder, compute, sizeVar, pipeline } from '../dsl/index.js';
import { Schedule } from '../schedule/schedule.js';
import { ScheduleError } from '../schedule/error.js';
import { DEFAULT_GPU_LIMITS, type GpuLimits } from '../schedule/gpu_limits.js';
import { compileGpu, gpuProgram } from '../tessera.js';
import { acquireGpu, type GpuContext } from '../runtime/webgpu/device.js';
import { GpuDispatchError } from '../runtime/webgpu/errors.js';
import { WgslCodegenError } from '../codegen/wgsl/types.js';
import { blurF32, matmul } from './helpers/pipelines.js';

const { test } = await requireGpu(import.meta.url);

let ctx: GpuContext;

test.before(async () => {
  ctx = await acquireGpu();
});

test.after.always(() => {
  ctx?.destroy();
});

/** blur_f32 with blur_x inlined, so that blur_y is the only kernel. */
function blur(): { tp: ReturnType<typeof blurF32>; sch: Schedule } {
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_x').computeInline();
  return { tp, sch };
}

const limits = (o: Partial<GpuLimits>): GpuLimits => ({ ...DEFAULT_GPU_LIMITS, ...o });

// --- Workgroup size ------------------------------------------------------------------------------

test('gpuThreads of a known extent over 256 in x: refused at schedule time', (t) => {
  const { sch } = blur();
  const b = sch.stage('blur_y');
  b.split('x', 512, { outer: 'xo', inner: 'xi' });
  b.gpuBlocks('xo');
  const e = t.throws(() => b.gpuThreads('xi'), { instanceOf: ScheduleError, message: /stage blur_y, axis xi: gpu_threads: 512 threads in dimension x exceed maxComputeWorkgroupSizeX 256; split xi first/ });
  t.is(e!.axis, 'xi');
  t.deepEqual(b.loops, ['y', 'xo', 'xi'], 'a refused primitive leaves the schedule as it was');
});

test('gpuTile of 16 x 32 threads (512 invocations): refused at schedule time', (t) => {
  const { sch } = blur();
  t.throws(() => sch.stage('blur_y').gpuTile('y', 'x', 16, 32), {
    instanceOf: ScheduleError,
    message: /gpu_tile: the thread loops yi \(16\) x xi \(32\) make 512 invocations per workgroup, over maxComputeInvocationsPerWorkgroup 256; use smaller thread tiles/,
  });
});

test('128 threads in z (limit 64): refused at schedule time', (t) => {
  const { sch } = blur();
  const b = sch.stage('blur_y');
  b.split('y', 128, { outer: 'yo', inner: 'yi' });
  b.split('x', 2, { outer: 'xo', inner: 'xi' });
  b.split('xi', 1, { outer: 'xa', inner: 'xb' });
  b.reorder('yo', 'xo', 'yi', 'xa', 'xb');
  b.gpuBlocks('yo', 'xo');
  t.throws(() => b.gpuThreads('yi', 'xa', 'xb'), { instanceOf: ScheduleError, message: /gpu_threads: 128 threads in dimension z exceed maxComputeWorkgroupSizeZ 64; split yi first/ });
});

test('a workgroup over the device limit: refused at compile time, naming the limit and the size', (t) => {
  const { tp, sch } = blur();
  sch.stage('blur_y').gpuTile('y', 'x', 8, 16);
  t.notThrows(() => gpuProgram(tp.pipeline, sch));
  t.throws(() => gpuProgram(tp.pipeline, sch, { limits: limits({ maxComputeInvocationsPerWorkgroup: 64 }) }), {
    instanceOf: ScheduleError,
    message: /stage blur_y, axis xi: a workgroup of 16 x 8 x 1 = 128 invocations is over the device's maxComputeInvocationsPerWorkgroup 64; bind smaller thread tiles/,
  });
  t.throws(() => gpuProgram(tp.pipeline, sch, { limits: limits({ maxComputeWorkgroupSizeX: 8 }) }), {
    instanceOf: ScheduleError,
    message: /16 threads in dimension x \(blur_y\.xi \(16\)\) exceed the device's maxComputeWorkgroupSizeX 8; split the loop and bind only the inner part/,
  });
});

test('a producer whose threads make the kernel workgroup over 256: refused at compile time', (t) => {
  // 16 x 16 for blur_y, 32 in x for blur_x: the workgroup is 32 x 16.
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').gpuTile('y', 'x', 16, 16, { names: ['yo', 'xo', 'yi', 'xi'] });
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  sch.stage('blur_x').split('x', 32, { outer: 'xo', inner: 'xt' });
  sch.stage('blur_x').gpuThreads('xt');
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_x, axis xt: a workgroup of 32 x 16 x 1 = 512 invocations is over the device's maxComputeInvocationsPerWorkgroup 256/,
  });
});

test('a thread loop over a symbolic extent: refused, asking for a split by a constant', (t) => {
  const { tp, sch } = blur();
  sch.stage('blur_y').gpuBlocks('y').gpuThreads('x');
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_y, axis x: the thread loop blur_y\.x has extent W, with no constant bound; the workgroup size must be known at compile time: split it by a constant and bind the inner loop/,
  });
});

test('threads of a stage computed inside another stage\'s thread loop: refused (its memory is private to one invocation)', (t) => {
  // Used to compile: blur_x.b became local_invocation_id.x, each invocation filled one row of its own
  // private blur_x and read the others uninitialised (every output wrong).
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').gpuTile('y', 'x', 4, 8, { names: ['yo', 'xo', 'yi', 'xi'] });
  sch.stage('blur_x').computeAt('blur_y', 'xi');
  sch.stage('blur_x').split('y', 3, { outer: 'a', inner: 'b' });
  sch.stage('blur_x').gpuThreads('b');
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_x, axis b: the thread loop blur_x\.b is inside the thread loop blur_y\.xi of blur_y: blur_x is computed by one invocation, into memory private to it; make b serial, or compute blur_x at a block-level loop \(workgroup memory\)/,
  });
});

// --- Workgroup memory ----------------------------------------------------------------------------

test('workgroup memory over maxComputeWorkgroupStorageSize: a 66 x 64 f32 tile of blur_x (16896 B > 16384 B)', (t) => {
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  const b = sch.stage('blur_y');
  b.tile('y', 'x', 64, 64, { names: ['yo', 'xo', 'yi', 'xi'] });
  b.split('yi', 16, { outer: 'yr', inner: 'ty' });
  b.split('xi', 16, { outer: 'xr', inner: 'tx' });
  b.reorder('yo', 'xo', 'yr', 'xr', 'ty', 'tx');
  b.gpuBlocks('yo', 'xo').gpuThreads('ty', 'tx');
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  sch.stage('blur_x').split('x', 16, { outer: 'xo', inner: 'xt' });
  sch.stage('blur_x').gpuThreads('xt');
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_x: workgroup memory blur_x \(16896 B\) = 16896 B is over the device's maxComputeWorkgroupStorageSize 16384 B; use smaller tiles/,
  });
});

test('workgroup memory over a small device limit (the limits option)', (t) => {
  // A 16 x 16 tile needs 18 x 16 elements of blur_x: 1152 B.
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').gpuTile('y', 'x', 16, 16, { names: ['yo', 'xo', 'yi', 'xi'] });
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  t.notThrows(() => gpuProgram(tp.pipeline, sch));
  t.throws(() => gpuProgram(tp.pipeline, sch, { limits: limits({ maxComputeWorkgroupStorageSize: 1024 }) }), {
    instanceOf: ScheduleError,
    message: /workgroup memory blur_x \(1152 B\) = 1152 B is over the device's maxComputeWorkgroupStorageSize 1024 B/,
  });
});

// --- Grid ----------------------------------------------------------------------------------------

test('a grid over 65535 workgroups in a dimension: schedule time (known extent), compile time (device limit), run time (symbolic)', async (t) => {
  const big = placeholder('A', [70000], 'f32');
  const c = compute('c', [70000], (i) => big.at(i).mul(2));
  const sch = new Schedule(pipeline(c));
  t.throws(() => sch.stage('c').gpuBlocks('i'), {
    instanceOf: ScheduleError,
    message: /stage c, axis i: gpu_blocks: 70000 workgroups exceed maxComputeWorkgroupsPerDimension 65535; split i and bind both parts to block dimensions/,
  });

  const small = placeholder('A', [1000], 'f32');
  const c2 = compute('c', [1000], (i) => small.at(i).mul(2));
  const p2 = pipeline(c2);
  const sch2 = new Schedule(p2);
  sch2.stage('c').gpuBlocks('i');
  t.throws(() => gpuProgram(p2, sch2, { limits: limits({ maxComputeWorkgroupsPerDimension: 100 }) }), {
    instanceOf: ScheduleError,
    message: /stage c, axis i: 1000 workgroups in dimension x are over the device's maxComputeWorkgroupsPerDimension 100; split i and bind both parts with gpuBlocks/,
  });

  const N = sizeVar('N');
  const sym = placeholder('A', [N], 'f32');
  const c3 = compute('c', [N], (i) => sym.at(i).mul(2));
  const p3 = pipeline(c3);
  const sch3 = new Schedule(p3);
  sch3.stage('c').gpuBlocks('i');
  const f = await compileGpu(p3, sch3, { context: ctx });
  await t.throwsAsync(f({ A: { data: new Float32Array(70000), shape: [70000] } }), {
    instanceOf: GpuDispatchError,
    message: /dispatch 'c\/c' of \[70000, 1, 1\] workgroups: dimension x is over the device's maxComputeWorkgroupsPerDimension 65535/,
  });
});

test('more than three block (or thread) loops: refused at schedule time', (t) => {
  const A = placeholder('A', [2, 2, 2, 2], 'f32');
  const c = compute('c', [2, 2, 2, 2], (a, b, cc, d) => A.at(a, b, cc, d).mul(2), { axes: ['a', 'b', 'cc', 'd'] });
  const sch = new Schedule(pipeline(c));
  t.throws(() => sch.stage('c').gpuBlocks('a', 'b', 'cc', 'd'), {
    instanceOf: ScheduleError,
    message: /stage c, axis a: gpu_blocks: the stage would have 4 gpu_block loops \(a, b, cc, d\); the GPU grid has 3 dimensions: fuse some first/,
  });
  sch.stage('c').gpuBlocks('a', 'b', 'cc');
  t.throws(() => sch.stage('c').gpuBlocks('d'), { instanceOf: ScheduleError, message: /the stage would have 4 gpu_block loops \(a, b, cc, d\)/ });
  const sch2 = new Schedule(pipeline(compute('c', [2, 2, 2, 2], (a, b, cc, d) => A.at(a, b, cc, d), { axes: ['a', 'b', 'cc', 'd'] })));
  t.throws(() => sch2.stage('c').gpuThreads('a', 'b', 'cc', 'd'), { instanceOf: ScheduleError, message: /gpu_threads: the stage would have 4 gpu_thread loops \(a, b, cc, d\); the GPU grid has 3 dimensions/ });
});

// --- Loops the GPU cannot run --------------------------------------------------------------------

test('the default schedule on the webgpu target: a loop outside every GPU kernel', async (t) => {
  const tp = blurF32();
  const message = /stage blur_x, axis y: the serial loop blur_x\.y is outside every GPU kernel; the webgpu target runs every loop on the GPU: bind it with gpuBlocks \(or gpuTile\), or move it inside the block loops/;
  t.throws(() => gpuProgram(tp.pipeline), { instanceOf: ScheduleError, message });
  await t.throwsAsync(compileGpu(tp.pipeline, undefined, { context: ctx }), { instanceOf: ScheduleError, message });
});

test('a producer computed at root without GPU loops, and a serial loop around the block loops', (t) => {
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').gpuTile('y', 'x', 8, 8);
  t.throws(() => gpuProgram(tp.pipeline, sch), { instanceOf: ScheduleError, message: /the serial loop blur_x\.y is outside every GPU kernel/ });
  const { tp: tp2, sch: sch2 } = blur();
  sch2.stage('blur_y').gpuBlocks('x');
  t.throws(() => gpuProgram(tp2.pipeline, sch2), { instanceOf: ScheduleError, message: /stage blur_y, axis y: the serial loop blur_y\.y is outside every GPU kernel/ });
});

test('a block loop inside a thread loop (gpuBlocks after gpuThreads): refused, asking for a reorder', (t) => {
  const { sch } = blur();
  const b = sch.stage('blur_y');
  b.split('x', 8, { outer: 'xo', inner: 'xi' });
  b.gpuThreads('y');
  t.throws(() => b.gpuBlocks('xo'), {
    instanceOf: ScheduleError,
    message: /stage blur_y, axis xo: gpu_blocks: the block loop xo is inside the thread loop y; block loops must enclose thread loops \(reorder them\)/,
  });
});

test('a producer\'s block loops inside the consumer\'s kernel: refused (block loops are a kernel\'s outermost loops)', (t) => {
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').gpuTile('y', 'x', 8, 8, { names: ['yo', 'xo', 'yi', 'xi'] });
  sch.stage('blur_x').computeAt('blur_y', 'xi');
  sch.stage('blur_x').gpuBlocks('y');
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_x, axis y: the block loop blur_x\.y is inside the gpu_thread loop blur_y\.xi; block loops must be the outermost loops of a kernel, directly nested: reorder them, or compute blur_x at root with its own block loops/,
  });
  const sch2 = new Schedule(tp.pipeline);
  sch2.stage('blur_y').gpuTile('y', 'x', 8, 8, { names: ['yo', 'xo', 'yi', 'xi'] });
  sch2.stage('blur_x').computeAt('blur_y', 'xo');
  sch2.stage('blur_x').gpuBlocks('y');
  t.throws(() => gpuProgram(tp.pipeline, sch2), {
    instanceOf: ScheduleError,
    message: /the block loop blur_x\.y is not directly inside the block loop blur_y\.xo \(other work lies between them\)/,
  });
});

test('parallel on the GPU: refused, pointing at gpuBlocks / gpuThreads', (t) => {
  const { tp, sch } = blur();
  sch.stage('blur_y').gpuBlocks('y').parallel('x');
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_y, axis x: parallel is a CPU loop kind; on the webgpu target bind the loop to the GPU with gpuBlocks or gpuThreads \(or make it serial\)/,
  });
});

test('vectorize by 8 on the GPU: refused (WGSL vectors have 4 lanes); by 4 compiles', (t) => {
  const { tp, sch } = blur();
  sch.stage('blur_y').gpuBlocks('y').vectorize('x', 8);
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_y, axis xi: vectorize: 8 lanes; WGSL vectors have at most 4 \(vec4\): vectorize by 2, 3 or 4 on the webgpu target/,
  });
  const { tp: tp4, sch: sch4 } = blur();
  sch4.stage('blur_y').gpuBlocks('y').vectorize('x', 4);
  t.notThrows(() => gpuProgram(tp4.pipeline, sch4));
});

test('a reduction axis bound to threads: refused (a race on the accumulator), listing the pure axes', (t) => {
  const sch = new Schedule(matmul().pipeline);
  t.throws(() => sch.stage('C').gpuThreads('k'), {
    instanceOf: ScheduleError,
    message: /stage C, axis k: gpu_threads: k is a reduction axis; running its iterations at once would race on the accumulator\. Use rfactor to make it a pure axis of a new stage\n\s*legal alternatives: i, j/,
  });
});

// --- Races ---------------------------------------------------------------------------------------

test('a stage stored at root but computed inside a block loop: refused (a race between workgroups)', (t) => {
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').gpuTile('y', 'x', 8, 8, { names: ['yo', 'xo', 'yi', 'xi'] });
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  sch.stage('blur_x').storeRoot();
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /stage blur_x, axis yo: blur_x is stored outside the gpu_block loop blur_y\.yo but computed inside it: its iterations would write one buffer at once; store it at or inside blur_y\.yo, or make that loop serial/,
  });
});

test('a stage stored at block level but computed inside a thread loop: refused (a race between invocations)', (t) => {
  const tp = blurF32();
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').gpuTile('y', 'x', 8, 8, { names: ['yo', 'xo', 'yi', 'xi'] });
  sch.stage('blur_x').computeAt('blur_y', 'xi');
  sch.stage('blur_x').storeAt('blur_y', 'xo');
  t.throws(() => gpuProgram(tp.pipeline, sch), {
    instanceOf: ScheduleError,
    message: /blur_x is stored outside the gpu_thread loop blur_y\.yi but computed inside it/,
  });
});

// --- What WGSL or the device cannot hold ---------------------------------------------------------

test('f64 placeholders: CodegenError (WGSL has no f64)', (t) => {
  const N = sizeVar('N');
  const A = placeholder('A', [N], 'f64');
  const c = compute('c', [N], (i) => A.at(i).mul(2));
  const p = pipeline(c);
  const sch = new Schedule(p);
  sch.stage('c').split('i', 4, { outer: 'b', inner: 't' });
  sch.stage('c').gpuBlocks('b').gpuThreads('t');
  const e = t.throws(() => gpuProgram(p, sch), { instanceOf: WgslCodegenError, message: /f64 has no WGSL type \(WGSL §6\.2\.4 has f32 and f16 only\): compute in f32 for the webgpu target/ });
  t.is(e!.name, 'CodegenError');
});

test('a kernel binding more storage buffers than the device allows: refused, naming the count', (t) => {
  const ins = Array.from({ length: 8 }, (_, i) => placeholder(`I${i}`, [16], 'f32'));
  const c = compute('c', [16], (i) => ins.slice(1).reduce((a, x) => a.add(x.at(i)), ins[0]!.at(i)));
  const p = pipeline(c);
  const sch = new Schedule(p);
  sch.stage('c').split('i', 4, { outer: 'b', inner: 't' });
  sch.stage('c').gpuBlocks('b').gpuThreads('t');
  t.throws(() => gpuProgram(p, sch), {
    instanceOf: ScheduleError,
    message: /stage c: its kernel binds 9 storage buffers, over the device's maxStorageBuffersPerShaderStage 8; compute some of its producers inline or at root/,
  });
});
