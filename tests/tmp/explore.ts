import fc from 'fast-check';
import { ALL } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
import { movesArb, applyMoves, AVOID_KNOWN_BUGS, expectedRefusal } from '../helpers/schedules.js';
import { ScheduleError } from '../../schedule/error.js';
const which = process.argv[2]?.split(',') ?? Object.keys(ALL);
const N = Number(process.argv[3] ?? 60);
const seed = Number(process.argv[4] ?? 1);
for (const name of which) {
  const tp = ALL[name]!();
  const samples = fc.sample(movesArb({ rfactor: ['matmul', 'conv2d', 'sliding_max'].includes(name), maxMoves: Number(process.env.MAXMOVES ?? 10) }), { numRuns: N, seed });
  let ok = 0, compileRefused = 0, bad = 0, kern = 0; const t0 = performance.now();
  const reasons = new Map<string, number>();
  for (const moves of samples) {
    let a;
    try { a = applyMoves(tp.pipeline, moves, AVOID_KNOWN_BUGS); } catch (e) { bad++; console.log('APPLY-BUG', (e as Error).message); continue; }
    try {
      const d = checkSchedule(tp, a.sch, { targets: ['wasm-simd', 'interp'] });
      if (d) { bad++; console.log('MISMATCH', d, '\n'); } else ok++;
    } catch (e) {
      if (e instanceof ScheduleError) { compileRefused++; const k = e.message.split('\n')[0]!.replace(/\d+/g, '#').slice(0, 110); reasons.set(k, (reasons.get(k) ?? 0) + 1); }
      else if (/is (read|written) over/.test((e as Error).message) && expectedRefusal(a.sch, tp.sizes, tp.directReaders)) kern++;
      else { bad++; console.log('THREW', (e as Error).name, (e as Error).message.slice(0, 500), '\n', a.sch.toCode(), '\n'); }
    }
  }
  console.log(`== ${name}: ok ${ok} refusedAtCompile ${compileRefused} kernelRefused ${kern} bad ${bad} ${(performance.now() - t0).toFixed(0)}ms`);
  for (const [k, v] of reasons) console.log('   ', v, k);
}
