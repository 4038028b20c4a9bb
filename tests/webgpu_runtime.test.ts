/**
 * The WebGPU runtime runs hand-written WGSL on a real device (SwiftShader's Vulkan without a GPU;
 * scripts/test.mjs sets VK_ICD_FILENAMES for it): results match plain JS, pipelines are cached by text,
 * bad shaders and over-limit dispatches fail with errors that say where and why, padded uploads read
 * back as the original bytes, timing gives a positive figure, and a lost device refuses further work.
 */
import plainTest from 'ava';
import { requireGpu } from './helpers/environment.js';
import {
  acquireGpu, createEmptyStorageBuffer, createStorageBuffer, createUniformBuffer, dispatch, encodeDispatches,
  GpuBufferError, type GpuContext, GpuDeviceLostError, GpuDispatchError, GpuPipelineError, GpuUnavailableError,
  PipelineCache, readBuffer, submit, timeDispatches, WgslCompileError, writeBuffer,
} from '../runtime/webgpu/index.js';

const { test } = await requireGpu(import.meta.url);

const AXPY = `struct Params { n: u32, a: f32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  if (i < params.n) {
    y[i] = params.a * x[i] + y[i];
  }
}
`;

const N = 10_000;
const A = 2.5;
const WORKGROUPS = [Math.ceil(N / 64), 1, 1] as const;

let ctx: GpuContext;
let cache: PipelineCache;

test.before(async () => {
  ctx = await acquireGpu();
  cache = new PipelineCache(ctx);
});

test.after.always(() => {
  ctx?.destroy();
});

/** x and y whose products and sums with A are exact in f32, so any rounding order (FMA or not) agrees. */
function axpyInputs() {
  const x = Float32Array.from({ length: N }, (_, i) => (i % 97) * 0.25);
  const y = Float32Array.from({ length: N }, (_, i) => (i % 1000) * 0.5);
  const params = new Uint32Array(2);
  params[0] = N;
  new Float32Array(params.buffer)[1] = A;
  return { x, y, params };
}

function axpyBuffers() {
  const { x, y, params } = axpyInputs();
  return {
    x, y,
    buffers: [createStorageBuffer(ctx, x, 'x'), createStorageBuffer(ctx, y, 'y'), createUniformBuffer(ctx, params, 'params')],
  };
}

test.serial('the context describes the device', (t) => {
  t.truthy(ctx.adapterInfo.label);
  t.log(`adapter: ${ctx.adapterInfo.label} (${ctx.adapterInfo.description}); timestamps: ${ctx.hasTimestamps}; f16: ${ctx.hasF16}`);
  t.true(ctx.limits.maxComputeInvocationsPerWorkgroup >= 64);
  t.true(ctx.limits.maxComputeWorkgroupsPerDimension >= 65535);
  t.is(ctx.hasTimestamps, ctx.features.has('timestamp-query'));
  t.is(ctx.hasF16, ctx.features.has('shader-f16'));
  t.false(ctx.isLost);
});

test.serial('axpy over 10,000 elements matches plain JS', async (t) => {
  const pipeline = await cache.get(AXPY, 'main', 'axpy');
  const { x, y, buffers } = axpyBuffers();
  await dispatch(ctx, pipeline, buffers, WORKGROUPS, 'axpy');
  const got = new Float32Array(await readBuffer(ctx, buffers[1]!, N * 4));
  const want = y.map((yi, i) => Math.fround(A * x[i]! + yi));
  t.deepEqual(got, want);
});

test.serial('several dispatches in one command buffer run in order', async (t) => {
  const pipeline = await cache.get(AXPY, 'main', 'axpy');
  const { x, y, buffers } = axpyBuffers();
  const call = { pipeline, bindings: buffers, workgroups: WORKGROUPS, label: 'axpy' };
  await submit(ctx, [await encodeDispatches(ctx, [call, call, call])]);
  const got = new Float32Array(await readBuffer(ctx, buffers[1]!));
  t.deepEqual(got, y.map((yi, i) => Math.fround(3 * A * x[i]! + yi)));
});

