/**
 * The backbone: random LEGAL schedules of every test pipeline, compiled to WebAssembly SIMD (and run
 * on the IR interpreter too, which bounds-checks every access and so catches out-of-bounds reads
 * the wasm kernel would hide), compared with the definition-level reference evaluator: bit-exact for
 * integer outputs, within the tolerance of tests/helpers/compare.ts for floats.
 *
 * A schedule is drawn as a list of moves resolved against the current loops and legal compute sites
 * (tests/helpers/schedules.ts). The rules:
 *  - a primitive may refuse a move only with a ScheduleError, leaving the schedule unchanged;
 *  - compile may refuse a schedule only with a ScheduleError;
 *  - the kernel may refuse to run only with a bounds assert, and only when the schedule asks for
 *    over-computation that really leaves a shape (`expectedRefusal`);
 *  - everything else must match the reference.
 * Most drawn schedules must actually run (checked per pipeline). Failures print the schedule as code.
 *
 * Known bugs (each with a failing test in primitives.test.ts) are steered around: AVOID_KNOWN_BUGS.
 * Reproduce a failure with its seed (printed by fast-check) in TESSERA_FC_SEED; TESSERA_FC_RUNS
 * scales the number of runs (e.g. 10 for a long local run).
 */
import test from 'ava';
import fc from 'fast-check';
import { ScheduleError } from '../schedule/error.js';
import { ALL } from './helpers/pipelines.js';
import { checkSchedule, TARGETS } from './helpers/compare.js';
import { movesArb, applyMoves, AVOID_KNOWN_BUGS, expectedRefusal } from './helpers/schedules.js';

const SCALE = Number(process.env.TESSERA_FC_RUNS ?? 1);
const SEED = process.env.TESSERA_FC_SEED === undefined ? undefined : Number(process.env.TESSERA_FC_SEED);

const CASES: readonly { key: string; runs: number; rfactor: boolean }[] = [
  { key: 'blur_u16', runs: 60, rfactor: false },
  { key: 'blur_f32', runs: 50, rfactor: false },
  { key: 'matmul', runs: 60, rfactor: true },
  { key: 'conv2d', runs: 40, rfactor: true },
  { key: 'sliding_max', runs: 80, rfactor: true },
  { key: 'three_stage', runs: 80, rfactor: false },
  { key: 'cast_u8_i16', runs: 80, rfactor: false },
];

for (const [index, c] of CASES.entries()) {
  test(`property: random legal schedules of ${c.key} match the reference`, (t) => {
    const tp = ALL[c.key]!();
    const stats = { ran: 0, refusedAtCompile: 0, refusedAtRun: 0, movesRefused: 0, movesApplied: 0 };
    const numRuns = Math.max(1, Math.round(c.runs * SCALE));
    fc.assert(fc.property(movesArb({ rfactor: c.rfactor }), (moves) => {
      // Throws (failing the property) if a primitive refuses a move with anything but a ScheduleError.
      const { sch, applied, refused } = applyMoves(tp.pipeline, moves, AVOID_KNOWN_BUGS);
      stats.movesApplied += applied;
      stats.movesRefused += refused.length;
      let diff: string | undefined;
      try {
        diff = checkSchedule(tp, sch, { targets: TARGETS });
      } catch (e) {
        const err = e as Error;
        if (err instanceof ScheduleError) { stats.refusedAtCompile++; return; }
        const excuse = /is (read|written) over/.test(err.message) ? expectedRefusal(sch, tp.sizes, tp.directReaders) : undefined;
        if (excuse) { stats.refusedAtRun++; return; }
        throw new Error(`${tp.name}: ${err.name}: ${err.message}\nschedule:\n${sch.toCode()}`, { cause: err });
      }
      if (diff) throw new Error(diff);
      stats.ran++;
    }), { numRuns, seed: SEED ?? 20261121 + index, interruptAfterTimeLimit: 90_000, includeErrorInReport: true });
    t.log(`${tp.name}: ${JSON.stringify(stats)}`);
    // Most schedules must compile and run: a generator drifting into refusals would test nothing.
    t.true(stats.ran >= numRuns * 0.6, `only ${stats.ran} of ${numRuns} schedules ran: ${JSON.stringify(stats)}`);
    t.true(stats.movesApplied > stats.movesRefused, JSON.stringify(stats));
  });
}
