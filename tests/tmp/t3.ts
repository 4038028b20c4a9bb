import { ALL, rowMax, rowSum, pointwise } from '../helpers/pipelines.js';
import { checkSchedule } from '../helpers/compare.js';
const all = { ...ALL, rowMax: () => rowMax(), rowSum: () => rowSum(), pw8: () => pointwise('u8'), pwf: () => pointwise('f32') };
for (const [n, mk] of Object.entries(all)) {
  const tp = mk();
  const t0 = performance.now();
  let d;
  try { d = checkSchedule(tp, undefined); } catch (e) { d = 'THREW ' + (e as Error).stack; }
  console.log(n, (performance.now() - t0).toFixed(0), d ?? 'OK');
}
