/**
 * A WebGPU artifact: `tessera compile --target webgpu` writes the blur's GPU program into its
 * description; its loader module runs it in Node with the runtime alone (Dawn, SwiftShader without a
 * GPU) on the bundled photo, bit-exact against the reference evaluator (u16).
 */
import { requireGpu } from './helpers/environment.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blurPipeline } from '../examples/blur_pipeline.js';
import { evaluate } from '../reference/evaluate.js';
import { readImage, toPlanar } from '../io/image.js';
import { acquireGpu, type GpuContext, type GpuKernelDescription } from '../runtime/index.js';
import { diffArrays } from './helpers/compare.js';
import { bundleLoader, REPO_ROOT, runCli } from './helpers/cli.js';

const { test } = await requireGpu(import.meta.url);

let ctx: GpuContext | undefined;
test.before(async () => { ctx = await acquireGpu(); });
test.after.always(() => { ctx?.destroy(); });

test('a WebGPU artifact loads in Node with the runtime alone and blurs the photo bit-exactly', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-gpu-artifact-'));
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  const out = join(scratch, 'blur_gpu');
  const r = await runCli(['compile', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--schedule', 'gpu', '--target', 'webgpu', '--name', 'blur_gpu', '-o', out]);
  t.is(r.status, 0, r.err);
  t.deepEqual(readdirSync(out).sort(), ['blur_gpu.d.ts', 'blur_gpu.js', 'blur_gpu.json'], 'no binary: the WGSL is in the description');
  const d = JSON.parse(readFileSync(join(out, 'blur_gpu.json'), 'utf8')) as GpuKernelDescription;
  t.is(d.target, 'webgpu');
  t.true(d.program.kernels.every((k) => k.wgsl.includes('@compute')));
  t.regex(readFileSync(join(out, 'blur_gpu.d.ts'), 'utf8'), /=> Promise<BlurGpuOutputs>/);

  const photo = toPlanar(readImage(join(REPO_ROOT, 'examples/data/chelsea.png')), 'u16');
  const want = evaluate(blurPipeline('u16'), { input: photo }, { C: 3, H: photo.shape[1], W: photo.shape[2] }).blur_y!;
  const { path } = await bundleLoader(out, 'blur_gpu');
  const { load } = await import(path) as { load: (o: { gpu?: GpuContext }) => Promise<((i: unknown) => Promise<{ blur_y: { data: Uint16Array } }>) & { close(): void }> };
  const blur = await load({ gpu: ctx });
  try {
    const got = (await blur({ input: photo })).blur_y;
    t.is(diffArrays('blur_y of the photo (WebGPU artifact)', got.data, want.data, want.shape, false), undefined);
  } finally {
    blur.close();
  }
  t.false(ctx!.isLost, 'close() leaves a device it was given alone');
});