test.serial('the pipeline cache compiles a text once', async (t) => {
  const own = new PipelineCache(ctx);
  const first = await own.get(AXPY);
  const second = await own.get(AXPY);
  t.is(first, second);
  t.is(own.compiles, 1);
  t.is(own.hits, 1);
  const [a, b] = await Promise.all([own.get(`${AXPY}\n// another text`), own.get(`${AXPY}\n// another text`)]);
  t.is(a, b);
  t.not(a, first);
  t.is(own.compiles, 2);
  t.is(own.size, 2);
});

test.serial('a malformed shader throws WgslCompileError with the line, the source line and the device\'s text', async (t) => {
  const code = `@compute @workgroup_size(1)
fn main() {
  let x: f32 = 1u;
}
`;
  const error = await t.throwsAsync(cache.get(code, 'main', 'bad'), { instanceOf: WgslCompileError });
  t.is(error!.source, code);
  const first = error!.messages.find((m) => m.type === 'error')!;
  t.is(first.line, 3);
  t.regex(error!.message, /WGSL shader 'bad' does not compile/);
  t.true(error!.message.includes(`3:${first.column} error: ${first.text}`));
  t.regex(first.text, /cannot initialize/);
  t.true(error!.message.includes('    3 |   let x: f32 = 1u;'));
  // a failure is not cached: asking again compiles again
  const before = cache.compiles;
  await t.throwsAsync(cache.get(code, 'main', 'bad'), { instanceOf: WgslCompileError });
  t.is(cache.compiles, before + 1);
});

test.serial('a pipeline the device refuses throws GpuPipelineError with its message', async (t) => {
  const error = await t.throwsAsync(cache.get(AXPY, 'nowhere', 'axpy'), { instanceOf: GpuPipelineError });
  t.regex(error!.message, /compiles, but its compute pipeline cannot be made: .*nowhere/s);
  const tooWide = AXPY.replace('@workgroup_size(64)', `@workgroup_size(${ctx.limits.maxComputeInvocationsPerWorkgroup * 2})`);
  await t.throwsAsync(cache.get(tooWide), { instanceOf: GpuPipelineError });
});

test.serial('a dispatch over maxComputeWorkgroupsPerDimension throws GpuDispatchError naming the dimension and limit', async (t) => {
  const pipeline = await cache.get(AXPY, 'main', 'axpy');
  const { buffers } = axpyBuffers();
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  t.true(max < 70000);
  await t.throwsAsync(dispatch(ctx, pipeline, buffers, [70000, 1, 1]), {
    instanceOf: GpuDispatchError,
    message: new RegExp(`^dispatch of \\[70000, 1, 1\\] workgroups: dimension x is over the device's maxComputeWorkgroupsPerDimension ${max}`),
  });
  await t.throwsAsync(dispatch(ctx, pipeline, buffers, [1, 1, 70000], 'axpy'), { instanceOf: GpuDispatchError, message: /dispatch 'axpy' of .* dimension z is over/ });
});

test.serial('bindings the pipeline rejects throw GpuDispatchError with the device\'s message', async (t) => {
  const pipeline = await cache.get(AXPY, 'main', 'axpy');
  const { buffers } = axpyBuffers();
  const error = await t.throwsAsync(dispatch(ctx, pipeline, buffers.slice(0, 2), WORKGROUPS, 'axpy'), { instanceOf: GpuDispatchError });
  t.regex(error!.message, /^encoding dispatches \[axpy\]: ./);
});

test.serial('padded u8 and u16 uploads read back as the original bytes', async (t) => {
  const u8 = Uint8Array.from([1, 2, 3, 250, 255]);
  const u16 = Uint16Array.from([1, 65535, 4242]);
  const b8 = createStorageBuffer(ctx, u8, 'u8');
  const b16 = createStorageBuffer(ctx, u16, 'u16');
  t.is(b8.size, 8);
  t.is(b16.size, 8);
  t.deepEqual(new Uint8Array(await readBuffer(ctx, b8, u8.byteLength)), u8);
  t.deepEqual(new Uint16Array(await readBuffer(ctx, b16, u16.byteLength)), u16);
  t.deepEqual(new Uint8Array(await readBuffer(ctx, b8)), Uint8Array.from([1, 2, 3, 250, 255, 0, 0, 0]));
});

