import { compile, placeholder, compute, sizeVar, pipeline, Schedule } from '../tessera.js';
const N = sizeVar('N');
const inp = placeholder('inp', [N], 'u8');
const out = compute('out', [N], (x) => inp.at(x).add(200).min(inp.at(x).shr(1)).max(7));
const p = pipeline(out);
const sch = new Schedule(p); sch.stage('out').vectorize('x', 16);
try { const f = compile(p, sch, { optimizeLevel: 0 }); console.log('O0 ok'); } catch (e) { console.log('O0', (e as Error).message.slice(0, 300)); }
const f = compile(p, sch, { optimizeLevel: 0 });
import binaryen from 'binaryen';
const m = binaryen.readBinary(f.binary!);
m.setFeatures(binaryen.Features.All);
console.log(m.emitText().split('\n').filter(l => /shr|min|max|add/.test(l)).slice(0, 20).join('\n'));
for (const pass of ['precompute', 'precompute-propagate', 'optimize-instructions', 'local-cse', 'simplify-locals', 'vacuum', 'merge-blocks']) {
  const mm = binaryen.readBinary(f.binary!); mm.setFeatures(binaryen.Features.All);
  try { mm.runPasses([pass]); console.log(pass, 'ok'); } catch (e) { console.log(pass, 'CRASH'); }
}
const mm = binaryen.readBinary(f.binary!); mm.setFeatures(binaryen.Features.All);
console.log(mm.emitText().split('\n').filter(l => /shr_u|splat/.test(l)).slice(0,5).join('\n'));
{ const mm = binaryen.readBinary(f.binary!); mm.setFeatures(binaryen.Features.All); binaryen.setOptimizeLevel(3);
  try { mm.optimize(); console.log('reread optimize ok'); } catch (e) { console.log('reread optimize CRASH'); } }
