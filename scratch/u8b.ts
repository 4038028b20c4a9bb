import { compile, placeholder, compute, sizeVar, pipeline, Schedule, type Term } from '../tessera.js';
const cases: [string, (v: Term) => Term][] = [['add', (v) => v.add(200)], ['shr', (v) => v.shr(1)], ['max', (v) => v.max(7)], ['min', (v) => v.min(v.shr(1))], ['addmin', (v) => v.add(200).min(v)]];
for (const [name, fn] of cases) {
  const N = sizeVar('N');
  const inp = placeholder('inp', [N], 'u8');
  const out = compute('out', [N], (x) => fn(inp.at(x)));
  const p = pipeline(out);
  const sch = new Schedule(p); sch.stage('out').vectorize('x', 16);
  try { compile(p, sch); console.log(name, 'ok'); } catch (e) { console.log(name, 'CRASH', String(e).slice(0, 80)); }
}
