import { compile, Schedule } from '../tessera.js';
import { threeStage } from '../tests/helpers/pipelines.js';
const tp = threeStage();
const sch = new Schedule(tp.pipeline); sch.stage('f').fuse('y', 'x');
try { const f = compile(tp.pipeline, sch); console.log('compiled'); console.log(f.loweredText.slice(0, 3000)); } catch (e) { console.log(String(e).slice(0, 600)); }
