/**
 * Tessera's f32 exp, log, tanh, sigmoid and erf on WebGPU (SwiftShader's Vulkan without a GPU;
 * scripts/test.mjs sets VK_ICD_FILENAMES): the WGSL is the same polynomial arithmetic as the
 * WebAssembly code, compared with the reference evaluator. WGSL lets an implementation divide within
 * 2.5 ulp and flush subnormal values to zero (WGSL §15.7.2, "Floating Point Accuracy"), so results
 * may differ by a few ulps where the approximation divides (tanh, sigmoid, erf) and by 2^-126 where
 * a value is subnormal; everything else is correctly rounded there as in WebAssembly. Inputs are
 * finite and normal, since WGSL does not promise infinities or NaN either. The test logs how many
 * results are bit-identical to the reference.
 */
import { requireGpu } from './helpers/environment.js';
import { acquireGpu, compileGpu, Schedule, type GpuContext, placeholder, compute, sizeVar, pipeline } from '../tessera.js';
import { evaluate } from '../reference/evaluate.js';
import { randomTensor } from './helpers/pipelines.js';
import { type F32Fn, F32_FNS, DSL_FN, DOMAIN, ulpOf, sweep, pointwisePipeline, sameBits } from './helpers/math.js';

const { test } = await requireGpu(import.meta.url);

let ctx: GpuContext;
test.before(async () => { ctx = await acquireGpu(); });
test.after.always(() => ctx?.destroy());

/** Finite, normal inputs across each function's domain and results that stay finite. */
function gpuInputs(fn: F32Fn): Float32Array {
  const [lo, hi] = fn === 'exp' ? [-104, 88.5] : fn === 'log' ? [2 ** -126, 3e38] : DOMAIN[fn];
  return sweep([lo, hi], 1 << 20, 2048).filter((x) => x === 0 || Math.abs(x) >= 2 ** -126);
}

const TOLERANCE_ULP = 4;

for (const fn of F32_FNS) {
  test(`webgpu: f32 ${fn} matches the reference within ${TOLERANCE_ULP} ulp (+ 2^-126 for flushed subnormals), scalar and vec4`, async (t) => {
    const data = gpuInputs(fn);
    const n = data.length;
    const { pipeline: p, out } = pointwisePipeline(DSL_FN[fn]);
    const want = evaluate(p, { input: { data, shape: [n] } }).out!.data;
    for (const lanes of [1, 4]) {
      const sch = new Schedule(p);
      if (lanes === 1) {
        sch.stage(out).split('i', 64, { tail: 'guard' });
        sch.stage(out).gpuBlocks('io').gpuThreads('ii');
      } else {
        sch.stage(out).split('i', 256, { tail: 'guard' });
        sch.stage(out).split('ii', 4, { outer: 'it', inner: 'iv' });
        sch.stage(out).vectorize('iv');
        sch.stage(out).gpuBlocks('io').gpuThreads('it');
      }
      const f = await compileGpu(p, sch, { context: ctx });
      t.notRegex(f.program.kernels.map((k) => k.wgsl).join('\n'), new RegExp(`\\b${fn}\\(`), 'the WGSL builtin must not be used');
      const got = (await f({ input: { data, shape: [n] } })).out!.data;
      let identical = 0, worst = 0, at = 0;
      for (let i = 0; i < n; i++) {
        if (sameBits(got[i]!, want[i]!)) { identical++; continue; }
        const ulps = Math.max(0, Math.abs(got[i]! - want[i]!) - 2 ** -126) / ulpOf(want[i]!);
        if (!(ulps <= worst)) { worst = ulps; at = data[i]!; }
      }
      t.log(`${lanes} lane(s): ${identical} of ${n} results bit-identical to the reference; the others within ${worst.toFixed(2)} ulp (at ${at})`);
      t.true(worst <= TOLERANCE_ULP, `${fn} with ${lanes} lane(s): ${worst} ulp at ${at}`);
    }
  });
}

test('webgpu: reinterpret between f32 and i32 exchanges IEEE 754 bit patterns', async (t) => {
  const N = sizeVar('N');
  const input = placeholder('input', [N], 'f32');
  const bits = compute('bits', [N], (i) => input.at(i).reinterpret('i32'));
  const next = compute('next', [N], (i) => bits.at(i).add(1).reinterpret('f32'));
  const p = pipeline(bits, next);
  const tensor = randomTensor('f32', [300], 3, -1e6, 1e6);
  const sch = new Schedule(p);
  for (const s of [bits, next]) {
    sch.stage(s).split('i', 64, { tail: 'guard' });
    sch.stage(s).gpuBlocks('io').gpuThreads('ii');
  }
  const got = await (await compileGpu(p, sch, { context: ctx }))({ input: tensor });
  const want = evaluate(p, { input: tensor });
  t.deepEqual(Array.from(got.bits!.data), Array.from(want.bits!.data));
  t.deepEqual(Array.from(got.next!.data), Array.from(want.next!.data));
});
