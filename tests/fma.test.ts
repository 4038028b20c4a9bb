/**
 * The fma option: f32 vector a * b + c as f32x4.relaxed_madd (WebAssembly relaxed SIMD) or as a
 * multiply then an add. Node 20's V8 runs relaxed SIMD only with --experimental-wasm-relaxed-simd,
 * so the 'relaxed' kernels are run in a child process with that flag (when this engine lacks it).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Schedule } from '../schedule/schedule.js';
import { compile, KernelError, lower } from '../tessera.js';
import { compileToWasm } from '../codegen/wasm/module.js';
import { watOf } from '../codegen/wasm/wat.js';
import { WasmKernel } from '../runtime/wasm_kernel.js';
import { relaxedSimdSupported } from '../runtime/wasm_features.js';
import { pointwise, matmul, blurF32 } from './helpers/pipelines.js';
import { assertMatches, checkSchedule } from './helpers/compare.js';

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

function vectorizedPointwise() {
  const tp = pointwise('f32');
  const sch = new Schedule(tp.pipeline);
  sch.stage('out').vectorize('x', 8);
  return { tp, sch };
}

test("fma 'none': no relaxed instruction in the module, results match the reference", async (t) => {
  const { tp, sch } = vectorizedPointwise();
  const f = compile(tp.pipeline, sch, { fma: 'none' });
  t.is(f.signature.fma, 'none');
  const wat = await watOf(f.binary!);
  t.false(wat.includes('relaxed'), 'the module uses a relaxed-SIMD instruction');
  t.true(wat.includes('f32x4.mul') && wat.includes('f32x4.add'));
  assertMatches(t, tp, sch, { fma: 'none' });
});

test("fma 'auto' uses relaxed_madd exactly when this engine has relaxed SIMD", async (t) => {
  const { tp, sch } = vectorizedPointwise();
  const f = compile(tp.pipeline, sch);
  const wat = await watOf(f.binary!);
  t.is(f.signature.fma, relaxedSimdSupported() ? 'relaxed' : 'none');
  t.is(wat.includes('f32x4.relaxed_madd'), relaxedSimdSupported());
  t.log(`this engine (Node ${process.versions.node}, V8 ${process.versions.v8}) has relaxed SIMD: ${relaxedSimdSupported()}`);
  assertMatches(t, tp, sch);
});

test("fma 'relaxed' emits relaxed_madd only where there is an f32 vector multiply-add", async (t) => {
  const { tp, sch } = vectorizedPointwise();
  const art = compileToWasm(lower(tp.pipeline, sch).func, { fma: 'relaxed' });
  t.is(art.signature.fma, 'relaxed');
  t.is((await watOf(art.binary)).match(/f32x4\.relaxed_madd/g)?.length, 2, 'one per f32x4 chunk of the 8 lanes');
  // No multiply-add (blur: adds and a division): nothing relaxed, so the kernel runs anywhere.
  const blur = blurF32();
  const bs = new Schedule(blur.pipeline);
  bs.stage('blur_y').vectorize('x', 8);
  const plain = compileToWasm(lower(blur.pipeline, bs).func, { fma: 'relaxed' });
  t.is(plain.signature.fma, 'none');
  t.false((await watOf(plain.binary)).includes('relaxed'));
  t.is(checkSchedule(blur, bs, { fma: 'relaxed' }), undefined);
});

test("fma 'relaxed' on an engine without relaxed SIMD: the runtime refuses the kernel with a clear error", (t) => {
  if (relaxedSimdSupported()) { t.pass('this engine has relaxed SIMD; nothing to refuse'); return; }
  const { tp, sch } = vectorizedPointwise();
  const art = compileToWasm(lower(tp.pipeline, sch).func, { fma: 'relaxed' });
  t.throws(() => WasmKernel.instantiate(art.binary, art.signature), {
    instanceOf: KernelError,
    message: "out: the kernel was compiled with fma 'relaxed' and uses f32x4.relaxed_madd, but this WebAssembly engine has no relaxed SIMD (Node 20: run node with --experimental-wasm-relaxed-simd); compile it with fma: 'none' or 'auto' for this engine",
  });
  t.throws(() => compile(tp.pipeline, sch, { fma: 'relaxed' }), { instanceOf: KernelError, message: /has no relaxed SIMD/ });
  t.false(WebAssembly.validate(art.binary as BufferSource), 'the engine itself rejects the module');
});

test("fma 'relaxed' kernels match the reference on an engine with relaxed SIMD (child process)", async (t) => {
  const script = fileURLToPath(new URL('./helpers/relaxed_simd_run.ts', import.meta.url));
  const flags = relaxedSimdSupported() ? [] : [RELAXED_FLAG];
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--import', 'tsx', script], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const result = JSON.parse(stdout) as { supported: boolean; cases: { name: string; fma: string; madds: number; diff: string | null }[] };
  t.true(result.supported, `the child (node ${flags.join(' ')}) has no relaxed SIMD`);
  t.is(result.cases.length, 2);
  for (const c of result.cases) {
    t.is(c.fma, 'relaxed', c.name);
    t.true(c.madds > 0, `${c.name}: no relaxed_madd emitted`);
    t.is(c.diff, null, `${c.name}: ${c.diff}`);
  }
});

test('fma applies to wasm only: the interpreter gives the same results whatever the option', (t) => {
  const tp = matmul();
  for (const fma of ['auto', 'none'] as const) assertMatches(t, tp, undefined, { fma, targets: ['interp', 'wasm-simd'] });
});
