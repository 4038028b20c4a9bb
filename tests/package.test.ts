/**
 * The npm package as a user gets it: `npm pack` (which builds dist/), then `npm install` of the tarball
 * into an empty project, without the optional dependencies and without tsx. There, in plain Node:
 * `import { compile, ... } from 'tessera'` defines, schedules, compiles and runs the blur; the
 * installed `tessera compile` writes an artifact of a .js module, whose loader and
 * `loadArtifact` from 'tessera/runtime' run it; a .ts module is refused saying tsx is needed;
 * `tessera/runtime` reaches neither binaryen nor compiler code; WebGPU without the `webgpu` package
 * is a GpuUnavailableError that says how to install it; and tsc checks a consumer against the
 * package's .d.ts files and the artifact's typings (a wrong dtype is a type error). All outputs are
 * compared with the reference evaluator.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { blurPipeline } from '../examples/blur_pipeline.js';
import { evaluate } from '../reference/evaluate.js';
import { readImage, toPlanar } from '../io/image.js';
import { diffArrays } from './helpers/compare.js';
import { REPO_ROOT } from './helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-package-'));
const project = join(scratch, 'project');
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a command; fails with its output when it exits non-zero (unless `allowFailure`). */
function sh(command: string, args: readonly string[], cwd: string, allowFailure = false) {
  const env = { ...process.env, NODE_OPTIONS: '', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0 && !allowFailure) throw new Error(`${command} ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const MODULE_JS = `// A Tessera module for the CLI, in plain JavaScript, using the installed package.
import { compute, placeholder, pipeline, repeatEdge, sizeVar, Schedule } from 'tessera';

function blur() {
  const C = sizeVar('C'), H = sizeVar('H'), W = sizeVar('W');
  const clamped = repeatEdge(placeholder('input', [C, H, W], 'u16'));
  const axes = ['c', 'y', 'x'];
  const blurX = compute('blur_x', [C, H, W], (c, y, x) => clamped.at(c, y, x.sub(1)).add(clamped.at(c, y, x)).add(clamped.at(c, y, x.add(1))).div(3), { axes });
  const blurY = compute('blur_y', [C, H, W], (c, y, x) => blurX.at(c, y.sub(1), x).add(blurX.at(c, y, x)).add(blurX.at(c, y.add(1), x)).div(3), { axes });
  return pipeline(blurY);
}

function tiled(p) {
  const sch = new Schedule(p);
  sch.stage('blur_y').tile('y', 'x', 32, 64);
  sch.stage('blur_y').vectorize('xi', 16);
  sch.stage('blur_y').parallel('yo');
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  sch.stage('blur_x').vectorize('x', 16);
  return sch;
}

export const pipelines = { blur: { pipeline: blur, schedules: { tiled }, work: { pixels: 'H * W' } } };
export { blur, tiled };
`;

/** Compiles and runs the blur with the compiler from the package; prints the output as JSON. */
const COMPILE_AND_RUN = `import { readFileSync } from 'node:fs';
import { compile, KernelError, ScheduleError, ArtifactError, WasmKernel } from 'tessera';
import { blur, tiled } from './module.mjs';
const [shape, file] = [JSON.parse(process.argv[2]), process.argv[3]];
const p = blur();
const f = compile(p, tiled(p));
const data = new Uint16Array(readFileSync(file).buffer.slice(0));
const { blur_y } = f({ input: { data, shape } });
if (!(f.kernel instanceof WasmKernel) || typeof KernelError !== 'function' || typeof ScheduleError !== 'function' || typeof ArtifactError !== 'function') throw new Error('exports missing');
process.stdout.write(JSON.stringify(Array.from(blur_y.data)));
`;

/** Runs the artifact through its loader and through loadArtifact, with the runtime alone. */
const RUN_ARTIFACT = `import { readFileSync } from 'node:fs';
import load from './out/blur/blur.js';
import { loadArtifact, ArtifactError } from 'tessera/runtime';
const [shape, file] = [JSON.parse(process.argv[2]), process.argv[3]];
const data = new Uint16Array(readFileSync(file).buffer.slice(0));
const viaLoader = (await load())({ input: { data, shape } }).blur_y.data;
const viaPath = (await loadArtifact('out/blur/blur.json'))({ input: { data, shape } }).blur_y.data;
const refused = await loadArtifact('out/blur/missing.json').then(() => 'loaded', (e) => e instanceof ArtifactError ? e.message : 'another error: ' + e);
process.stdout.write(JSON.stringify({ viaLoader: Array.from(viaLoader), same: viaPath.every((v, i) => v === viaLoader[i]), refused }));
`;

const NO_GPU = `import { acquireGpu, GpuUnavailableError } from 'tessera/runtime';
try { await acquireGpu(); console.log('acquired'); } catch (e) { console.log(e instanceof GpuUnavailableError ? e.message : 'another error: ' + e); }
`;

/** A TypeScript consumer: typechecks against the package's .d.ts and the artifact's typings. */
const CONSUMER_TS = `import load from './out/blur/blur.js';
import { compile, pipeline, placeholder, compute, sizeVar, Schedule, ScheduleError, type Tensor, type CompiledPipeline } from 'tessera';
import { loadArtifact, ThreadPool, type LoadedArtifact, type WasmKernelDescription } from 'tessera/runtime';

const H = sizeVar('H');
const double = compute('double', [H], (i) => placeholder('x', [H], 'f32').at(i).mul(2));
const p = pipeline(double);
const f: CompiledPipeline = compile(p, new Schedule(p));
const out: Tensor = f({ x: { data: new Float32Array(4), shape: [4] } }).double!;
const blur = await load();
const y: Uint16Array = blur({ input: { data: new Uint16Array(12), shape: [3, 2, 2] } }).blur_y.data;
// @ts-expect-error the blur's input holds u16, not f32
blur({ input: { data: new Float32Array(12), shape: [3, 2, 2] } });
// @ts-expect-error the input has three dimensions
blur({ input: { data: new Uint16Array(4), shape: [2, 2] } });
const d: WasmKernelDescription = blur.description;
const a: LoadedArtifact = await loadArtifact('out/blur/blur.json');
const pool: Promise<ThreadPool> = ThreadPool.create(1);
export { out, y, d, a, pool, ScheduleError };
`;

test('the packed package installs into an empty project and works there in plain Node, without tsx or optional dependencies', async (t) => {
  // npm pack runs the build (prepack) and lists what the tarball holds.
  const pack = sh('npm', ['pack', '--json', '--pack-destination', scratch], REPO_ROOT);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as [{ filename: string; files: { path: string }[]; size: number }];
  const files = info.files.map((f) => f.path);
  for (const f of ['dist/tessera.js', 'dist/runtime.js', 'dist/cli.js', 'dist/types/tessera.d.ts', 'dist/types/runtime/index.d.ts', 'bin/tessera.js', 'LICENSE', 'README.md', 'package.json']) {
    t.true(files.includes(f), `the tarball holds ${f}`);
  }
  t.deepEqual(files.filter((f) => /^(tests|cli|dsl|lower|codegen|schedule|runtime|examples|bench)\//.test(f)), [], 'no sources or tests: the package runs dist/');
  t.log(`tarball ${info.filename}: ${files.length} files, ${(info.size / 1024).toFixed(0)} KiB`);

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  sh('npm', ['install', '--prefer-offline', '--omit=optional', '--no-package-lock', join(scratch, info.filename)], project);
  for (const absent of ['tsx', 'webgpu', 'pngjs', 'jpeg-js', 'wabt']) t.false(existsSync(join(project, 'node_modules', absent)), `${absent} is not installed`);
  t.true(existsSync(join(project, 'node_modules', 'binaryen')), 'binaryen, the compiler dependency, is');

  const photo = toPlanar(readImage(join(REPO_ROOT, 'examples/data/chelsea.png')), 'u16');
  const photoFile = join(scratch, 'photo.bin');
  writeFileSync(photoFile, photo.data);
  const want = evaluate(blurPipeline('u16'), { input: photo }, { C: 3, H: photo.shape[1], W: photo.shape[2] }).blur_y!;
  const shape = JSON.stringify(photo.shape);

  writeFileSync(join(project, 'module.mjs'), MODULE_JS);
  writeFileSync(join(project, 'compile_and_run.mjs'), COMPILE_AND_RUN);
  const compiled = JSON.parse(sh(process.execPath, ['compile_and_run.mjs', shape, photoFile], project).stdout) as number[];
  t.is(diffArrays("blur_y (import { compile } from 'tessera')", Uint16Array.from(compiled), want.data, want.shape, false), undefined);

  const cli = sh(process.execPath, ['node_modules/.bin/tessera', 'compile', 'module.mjs', '--schedule', 'tiled', '-o', 'out/blur'], project);
  t.regex(cli.stderr, /compiled pipeline blur of module\.mjs with schedule tiled for wasm-simd/);
  t.true(existsSync(join(project, 'out/blur/blur.wasm')));
  writeFileSync(join(project, 'run_artifact.mjs'), RUN_ARTIFACT);
  const ran = JSON.parse(sh(process.execPath, ['run_artifact.mjs', shape, photoFile], project).stdout) as { viaLoader: number[]; same: boolean; refused: string };
  t.is(diffArrays("blur_y (the artifact, with 'tessera/runtime' alone)", Uint16Array.from(ran.viaLoader), want.data, want.shape, false), undefined);
  t.true(ran.same, 'loadArtifact(path) gives the same');
  t.is(ran.refused, `no such file: ${resolve(project, 'out/blur/missing.json')}`);

  writeFileSync(join(project, 'module.ts'), MODULE_JS);
  const ts = sh(process.execPath, ['node_modules/.bin/tessera', 'compile', 'module.ts'], project, true);
  t.is(ts.status, 1);
  t.is(ts.stderr, 'tessera compile: cannot load module module.ts: TypeScript modules need tsx (npm install --save-dev tsx), or compile the module to .js\n');

  writeFileSync(join(project, 'no_gpu.mjs'), NO_GPU);
  t.regex(sh(process.execPath, ['no_gpu.mjs'], project).stdout, /^WebGPU is unavailable: the `webgpu` package \(Dawn for Node\) cannot be loaded .*install it with `npm install webgpu`/);

  // The runtime entry's import closure in the installed files: no binaryen, no compiler code.
  const dist = join(project, 'node_modules/tessera/dist');
  const seen = new Set<string>(), bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(join(dist, 'runtime.js'));
  t.deepEqual([...bare], [], 'tessera/runtime imports no package');
  const closure = [...seen].map((f) => readFileSync(f, 'utf8')).join('\n');
  for (const compilerName of ['binaryen', 'compileToWasm', 'lowerForGpu', 'class Schedule', 'class Pipeline', 'simplifyStmt']) {
    t.false(closure.includes(compilerName), `tessera/runtime's files hold no ${compilerName}`);
  }

  writeFileSync(join(project, 'consumer.ts'), CONSUMER_TS);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'], types: [] },
    files: ['consumer.ts'],
  }));
  const tsc = sh(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project, true);
  t.is(tsc.status, 0, `tsc on a consumer of the package:\n${tsc.stdout}${tsc.stderr}`);
});
