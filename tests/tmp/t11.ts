import { placeholder, compute, sizeVar, pipeline, reduceAxis, sum } from '../../dsl/index.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
import { evaluate } from '../../reference/evaluate.js';
const mk = () => {
  const input = placeholder('input', [3, 4, 5], 'i32');
  const a = reduceAxis(4, 'a'), b = reduceAxis(5, 'b');
  return pipeline(compute('s', [3], (y) => sum(input.at(y, a, b), [a, b])));
};
const data = Int32Array.from({ length: 60 }, (_, i) => i * 7 % 13);
const go = (label: string, f: (s: Schedule) => void) => {
  const p = mk(); const s = new Schedule(p); f(s);
  try {
    const out = compile(p, s, {target: 'interp'})({ input: { data, shape: [3, 4, 5] } }).s!.data;
    const ref = evaluate(p, { input: { data, shape: [3, 4, 5] } }).s!.data;
    console.log(label, Array.from(out).join(), Array.from(ref).join());
  } catch (e) { console.log(label, 'THREW', (e as Error).name, (e as Error).message); }
};
go('rf b', (s) => { s.stage('s').rfactor('b'); });
go('rf b, rf a of rf', (s) => { const r = s.stage('s').rfactor('b'); s.stage(r).rfactor('a'); });
go('rf a, rf b of rf', (s) => { const r = s.stage('s').rfactor('a'); s.stage(r).rfactor('b'); });
go('rf b, rf b of s', (s) => { s.stage('s').rfactor('b'); s.stage('s').rfactor('b', { name: 's_rf2' }); });
