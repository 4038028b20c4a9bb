/**
 * Artifacts: compile, save (writeArtifact), load with the runtime alone (loadArtifact) and run,
 * against the reference evaluator; the fma 'auto' pair of binaries and which one the loader takes
 * (here and in a child process whose engine has relaxed SIMD); and every way a bad artifact is
 * refused: another format version, an unknown kind, a binary that needs a feature this engine lacks,
 * a binary of the wrong length, a missing file, a file name that leaves the folder, a description
 * that is not JSON. Writing is all or nothing (fault injection: a target name taken by a folder).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { compile, Schedule } from '../tessera.js';
import {
  ARTIFACT_VERSION, ArtifactError, TESSERA_VERSION, descriptionFile, loadArtifact, parseArtifactDescription, writeArtifact,
  engineWasmFeatures, type LoadedWasmKernel, type WasmKernelDescription,
} from '../runtime/index.js';
import { sgemmSchedule } from '../examples/sgemm_pipeline.js';
import { blurU16, matmul } from './helpers/pipelines.js';
import { diffArrays, reference } from './helpers/compare.js';
import { parallelBlurSchedule } from './helpers/schedules.js';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-artifact-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));
let folders = 0;
const freshFolder = () => join(scratch, `a${folders++}`);

function blurArtifact() {
  const tp = blurU16(19, 45);
  const sch = new Schedule(tp.pipeline);
  sch.stage('blur_y').tile('y', 'x', 8, 16);
  sch.stage('blur_y').vectorize('xi', 8);
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  sch.stage('blur_x').vectorize('x', 8);
  return { tp, sch, f: compile(tp.pipeline, sch) };
}

test('a saved kernel loads with the runtime alone and matches the reference bit for bit; the description records the schedule', async (t) => {
  const { tp, sch, f } = blurArtifact();
  const folder = freshFolder();
  const written = await writeArtifact(folder, f.artifact({ name: 'blur' }));
  t.deepEqual(written.map((p) => p.slice(folder.length + 1)), ['blur.wasm', 'blur.json'], 'no f32 multiply-add: one binary, the description last');
  t.deepEqual(readdirSync(folder).sort(), ['blur.json', 'blur.wasm'], 'no temporary file left');
  const d = JSON.parse(readFileSync(join(folder, 'blur.json'), 'utf8')) as WasmKernelDescription;
  t.like(d, { format: 'tessera-artifact', version: ARTIFACT_VERSION, kind: 'kernel', name: 'blur', target: 'wasm-simd', tessera: TESSERA_VERSION });
  t.deepEqual(d.schedule, JSON.parse(JSON.stringify(sch.trace)), 'the trace it was compiled with');
  t.deepEqual(d.binaries, [{ file: 'blur.wasm', bytes: f.binary!.byteLength, features: ['simd128', 'nontrapping-fptoint', 'sign-ext', 'bulk-memory', 'mutable-globals'] }]);
  t.deepEqual(Schedule.replay(tp.rebuild().pipeline, d.schedule as never).trace, sch.trace, 'the trace replays on a fresh pipeline');

  const blur = await loadArtifact(join(folder, 'blur.json')) as LoadedWasmKernel;
  t.is(blur.target, 'wasm-simd');
  t.is(blur.binary.file, 'blur.wasm');
  const want = reference(tp, 3).blur_y!;
  const got = blur(tp.inputs(3)).blur_y!;
  t.is(diffArrays('blur_y (loaded artifact)', got.data, want.data, want.shape, false), undefined);
});

test('an artifact in memory and one from a file: URL load the same', async (t) => {
  const { tp, f } = blurArtifact();
  const artifact = f.artifact();
  t.is(artifact.description.name, 'blur_y', 'the default name is the output stage');
  const want = reference(tp, 2).blur_y!;
  const fromMemory = await loadArtifact(artifact) as LoadedWasmKernel;
  t.is(diffArrays('blur_y (in memory)', fromMemory(tp.inputs(2)).blur_y!.data, want.data, want.shape, false), undefined);
  const folder = freshFolder();
  await writeArtifact(folder, artifact);
  const url = new URL(`file://${join(folder, 'blur_y.json')}`);
  const fromUrl = await loadArtifact(url) as LoadedWasmKernel;
  t.is(diffArrays('blur_y (file URL)', fromUrl(tp.inputs(2)).blur_y!.data, want.data, want.shape, false), undefined);
  const fromBase = await loadArtifact({ description: artifact.description, base: folder }) as LoadedWasmKernel;
  t.is(diffArrays('blur_y (description and base)', fromBase(tp.inputs(2)).blur_y!.data, want.data, want.shape, false), undefined);
});

test("fma 'auto': a baseline and a relaxed-SIMD binary, the relaxed one first; this engine's loader takes the one it runs", async (t) => {
  const tp = matmul(24, 40, 19);
  const f = compile(tp.pipeline, sgemmSchedule(tp.pipeline, { rows: 2, cols: 16 }));
  const { description, files } = f.artifact({ name: 'sgemm' });
  t.deepEqual(description.binaries.map((b) => b.file), ['sgemm.relaxed.wasm', 'sgemm.wasm']);
  t.true(description.binaries[0]!.features.includes('relaxed-simd'));
  t.false(description.binaries[1]!.features.includes('relaxed-simd'));
  t.notDeepEqual(files['sgemm.relaxed.wasm'], files['sgemm.wasm'], 'two different modules');
  t.false(WebAssembly.validate(files['sgemm.wasm']!.subarray(0, 20) as BufferSource), 'a truncated module does not validate');

  const folder = freshFolder();
  await writeArtifact(folder, { description, files });
  const sgemm = await loadArtifact(join(folder, 'sgemm.json')) as LoadedWasmKernel;
  const relaxed = engineWasmFeatures().has('relaxed-simd');
  t.is(sgemm.binary.file, relaxed ? 'sgemm.relaxed.wasm' : 'sgemm.wasm');
  t.is(sgemm.kernel.signature.fma, relaxed ? 'relaxed' : 'none');
  const want = reference(tp, 1).C!;
  t.is(diffArrays('C (loaded SGEMM)', sgemm(tp.inputs(1)).C!.data, want.data, want.shape, true), undefined);

  // Node 20 runs relaxed SIMD with a flag: the same artifact, loaded there, takes the relaxed binary.
  const script = fileURLToPath(new URL('./helpers/load_artifact_run.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', script, join(folder, 'sgemm.json'), JSON.stringify(tp.sizes)], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const child = JSON.parse(stdout) as { binary: string; fma: string; C: number[] };
  t.is(child.binary, 'sgemm.relaxed.wasm');
  t.is(child.fma, 'relaxed');
  t.is(diffArrays('C (relaxed binary, child process)', Float32Array.from(child.C), want.data, want.shape, true), undefined);
});

test("fma 'none' and 'relaxed' give one binary each", (t) => {
  const tp = matmul();
  const none = compile(tp.pipeline, sgemmSchedule(tp.pipeline), { fma: 'none' }).artifact();
  t.deepEqual(none.description.binaries.map((b) => b.file), ['C.wasm']);
  if (!engineWasmFeatures().has('relaxed-simd')) { t.pass('compiling with fma relaxed needs an engine that runs it (compile instantiates)'); return; }
  const relaxed = compile(tp.pipeline, sgemmSchedule(tp.pipeline), { fma: 'relaxed' }).artifact();
  t.deepEqual(relaxed.description.binaries.map((b) => b.file), ['C.relaxed.wasm']);
});

test('a threaded kernel records the threads feature and runs on a thread pool after loading', async (t) => {
  const tp = blurU16(61, 70);
  const f = compile(tp.pipeline, parallelBlurSchedule(tp.pipeline));
  const { description } = f.artifact({ name: 'pblur' });
  t.true(description.binaries[0]!.features.includes('threads'));
  t.true((description.signature.tasks?.length ?? 0) > 0);
  const { ThreadPool } = await import('../runtime/index.js');
  const pool = await ThreadPool.create(2);
  try {
    const blur = await loadArtifact(f.artifact(), { threadPool: pool }) as LoadedWasmKernel;
    const want = reference(tp, 1).blur_y!;
    t.is(diffArrays('blur_y (threaded artifact)', blur(tp.inputs(1)).blur_y!.data, want.data, want.shape, false), undefined);
  } finally {
    await pool.close();
  }
});

/** A saved blur artifact's folder and its description, for editing into bad ones. */
async function savedBlur(): Promise<{ folder: string; description: Record<string, unknown> }> {
  const folder = freshFolder();
  await writeArtifact(folder, blurArtifact().f.artifact({ name: 'blur' }));
  return { folder, description: JSON.parse(readFileSync(join(folder, 'blur.json'), 'utf8')) };
}

