import fc from 'fast-check';
import { ALL } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { movesArb, applyMoves } from '../helpers/schedules.js';
import { ScheduleError } from '../../schedule/error.js';
const [name, N, seed, pat] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4]), new RegExp(process.argv[5]!)];
const tp = ALL[name]!();
const samples = fc.sample(movesArb({ rfactor: ['matmul', 'conv2d', 'sliding_max'].includes(name) }), { numRuns: N, seed });
for (const moves of samples) {
  const a = applyMoves(tp.pipeline, moves, { fuseIntermediate: true });
  try { checkSchedule(tp, a.sch, { targets: ['wasm-simd'] }); } catch (e) {
    if (pat.test((e as Error).message)) console.log((e as Error).message, '\n', a.sch.toCode(), '\n');
  }
}
