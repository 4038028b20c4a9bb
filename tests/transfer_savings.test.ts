/**
 * The transfer figure (bench/transfer_savings.ts): runs compared by speedup over their own op
 * schedules, the trials each needed to reach the run from nothing's final speedup.
 */
import test from 'ava';
import { transferSavings } from '../bench/transfer_savings.js';
import { completedCurve } from '../model/tuning_curve.js';

const curve = (points: readonly [number, number][]) => points.map(([trials, ms]) => ({ trials, estimatedSeconds: ms / 1e3 }));

test('trials saved: where the seeded run first reached the final speedup of the run from nothing', (t) => {
  // From nothing: 10 ms of op schedules, 5 ms after 60 trials (2x), first reached at 60.
  const without = { baselineSeconds: 10e-3, curve: curve([[10, 9], [20, 8], [40, 6], [60, 5], [80, 5], [100, 5]]) };
  // Seeded, on a machine 1.5x slower in that run: 15 ms of op schedules, 2x (7.5 ms) after 20 trials.
  const seeded = { baselineSeconds: 15e-3, curve: curve([[10, 9], [20, 7.5], [40, 7], [100, 6]]) };
  const s = transferSavings(without, seeded);
  t.is(s.targetSpeedup, 2);
  t.is(s.trialsWithout, 60);
  t.is(s.trialsWith, 20, 'by speedup, not by milliseconds (7.5 ms is slower than 5 ms, but 2x of its own run)');
  t.is(s.trialsSaved, 40);
  t.deepEqual(s.speedupAt.map((p) => p.share), [0.1, 0.5, 1]);
  t.is(s.speedupAt[0]!.without, 10 / 9);
  t.is(s.speedupAt[1]!.without, 2, 'after 50 of 100 trials: the first point at or past 50 (60)');
  t.is(s.speedupAt[2]!.with, 15 / 6);
});

test('a seeded run that never reaches the target saves nothing it can claim; empty curves and bad baselines are refused', (t) => {
  const without = { baselineSeconds: 10e-3, curve: curve([[10, 8], [20, 4]]) };
  const seeded = { baselineSeconds: 10e-3, curve: curve([[10, 6], [20, 5]]) };
  const s = transferSavings(without, seeded);
  t.is(s.trialsWithout, 20);
  t.is(s.trialsWith, undefined);
  t.is(s.trialsSaved, undefined);
  t.throws(() => transferSavings({ ...without, curve: [] }, seeded), { message: /run from nothing has an empty curve/ });
  t.throws(() => transferSavings(without, { ...seeded, baselineSeconds: 0 }), { message: /seeded run's op-schedule estimate must be positive/ });
});

test('a tuning run\'s curve counts every kernel from the first round, at its op schedule until one of its tasks is measured; alternatives count once, by the fastest', (t) => {
  const tasks = [
    { key: 'a', choice: 'a', weight: 2, baselineSeconds: 4e-3 },
    { key: 'a-winograd', choice: 'a', weight: 2, baselineSeconds: 5e-3 },
    { key: 'b', choice: 'b', weight: 1, baselineSeconds: 2e-3 },
    { key: 'c', choice: 'c', weight: 1 },
  ];
  const ms = (rounds: Parameters<typeof completedCurve>[1]) => completedCurve(tasks, rounds).map((p) => Math.round(p.estimatedSeconds * 1e6) / 1e3);
  // Op schedules: 2 x 4 + 2 = 10 ms, whichever task is measured first; c, whose op schedule has no time, at its fastest (1 ms) throughout.
  t.deepEqual(ms([{ trials: 4, task: 2, bestSeconds: 1e-3 }, { trials: 8, task: 1, bestSeconds: 3e-3 }, { trials: 12, task: 0, bestSeconds: 3.5e-3 }, { trials: 16, task: 3, bestSeconds: 1e-3 }]), [10, 8, 8, 8]);
  t.deepEqual(completedCurve(tasks, [{ trials: 4, task: 0 }]).map((p) => p.trials), [4]);
  t.is(completedCurve(tasks, [{ trials: 4, task: 0 }])[0]!.estimatedSeconds, 10e-3, 'a round without a time: the op schedules, c at 0 (no time at all)');
  t.throws(() => completedCurve(tasks, [{ trials: 1, task: 4 }]), { instanceOf: RangeError, message: /round task 4 is not one of the 4 tasks/ });
});