function rewrite(folder: string, description: unknown): string {
  const path = join(folder, 'blur.json');
  writeFileSync(path, JSON.stringify(description));
  return path;
}

test('an artifact of another format version is refused, naming both versions and both Tessera versions', async (t) => {
  const { folder, description } = await savedBlur();
  const path = rewrite(folder, { ...description, version: 2, tessera: '9.0.0' });
  await t.throwsAsync(loadArtifact(path), {
    instanceOf: ArtifactError,
    message: `${path}: the artifact has format version 2 (written by Tessera 9.0.0), but this runtime (Tessera ${TESSERA_VERSION}) reads version 1; load it with a newer Tessera`,
  });
  t.throws(() => parseArtifactDescription({ ...description, version: 0 }, 'old.json'), {
    message: `old.json: the artifact has format version 0 (written by Tessera ${TESSERA_VERSION}), but this runtime (Tessera ${TESSERA_VERSION}) reads version 1; compile it again with this Tessera`,
  });
});

test('an artifact of an unknown kind, or no artifact at all, is refused', async (t) => {
  const { description } = await savedBlur();
  t.throws(() => parseArtifactDescription({ ...description, kind: 'tuning-database' }, 'm.json'), {
    instanceOf: ArtifactError,
    message: `m.json: the artifact is of kind "tuning-database" (written by Tessera ${TESSERA_VERSION}), which this runtime (Tessera ${TESSERA_VERSION}) does not load; it loads 'kernel', 'model'`,
  });
  t.throws(() => parseArtifactDescription({ name: 'x' }, 'x.json'), { message: 'x.json is not a Tessera artifact description: its "format" is missing, not "tessera-artifact"' });
  t.throws(() => parseArtifactDescription([1, 2], 'y.json'), { message: /y\.json is not a Tessera artifact description/ });
  t.throws(() => parseArtifactDescription({ ...description, target: 'cuda' }, 'z.json'), { message: `z.json: target must be one of 'wasm-simd', 'webgpu', got "cuda"` });
  t.throws(() => parseArtifactDescription({ ...description, signature: { ...(description.signature as object), args: [{ name: 'input', dtype: 'bool', role: 'input', shape: [] }] } }, 'w.json'), {
    message: 'w.json: signature.args[0].dtype must be one of f32, f64, i32, u32, i16, u16, i8, u8, got "bool"',
  });
  t.throws(() => parseArtifactDescription({ ...description, signature: { ...(description.signature as object), mathImports: ['constructor'] } }, 'v.json'), {
    message: 'v.json: signature.mathImports[0] must be the name of a Math function, got "constructor"',
  });
});

