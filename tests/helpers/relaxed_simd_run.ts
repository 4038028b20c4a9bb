/**
 * Run by tests/fma.test.ts in a child process whose engine has relaxed SIMD (Node 20: node
 * --experimental-wasm-relaxed-simd): compiles f32 schedules with fma 'relaxed' and compares them with
 * the reference evaluator (within the float tolerance of compare.ts; relaxed_madd may round once).
 * Prints one JSON line: { supported, cases: [{ name, fma, madds, diff }] }.
 */
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
import { watOf } from '../../codegen/wasm/wat.js';
import { relaxedSimdSupported } from '../../runtime/wasm_features.js';
import { sgemmSchedule } from '../../examples/sgemm_pipeline.js';
import { type TestPipeline, matmul, pointwise } from './pipelines.js';
import { checkCompiled } from './compare.js';

const cases: [string, TestPipeline, (sch: Schedule) => void][] = [
  ['pointwise f32, x vectorized by 8', pointwise('f32'), (sch) => { sch.stage('out').vectorize('x', 8); }],
  ['matmul 13 x 37 x 11, the SGEMM example schedule', matmul(), () => undefined],
];

const out = [];
for (const [name, tp, schedule] of cases) {
  const sch = name.includes('SGEMM') ? sgemmSchedule(tp.pipeline) : new Schedule(tp.pipeline);
  schedule(sch);
  const f = compile(tp.pipeline, sch, { fma: 'relaxed' });
  const madds = ((await watOf(f.binary!)).match(/f32x4\.relaxed_madd/g) ?? []).length;
  out.push({ name, fma: f.signature.fma, madds, diff: checkCompiled(tp, f, 1) ?? checkCompiled(tp, f, 2) ?? null });
}
process.stdout.write(`${JSON.stringify({ supported: relaxedSimdSupported(), cases: out })}\n`);
