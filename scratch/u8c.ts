import { compile, placeholder, compute, sizeVar, pipeline, Schedule, type Term } from '../tessera.js';
const cases: [string, (v: Term) => Term][] = [['full', (v) => v.add(200).min(v.shr(1)).max(7)], ['minmax', (v) => v.min(v.shr(1)).max(7)], ['addmax', (v) => v.add(200).max(7)], ['shrmax', (v) => v.shr(1).max(7)]];
for (const [name, fn] of cases) {
  const N = sizeVar('N');
  const inp = placeholder('inp', [N], 'u8');
  const out = compute('out', [N], (x) => fn(inp.at(x)));
  const p = pipeline(out);
  const sch = new Schedule(p); sch.stage('out').vectorize('x', 16);
  try { const f = compile(p, sch); console.log(name, 'ok'); } catch (e) { console.log(name, 'CRASH', String(e).slice(0, 80)); const f = compile(p, sch, {optimizeLevel: 0}); console.log(f.loweredText); }
}
