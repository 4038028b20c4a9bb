import { placeholder, compute, pipeline, repeatEdge } from '../../dsl/index.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
import { evaluate } from '../../reference/evaluate.js';
const mk = () => {
  const input = placeholder('input', [13, 37], 'i32');
  const e = repeatEdge(input);
  const bx = compute('bx', [13, 37], (y, x) => e.at(y, x.sub(1)).add(e.at(y, x.add(1))));
  const by = compute('by', [13, 37], (y, x) => bx.at(y.sub(1), x).add(bx.at(y.add(1), x)));
  return pipeline(by);
};
for (const [label, f] of [
  ['fuse by', (s: Schedule) => s.stage('by').fuse('y', 'x')],
  ['fuse bx', (s: Schedule) => s.stage('bx').fuse('y', 'x')],
] as const) {
  const p = mk(); const s = new Schedule(p); f(s);
  const data = Int32Array.from({ length: 13 * 37 }, (_, i) => i * 7 % 101);
  try {
    const out = compile(p, s)({ input: { data, shape: [13, 37] } }).by!.data;
    const ref = evaluate(p, { input: { data, shape: [13, 37] } }).by!.data;
    console.log(label, out.every((v, i) => v === ref[i]) ? 'OK' : 'MISMATCH');
  } catch (e) { console.log(label, 'THREW', (e as Error).message); }
}
{
  const p = mk(); const s = new Schedule(p); s.stage('bx').fuse('y', 'x');
  const f = compile(p, s, { target: 'interp' });
  console.log(f.loweredText);
  const data = Int32Array.from({ length: 13 * 37 }, (_, i) => i * 7 % 101);
  const out = f({ input: { data, shape: [13, 37] } }).by!.data;
  const ref = evaluate(p, { input: { data, shape: [13, 37] } }).by!.data;
  const bad = [...out.keys()].filter((i) => out[i] !== ref[i]);
  console.log('interp bad', bad.length, bad.slice(0, 10), bad.slice(0, 3).map(i => [out[i], ref[i]]));
}
