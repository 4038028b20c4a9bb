import { compile } from '../tessera.js';
import { sgemmPipeline, sgemmSchedule } from '../examples/sgemm_pipeline.js';
import { watOf } from '../codegen/wasm/wat.js';
const p = sgemmPipeline();
const f = compile(p, sgemmSchedule(p));
const t = await watOf(f.binary!);
console.log(t.split('\n').length, 'lines'); console.log(t.split('\n').filter((l) => l.includes('f32x4.mul')).slice(0, 3).join('\n'));
