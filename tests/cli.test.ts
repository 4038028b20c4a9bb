/**
 * The `tessera` CLI (run in this process): `compile` writes an artifact whose loader module runs the
 * kernel in Node with the runtime alone, bit-exact against the reference evaluator on the bundled
 * photo (blur, u16) and within f32 tolerance (SGEMM, two binaries); `print`, `run` and `bench` on the
 * examples' modules; and each failure's message: a missing module, an unknown pipeline or schedule, a
 * bad trace file (which instruction, why), an output folder that cannot be made, a half-written
 * artifact that is never left behind, a usage error.
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blurPipeline } from '../examples/blur_pipeline.js';
import { sgemmPipeline } from '../examples/sgemm_pipeline.js';
import { evaluate } from '../reference/evaluate.js';
import { readImage, toPlanar, fromPlanar } from '../io/image.js';
import { decodeNpy, encodeNpy } from '../io/npy.js';
import type { WasmKernelDescription } from '../runtime/index.js';
import { engineWasmFeatures } from '../runtime/index.js';
import { diffArrays } from './helpers/compare.js';
import { randomTensor } from './helpers/pipelines.js';
import { bundleLoader, REPO_ROOT, runCli } from './helpers/cli.js';
import { parseShapeExpression } from '../cli/work.js';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const fresh = () => join(scratch, `c${folders++}`);

const PHOTO = join(REPO_ROOT, 'examples/data/chelsea.png');
const photo = toPlanar(readImage(PHOTO), 'u16');
const photoSizes = { C: 3, H: photo.shape[1], W: photo.shape[2] };
let blurReference: ReturnType<typeof evaluate> | undefined;
const referenceBlur = () => (blurReference ??= evaluate(blurPipeline('u16'), { input: photo }, photoSizes));

test('compile writes the artifact, its loader and typings; the loader runs the blur in Node with the runtime alone, bit-exact on the photo', async (t) => {
  const out = fresh();
  const r = await runCli(['compile', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--schedule', 'classic', '-o', out]);
  t.is(r.status, 0, r.err);
  t.deepEqual(readdirSync(out).sort(), ['blur.d.ts', 'blur.js', 'blur.json', 'blur.wasm']);
  t.regex(r.err, /compiled pipeline blur of examples\/blur_pipeline\.ts with schedule classic for wasm-simd/);
  t.regex(r.out, new RegExp(`${join(out, 'blur.wasm')} \\(\\d+\\.\\d KiB\\)`));
  const d = JSON.parse(readFileSync(join(out, 'blur.json'), 'utf8')) as WasmKernelDescription;
  t.deepEqual(d.work, { pixels: { op: 'mul', a: 'H', b: 'W' } });
  t.true(d.binaries[0]!.features.includes('threads'), 'the classic schedule has a parallel loop');
  t.is(d.schedule![0]!.op, 'tile');
  const typings = readFileSync(join(out, 'blur.d.ts'), 'utf8');
  t.true(typings.includes('readonly input: { readonly data: Uint16Array; readonly shape: readonly [C: number, H: number, W: number] };'));
  t.true(typings.includes('readonly blur_y: { readonly data: Uint16Array; readonly shape: readonly [C: number, H: number, W: number] };'));

  const { path, inputs } = await bundleLoader(out, 'blur');
  t.deepEqual(inputs.filter((p) => !/^(runtime\/|.*blur\.js$)/.test(p)), [], 'the loader bundle holds the runtime alone');
  const { load } = await import(path) as { load: () => Promise<(i: unknown) => { blur_y: { data: Uint16Array } }> };
  const blur = await load();
  const want = referenceBlur().blur_y!;
  t.is(diffArrays('blur_y of the photo (artifact in Node)', blur({ input: photo }).blur_y.data, want.data, want.shape, false), undefined);
});

test('compile SGEMM: a baseline and a relaxed-SIMD binary; the loader takes the one this engine runs; within f32 tolerance', async (t) => {
  const out = fresh();
  const r = await runCli(['compile', 'examples/sgemm_pipeline.ts', '--schedule', 'tiled', '-o', out]);
  t.is(r.status, 0, r.err);
  t.deepEqual(readdirSync(out).sort(), ['sgemm.d.ts', 'sgemm.js', 'sgemm.json', 'sgemm.relaxed.wasm', 'sgemm.wasm']);
  const { path } = await bundleLoader(out, 'sgemm');
  const { load } = await import(path) as { load: () => Promise<((i: unknown) => { C: { data: Float32Array } }) & { binary: { file: string } }> };
  const sgemm = await load();
  t.is(sgemm.binary.file, engineWasmFeatures().has('relaxed-simd') ? 'sgemm.relaxed.wasm' : 'sgemm.wasm');
  const A = randomTensor('f32', [70, 45], 1, -1, 1), B = randomTensor('f32', [45, 83], 2, -1, 1);
  const want = evaluate(sgemmPipeline(), { A, B }, { M: 70, N: 83, K: 45 }).C!;
  t.is(diffArrays('C (SGEMM artifact)', sgemm({ A, B }).C.data, want.data, want.shape, true), undefined);
});

test('print shows the loops, the WebAssembly text, the WGSL, the schedule as code and as a trace that --schedule replays, and the IR after each pass', async (t) => {
  const print = async (...args: string[]) => {
    const r = await runCli(['print', 'examples/blur_pipeline.ts', '--pipeline', 'blur', ...args]);
    t.is(r.status, 0, r.err);
    return r.out;
  };
  t.regex(await print('--schedule', 'classic', '--what', 'loops'), /for \(blur_y\.yo, 0, \S+\) parallel \{/);
  t.regex(await print('--schedule', 'naive', '--what', 'wat'), /^\(module/);
  const wgsl = await print('--schedule', 'gpu', '--what', 'wgsl');
  t.regex(wgsl, /^\/\/ kernel \w+: workgroup 32 x 8 x 1\n/);
  t.regex(wgsl, /@compute @workgroup_size\(32, 8, 1\)/);
  t.is(await print('--schedule', 'classic', '--what', 'schedule'), `sch.stage("blur_y").tile("y", "x", 32, 256, { names: ["yo", "xo", "yi", "xi"], tail: "auto" });
sch.stage("blur_y").vectorize("xi", 16, { outer: "xio", inner: "xii", tail: "auto" });
sch.stage("blur_y").parallel("yo");
sch.stage("blur_x").computeAt("blur_y", "xo");
sch.stage("blur_x").vectorize("x", 16, { outer: "xo", inner: "xi", tail: "auto" });
`);
  const trace = join(fresh() + '.json');
  writeFileSync(trace, await print('--schedule', 'classic', '--what', 'trace'));
  t.is(await print('--schedule', trace, '--what', 'loops'), await print('--schedule', 'classic', '--what', 'loops'), 'the trace replays to the same loops');
  const passes = await print('--schedule', 'classic', '--what', 'ir-after-each-pass');
  t.regex(passes, /^--- after schedule functions and bound inference ---\n/);
  t.regex(passes, /--- after vectorize ---\n/);
  t.regex(await print('--schedule', 'gpu', '--what', 'loops', '--target', 'webgpu'), /kernel/);
});

test('run reads a PNG and .npy inputs, writes a PNG and .npy outputs; bench reports ms/MP and GFLOP/s', async (t) => {
  const out = fresh();
  t.is((await runCli(['compile', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--schedule', 'classic', '-o', out])).status, 0);
  const png = join(out, 'blurred.png');
  const r = await runCli(['run', join(out, 'blur.json'), '--input', `input=${PHOTO}`, '--output', `blur_y=${png}`]);
  t.is(r.status, 0, r.err);
  t.is(r.out, `${png}\n`);
  const want = referenceBlur().blur_y!;
  const wantImage = fromPlanar({ data: want.data as Uint16Array, shape: [3, photoSizes.H, photoSizes.W] });
  t.deepEqual(readImage(png).data, wantImage.data, 'the PNG holds the blurred photo');

  const npyIn = join(out, 'photo.npy');
  writeFileSync(npyIn, encodeNpy(photo));
  const r2 = await runCli(['run', join(out, 'blur.json'), '--input', `input=${npyIn}`, '-o', join(out, 'outputs')]);
  t.is(r2.status, 0, r2.err);
  const npy = decodeNpy(readFileSync(join(out, 'outputs', 'blur_y.npy')));
  t.deepEqual(npy.shape, want.shape);
  t.is(diffArrays('blur_y.npy', npy.data, want.data, want.shape, false), undefined);

  const bench = await runCli(['bench', join(out, 'blur.json'), '--input', `input=${PHOTO}`, '--runs', '3', '--warm-up', '0']);
  t.is(bench.status, 0, bench.err);
  t.regex(bench.out, /^artifact blur \(wasm-simd, blur\.wasm\) at C=3 H=300 W=451: \d+\.\d{3} ms median of 3 runs \(min \d+\.\d{3}\) after 0 ms of warm-up, \d+\.\d{3} ms\/MP\n$/);
  const gemm = await runCli(['bench', 'examples/sgemm_pipeline.ts', '--schedule', 'tiled', '--size', 'M=64', '--size', 'N=64', '--size', 'K=64', '--runs', '3', '--warm-up', '0', '--threads', '2']);
  t.is(gemm.status, 0, gemm.err);
  t.regex(gemm.out, /^pipeline sgemm of examples\/sgemm_pipeline\.ts, schedule tiled, wasm-simd.* at M=64 K=64 N=64, 2 threads: .* ms median of 3 runs .*, \d+\.\d\d GFLOP\/s\n$/);
});

test('a missing module, an unknown pipeline or schedule, and a module without pipelines are refused, naming what exists', async (t) => {
  const fail = async (args: string[], message: string | RegExp) => {
    const r = await runCli(args);
    t.is(r.status, 1, `${args.join(' ')}: ${r.err}`);
    if (typeof message === 'string') t.is(r.err, `${message}\n`);
    else t.regex(r.err, message);
  };
  await fail(['compile', 'examples/nope.ts'], 'tessera compile: cannot load module examples/nope.ts: no such file');
  await fail(['compile', 'examples/blur_pipeline.ts', '--pipeline', 'blurr'], 'tessera compile: module examples/blur_pipeline.ts has no pipeline "blurr"; it has blur, blur_f32');
  await fail(['compile', 'examples/blur_pipeline.ts'], 'tessera compile: module examples/blur_pipeline.ts has several pipelines (blur, blur_f32): pick one with --pipeline NAME');
  await fail(['compile', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--schedule', 'fast'], 'tessera compile: pipeline blur of examples/blur_pipeline.ts has no schedule "fast"; it has classic, naive, gpu (or pass a trace file, TRACE.json)');
  await fail(['print', 'examples/image_pipeline.ts', '--what', 'loops'], 'tessera print: cannot load module examples/image_pipeline.ts: no such file');
  await fail(['print', 'io/npy.ts', '--what', 'loops'], 'tessera print: module io/npy.ts exports no `pipelines`: export const pipelines = { name: { pipeline, schedules } } (see docs/cli.md)');
  await fail(['compile', 'examples/data/README.md'], 'tessera compile: cannot load module examples/data/README.md: a module is a .ts, .mts, .js or .mjs file');
  await fail(['compile', 'examples/sgemm_pipeline.ts', '--target', 'cuda'], 'tessera compile: --target must be wasm-simd or webgpu, got "cuda"');
  const broken = join(fresh() + '.mjs');
  writeFileSync(broken, "throw new Error('boom at load');\n");
  await fail(['compile', broken], `tessera compile: cannot load module ${broken}: Error: boom at load`);
});

test('a bad trace file is refused: which file, which instruction, and why', async (t) => {
  const dir = fresh();
  mkdirSync(dir);
  const write = (name: string, text: string) => { writeFileSync(join(dir, name), text); return join(dir, name); };
  const compileWith = (trace: string) => runCli(['compile', 'examples/blur_pipeline.ts', '--pipeline', 'blur', '--schedule', trace, '-o', join(dir, 'out')]);
  const notJson = write('a.json', '[{ "op": "split", ');
  t.regex((await compileWith(notJson)).err, new RegExp(`^tessera compile: trace file ${notJson} is not JSON: `));
  const notTrace = write('b.json', '{ "ops": [] }');
  t.is((await compileWith(notTrace)).err, `tessera compile: trace file ${notTrace} holds neither a JSON array of schedule instructions nor an object with one in "schedule" (an artifact description or a tuning record)\n`);
  const badAxis = write('c.json', JSON.stringify([
    { op: 'tile', stage: 'blur_y', axes: ['y', 'x'], factors: [32, 256], names: ['yo', 'xo', 'yi', 'xi'], tail: 'auto' },
    { op: 'vectorize', stage: 'blur_y', axis: 'q' },
  ]));
  t.is((await compileWith(badAxis)).err, `tessera compile: ${badAxis}: instruction 2 of 2 {"op":"vectorize","stage":"blur_y","axis":"q"}: stage blur_y, axis q: vectorize: q is not a loop of this stage (the stage has no such axis)\n  legal alternatives: c, yo, xo, yi, xi\n`);
  const badType = write('d.json', JSON.stringify([{ op: 'split', stage: 'blur_y', axis: 'x', factor: '8', outer: 'xo', inner: 'xi', tail: 'auto' }]));
  t.is((await compileWith(badType)).err, `tessera compile: ${badType}: instruction 1 of 1 {"op":"split","stage":"blur_y","axis":"x","factor":"8","outer":"xo","inner":"xi","tail":"auto"}: its field factor must be a number, got "8"\n`);
  const noOp = write('e.json', '[{ "stage": "blur_y" }]');
  t.is((await compileWith(noOp)).err, `tessera compile: ${noOp}: instruction 1 of 1 {"stage":"blur_y"}: it has no "op"\n`);
  t.is((await compileWith(join(dir, 'missing.json'))).err, `tessera compile: trace file ${join(dir, 'missing.json')}: no such file\n`);
  t.false(existsSync(join(dir, 'out')), 'nothing written');
});

test('an output folder that cannot be made, and a write that fails half-way, leave no artifact behind', async (t) => {
  const dir = fresh();
  mkdirSync(dir);
  writeFileSync(join(dir, 'file'), '');
  const r = await runCli(['compile', 'examples/sgemm_pipeline.ts', '-o', join(dir, 'file', 'out')]);
  t.is(r.status, 1);
  t.regex(r.err, new RegExp(`^tessera compile: ArtifactError: cannot create the output folder ${join(dir, 'file', 'out')}: .*ENOTDIR`, 'm'));
  const out = join(dir, 'out');
  mkdirSync(join(out, 'sgemm.d.ts'), { recursive: true }); // a folder where a file goes: its rename fails
  const half = await runCli(['compile', 'examples/sgemm_pipeline.ts', '-o', out]);
  t.is(half.status, 1);
  t.regex(half.err, new RegExp(`^tessera compile: ArtifactError: cannot write the artifact sgemm into ${out}: .*; nothing of it was left there\n$`, 'm'));
  t.deepEqual(readdirSync(out), ['sgemm.d.ts'], 'only the folder that was in the way');
});

test('usage errors exit with status 2 and say what is wrong', async (t) => {
  const r = await runCli(['compile']);
  t.is(r.status, 2);
  t.regex(r.err, /error: missing required argument 'MODULE'/);
  const u = await runCli(['frobnicate']);
  t.is(u.status, 2);
  t.regex(u.err, /error: unknown command 'frobnicate'/);
  const v = await runCli(['--version']);
  t.is(v.status, 0);
  t.regex(v.out, /^\d+\.\d+\.\d+\n$/);
  const missing = await runCli(['run', 'out/nothing/x.json', '--input', 'input=a.npy']);
  t.is(missing.status, 1);
  t.regex(missing.err, /^tessera run: ArtifactError: no such file: .*out\/nothing\/x\.json\n$/);
});

test('work expressions parse into shape expressions; a bad one names the column', (t) => {
  t.deepEqual(parseShapeExpression('2 * M * N * K', 'w'), { op: 'mul', a: { op: 'mul', a: { op: 'mul', a: 2, b: 'M' }, b: 'N' }, b: 'K' });
  t.deepEqual(parseShapeExpression('(H + 2) / 4 - 1', 'w'), { op: 'sub', a: { op: 'div', a: { op: 'add', a: 'H', b: 2 }, b: 4 }, b: 1 });
  t.throws(() => parseShapeExpression('H * ', 'w'), { message: 'w: "H * ": expected a number, a size name or ( at column 5' });
  t.throws(() => parseShapeExpression('H ^ 2', 'w'), { message: 'w: "H ^ 2": unexpected "^" at column 3' });
  t.throws(() => parseShapeExpression('(H', 'w'), { message: 'w: "(H": expected ) at column 3' });
  t.throws(() => parseShapeExpression('H W', 'w'), { message: 'w: "H W": expected an operator at column 3' });
});
