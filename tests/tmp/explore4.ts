import fc from 'fast-check';
import { ALL } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { movesArb, applyMoves } from '../helpers/schedules.js';
const [name, N, seed] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const tp = ALL[name]!();
const samples = fc.sample(movesArb({ rfactor: ['matmul', 'conv2d', 'sliding_max'].includes(name) }), { numRuns: N, seed });
samples.forEach((moves, i) => {
  const a = applyMoves(tp.pipeline, moves, { fuseIntermediate: true });
  if (/round_up|shift_inwards/.test(a.sch.toCode())) return;
  try { checkSchedule(tp, a.sch, { targets: ['wasm-simd'] }); } catch (e) { if ((e as Error).name === 'KernelError') console.log(i, (e as Error).message, '\n', a.sch.toCode()); }
});
