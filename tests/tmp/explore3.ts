import fc from 'fast-check';
import { ALL } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { movesArb, applyMoves } from '../helpers/schedules.js';
const [name, N, seed] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const only = process.argv[5] ? process.argv[5].split(',').map(Number) : undefined;
const tp = ALL[name]!();
const samples = fc.sample(movesArb({ rfactor: ['matmul', 'conv2d', 'sliding_max'].includes(name) }), { numRuns: N, seed });
samples.forEach((moves, i) => {
  if (only && !only.includes(i)) return;
  const a = applyMoves(tp.pipeline, moves, { fuseIntermediate: true });
  try { const d = checkSchedule(tp, a.sch, { targets: ['wasm-simd', 'interp'] }); if (d) console.log(i, d.split('\n').slice(0, 3).join('\n'), '\nmoves', JSON.stringify(moves), '\nrefused', a.refused, '\n', a.sch.toCode()); } catch (e) { }
});
