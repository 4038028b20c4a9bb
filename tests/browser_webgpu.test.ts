/**
 * WebGPU in a browser: GPU programs compiled in Node (`gpuProgram`, no device) run in a headless
 * Chromium page on the browser's own WebGPU (navigator.gpu through acquireGpu), from a browser bundle
 * of the runtime alone, and their outputs match the reference evaluator computed in Node: a u16 blur
 * (16-bit tensors packed two to a 32-bit word, an odd element count, blur_x in workgroup memory)
 * bit-exactly, and a 64x64 SGEMM within 1e-4 relative, with one invocation per element (gpuTile) and
 * with the example's workgroup-tiled schedule (panels in workgroup memory, vec4 columns).
 *
 * Chromium on Linux without a GPU: `--enable-unsafe-webgpu` (in CHROMIUM_ARGS) is the one switch it
 * needs; with it Chromium falls back to its bundled SwiftShader Vulkan and navigator.gpu gives an
 * adapter whose architecture is "swiftshader" (without it, requestAdapter() logs "No available
 * adapters" and returns null). VK_ICD_FILENAMES is not needed by Chromium. The page must be a secure
 * context (http://127.0.0.1 is; about:blank is not) or navigator.gpu is absent.
 * Needs Chromium (Debian's at /usr/bin/chromium): without it the tests are skipped with the reason (helpers/environment.ts), unless CI=true.
 */
import { requireBrowser } from './helpers/environment.js';
import { readFileSync } from 'node:fs';
import { gpuProgram } from '../tessera.js';
import { Schedule } from '../schedule/schedule.js';
import { arrayTypeOf, type DType } from '../ir/dtype.js';
import type { Tensor } from '../runtime/tensor.js';
import { sgemmGpuSchedule } from '../examples/sgemm_pipeline.js';
import { blurU16, matmul, type TestPipeline } from './helpers/pipelines.js';
import { reference, diffArrays } from './helpers/compare.js';
import { bundleForBrowser, withBrowserPage, pageResult, type PageFiles } from './helpers/browser.js';
import type { GpuCase, GpuPageReport } from '../browser/webgpu_page.js';

const { test } = requireBrowser(import.meta.url);

const NO_ADAPTER_HINT = 'Chromium gives WebGPU an adapter without a GPU (its bundled SwiftShader) only with --enable-unsafe-webgpu, '
  + 'and only in a secure context (http://127.0.0.1 is one); check the switches in tests/helpers/browser.ts CHROMIUM_ARGS.';

/** Compiler folders, none of which a runtime bundle may reach. */
const COMPILER = /^(dsl|ir|schedule|lower|codegen)\//;
/** Sources a browser bundle of the runtime may include: the runtime and the page's own. */
const RUNTIME_ONLY = /^(runtime\/|browser\/)/;

/** blur_y in 8 x 16 tiles, a workgroup per tile; blur_x per tile in workgroup memory (10 x 16). */
function blurSchedule(tp: TestPipeline): Schedule {
  const sch = new Schedule(tp.pipeline);
  const blurY = sch.stage('blur_y');
  blurY.tile('y', 'x', 8, 16);
  blurY.gpuBlocks('xo', 'yo');
  blurY.gpuThreads('xi', 'yi');
  const blurX = sch.stage('blur_x');
  blurX.computeAt('blur_y', 'xo');
  blurX.gpuThreads('x', 'y');
  return sch;
}

/** One invocation per element of C, 8 x 8 per workgroup. */
function sgemmSchedule(tp: TestPipeline): Schedule {
  const sch = new Schedule(tp.pipeline);
  sch.stage('C').gpuTile('i', 'j', 8, 8);
  return sch;
}

interface Case { readonly name: string; readonly tp: TestPipeline; readonly schedule: (tp: TestPipeline) => Schedule }
const CASES: readonly Case[] = [
  { name: 'blur_u16', tp: blurU16(37, 69), schedule: blurSchedule },
  { name: 'sgemm_gpuTile', tp: matmul(64, 64, 64), schedule: sgemmSchedule },
  { name: 'sgemm_workgroup_tiled', tp: matmul(64, 64, 64), schedule: (tp) => sgemmGpuSchedule(tp.pipeline) },
];

const rawBytes = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

test('GPU programs compiled in Node run on the WebGPU of a Chromium page with the runtime alone and match the reference', async (t) => {
  const files: Record<string, string | Uint8Array> = {};
  const cases: GpuCase[] = CASES.map(({ name: caseName, tp, schedule }) => {
    const { program } = gpuProgram(tp.pipeline, schedule(tp));
    const inputs = Object.entries(tp.inputs(1)).map(([name, tensor]) => {
      const file = `${caseName}_${name}.bin`;
      files[file] = rawBytes(tensor);
      const dtype = program.args.find((a) => a.name === name)!.dtype;
      return { name, dtype, shape: tensor.shape, file };
    });
    return { name: caseName, program, inputs };
  });
  t.true(cases[0]!.program.args.every((a) => a.dtype === 'u16'), 'the blur covers packed 16-bit buffers');
  t.true(cases[1]!.program.args.every((a) => a.dtype === 'f32'), 'the SGEMM covers f32 buffers');
  t.true(cases[2]!.program.kernels[0]!.wgsl.includes('var<workgroup>'), 'the workgroup-tiled SGEMM uses workgroup memory');

  const bundle = await bundleForBrowser({ 'webgpu_page.js': 'browser/webgpu_page.ts' });
  t.deepEqual(bundle.inputs.filter((p) => COMPILER.test(p)), [], 'the browser bundle holds no compiler sources');
  t.deepEqual(bundle.inputs.filter((p) => !RUNTIME_ONLY.test(p)), [], 'the browser bundle holds the runtime only');
  const served: PageFiles = {
    ...files,
    'webgpu.html': readFileSync(new URL('../browser/webgpu.html', import.meta.url), 'utf8'),
    ...bundle.files,
    'gpu_cases.json': JSON.stringify({ cases }),
  };

  const report = await withBrowserPage(served, 'webgpu.html', async ({ page, problems }) => {
    const r = await pageResult<GpuPageReport>(page).catch((e: Error) => {
      if (/WebGPU is unavailable/.test(e.message)) e.message += `\n${NO_ADAPTER_HINT}`;
      throw e;
    });
    t.deepEqual(problems, [], 'the page logged no errors');
    return r;
  });
  t.true(report.secureContext, 'the page is a secure context');
  t.truthy(report.adapter.label, 'the adapter has a label');
  t.log(`browser adapter: ${report.adapter.label} (vendor "${report.adapter.vendor}", architecture "${report.adapter.architecture}", description "${report.adapter.description}")`);

  CASES.forEach(({ name: caseName, tp }, i) => {
    const got = report.cases[i]!;
    t.is(got.name, caseName);
    t.log(`${caseName}: one launch took ${got.timing.ms.toFixed(3)} ms by ${got.timing.method}`);
    t.true(got.timing.ms > 0, `${caseName}: timing gives a positive figure`);
    const want = reference(tp, 1);
    for (const name of tp.outputs) {
      const out = got.outputs[name];
      if (!out) { t.fail(`${caseName}: the page reported no output ${name}`); continue; }
      const w = want[name]!;
      t.deepEqual(out.shape, w.shape, `${caseName}: shape of ${name}`);
      const data = new (arrayTypeOf(out.dtype as DType))(out.data.length);
      data.set(out.data);
      t.is(diffArrays(`${name} (${caseName}, browser WebGPU)`, data, w.data, w.shape, tp.float), undefined);
    }
  });
});
