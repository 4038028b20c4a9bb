import { compile } from '../tessera.js';
import { sgemmPipeline, sgemmSchedule } from '../examples/sgemm_pipeline.js';
const p = sgemmPipeline();
const f = compile(p, sgemmSchedule(p, { rows: Number(process.argv[2]), cols: Number(process.argv[3]) }));
console.log(f.wasmText);
