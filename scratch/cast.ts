import { compile, Schedule } from '../tessera.js';
import { castPipeline } from '../tests/helpers/pipelines.js';
const tp = castPipeline();
const sch = new Schedule(tp.pipeline); sch.stage('wide').computeInline(); sch.stage('narrow').vectorize('x', 16);
try { compile(tp.pipeline, sch); console.log('ok'); } catch (e) { console.log('CRASH'); }
const f = compile(tp.pipeline, sch, { optimizeLevel: 0 });
console.log(f.loweredText.split('\n').filter((l) => l.includes('narrow[ramp')).slice(0, 1).join('\n').slice(0, 1500));