test('a binary that needs a feature this engine lacks is refused, naming what it needs and what the engine has', async (t) => {
  const { folder, description } = await savedBlur();
  const binaries = description.binaries as { file: string; bytes: number; features: string[] }[];
  const path = rewrite(folder, { ...description, binaries: [{ ...binaries[0]!, features: [...binaries[0]!.features, 'memory64'] }] });
  const have = [...engineWasmFeatures()].join(', ');
  await t.throwsAsync(loadArtifact(path), {
    instanceOf: ArtifactError,
    message: `${path}: no binary of blur runs on this WebAssembly engine: blur.wasm needs memory64 (a feature this runtime does not know). This engine has: ${have}`,
  });
  // A fallback after it is taken.
  rewrite(folder, { ...description, binaries: [{ ...binaries[0]!, features: ['memory64'] }, binaries[0]] });
  t.is((await loadArtifact(path) as LoadedWasmKernel).binary.file, 'blur.wasm');
});

test('a relaxed-SIMD-only artifact on an engine without relaxed SIMD is refused with the remedy', async (t) => {
  if (engineWasmFeatures().has('relaxed-simd')) { t.pass('this engine has relaxed SIMD'); return; }
  const tp = matmul();
  const { description, files } = compile(tp.pipeline, sgemmSchedule(tp.pipeline)).artifact({ name: 'sgemm' });
  const only = { description: { ...description, binaries: description.binaries.slice(0, 1) }, files };
  await t.throwsAsync(loadArtifact(only), {
    instanceOf: ArtifactError,
    message: `artifact sgemm: no binary of sgemm runs on this WebAssembly engine: sgemm.relaxed.wasm needs relaxed-simd; relaxed-simd: Chrome 114+, Node 22+, or Node 20 with --experimental-wasm-relaxed-simd. This engine has: ${[...engineWasmFeatures()].join(', ')}`,
  });
});