test.serial('empty buffers are zeroed and rounded up; writes land', async (t) => {
  const empty = createEmptyStorageBuffer(ctx, 10, 'empty');
  t.is(empty.size, 12);
  t.deepEqual(new Uint8Array(await readBuffer(ctx, empty)), new Uint8Array(12));
  await writeBuffer(ctx, empty, Uint8Array.from([9, 8, 7]), 4);
  t.deepEqual(new Uint8Array(await readBuffer(ctx, empty)), Uint8Array.from([0, 0, 0, 0, 9, 8, 7, 0, 0, 0, 0, 0]));
  t.is(createEmptyStorageBuffer(ctx, 0).size, 4);
  t.is(createUniformBuffer(ctx, new Int32Array(5)).size, 32);
});

test.serial('a buffer over the binding limit is refused by name', (t) => {
  const limit = ctx.limits.maxStorageBufferBindingSize;
  t.throws(() => createEmptyStorageBuffer(ctx, limit + 4, 'huge'), {
    instanceOf: GpuBufferError,
    message: new RegExp(`^storage buffer 'huge' needs ${limit + 4} bytes .* over the device's maxStorageBufferBindingSize of ${limit} bytes`),
  });
  t.throws(() => createEmptyStorageBuffer(ctx, 1.5, 'odd'), { instanceOf: GpuBufferError, message: /whole number of bytes/ });
});

test.serial('reading a buffer without COPY_SRC usage says so', async (t) => {
  const uniform = createUniformBuffer(ctx, new Uint32Array(4), 'params');
  await t.throwsAsync(readBuffer(ctx, uniform), { instanceOf: GpuBufferError, message: /buffer 'params'.*COPY_SRC/ });
});

test.serial('timing dispatches gives a positive figure', async (t) => {
  const pipeline = await cache.get(AXPY, 'main', 'axpy');
  const { buffers } = axpyBuffers();
  const timing = await timeDispatches(ctx, [{ pipeline, bindings: buffers, workgroups: WORKGROUPS }]);
  t.log(`axpy over ${N}: ${timing.ms.toFixed(3)} ms by ${timing.method} (wall clock ${timing.wallMs.toFixed(3)} ms)`);
  t.true(timing.ms > 0);
  t.true(['timestamp-query', 'wall-clock', 'wall-clock (timestamp-query gave no time)'].includes(timing.method));
  if (!ctx.hasTimestamps) t.is(timing.method, 'wall-clock');
});

plainTest.serial('a GPU without an adapter throws GpuUnavailableError with the SwiftShader hint', async (t) => {
  const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
  const error = await t.throwsAsync(acquireGpu({ gpu: noAdapter }), { instanceOf: GpuUnavailableError });
  t.regex(error!.message, /requestAdapter\(\) returned null/);
  t.regex(error!.message, /chromium/);
  t.regex(error!.message, /libvulkan1/);
  t.true(error!.message.includes('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json'));
});

test.serial('features the adapter lacks are reported, not requested', async (t) => {
  const other = await acquireGpu({ requiredFeatures: ['timestamp-query', 'dual-source-blending', 'shader-f16'] });
  try {
    for (const f of other.unavailableFeatures) t.false(other.features.has(f));
    t.is(other.unavailableFeatures.includes('shader-f16'), !other.hasF16);
  } finally {
    other.destroy();
  }
});

test.serial('after the device is lost every operation throws GpuDeviceLostError', async (t) => {
  const doomed = await acquireGpu();
  const doomedCache = new PipelineCache(doomed);
  const pipeline = await doomedCache.get(AXPY);
  const { x, y, params } = axpyInputs();
  const buffers = [createStorageBuffer(doomed, x), createStorageBuffer(doomed, y), createUniformBuffer(doomed, params)];
  doomed.device.destroy();
  await t.throwsAsync(dispatch(doomed, pipeline, buffers, WORKGROUPS), { instanceOf: GpuDeviceLostError, message: /lost \(reason "destroyed"/ });
  t.true(doomed.isLost);
  await t.throwsAsync(readBuffer(doomed, buffers[1]!), { instanceOf: GpuDeviceLostError });
  t.throws(() => createStorageBuffer(doomed, x), { instanceOf: GpuDeviceLostError, message: /^creating unlabeled storage buffer: / });
  await t.throwsAsync(doomedCache.get(`${AXPY}\n// new`), { instanceOf: GpuDeviceLostError });
  await t.throwsAsync(timeDispatches(doomed, []), { instanceOf: GpuDeviceLostError });
});