test('a binary of the wrong length, a missing binary, a file outside the folder and a description that is not JSON are refused', async (t) => {
  const { folder, description } = await savedBlur();
  const wasm = readFileSync(join(folder, 'blur.wasm'));
  writeFileSync(join(folder, 'blur.wasm'), wasm.subarray(0, 100));
  const path = join(folder, 'blur.json');
  await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError, message: `${path}: blur.wasm has 100 bytes, but the description says ${wasm.byteLength}; it is not the binary this description was written with` });
  rmSync(join(folder, 'blur.wasm'));
  await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError, message: `no such file: ${join(folder, 'blur.wasm')}` });
  const binaries = description.binaries as object[];
  rewrite(folder, { ...description, binaries: [{ ...binaries[0], file: '../elsewhere.wasm' }] });
  await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError, message: `${path}: file name "../elsewhere.wasm" is not a plain name (letters, digits, _ . -; no folders)` });
  writeFileSync(path, '{ "format": ');
  await t.throwsAsync(loadArtifact(path), { instanceOf: ArtifactError, message: new RegExp(`^${path.replace(/[.]/g, '\\.')} is not JSON: `) });
  await t.throwsAsync(loadArtifact(join(folder, 'nothing.json')), { instanceOf: ArtifactError, message: `no such file: ${join(folder, 'nothing.json')}` });
});

test('writing is all or nothing: when a file cannot be placed, nothing of the artifact is left, not even an older description', async (t) => {
  const folder = freshFolder();
  const artifact = blurArtifact().f.artifact({ name: 'blur' });
  await writeArtifact(folder, artifact);
  t.deepEqual(readdirSync(folder).sort(), ['blur.json', 'blur.wasm']);
  rmSync(join(folder, 'blur.wasm'));
  mkdirSync(join(folder, 'blur.wasm', 'inside'), { recursive: true }); // a folder where the binary goes: the rename fails
  const error = await t.throwsAsync(writeArtifact(folder, artifact, { 'blur.js': 'export {};' }), { instanceOf: ArtifactError });
  t.regex(error!.message, new RegExp(`^cannot write the artifact blur into ${folder}: .*; nothing of it was left there$`));
  t.deepEqual(readdirSync(folder).sort(), ['blur.wasm'], 'only the folder that was in the way: no temporary file, no blur.js, no stale blur.json');
  t.true(existsSync(join(folder, 'blur.wasm', 'inside')));
});

test('an output folder that cannot be created is refused, naming it', async (t) => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, '');
  const artifact = blurArtifact().f.artifact({ name: 'blur' });
  await t.throwsAsync(writeArtifact(join(file, 'out'), artifact), { instanceOf: ArtifactError, message: new RegExp(`^cannot create the output folder ${join(file, 'out')}: .*ENOTDIR`) });
  t.throws(() => blurArtifact().f.artifact({ name: '../up' }), { instanceOf: ArtifactError, message: 'artifact name "../up" is not a plain name: use letters, digits, _ . - (it names the files)' });
});

test("the version written into artifacts is package.json's", (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  t.is(TESSERA_VERSION, pkg.version);
});
