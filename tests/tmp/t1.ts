import { placeholder, compute, sizeVar, repeatEdge, pipeline } from '../../dsl/index.js';
import { Schedule } from '../../schedule/schedule.js';
import { compile } from '../../tessera.js';
let t0 = performance.now();
const H = sizeVar('H'), W = sizeVar('W');
const input = placeholder('input', [H, W], 'u16');
const clamped = repeatEdge(input);
const blurX = compute('blur_x', [H, W], (y, x) => clamped.at(y, x.sub(1)).add(clamped.at(y, x)).add(clamped.at(y, x.add(1))).div(3));
const blurY = compute('blur_y', [H, W], (y, x) => blurX.at(y.sub(1), x).add(blurX.at(y, x)).add(blurX.at(y.add(1), x)).div(3));
const p = pipeline(blurY);
console.log('import', performance.now()-t0);
for (let i = 0; i < 10; i++) {
  t0 = performance.now();
  const sch = new Schedule(p);
  sch.stage('blur_y').tile('y', 'x', 8, 32);
  sch.stage('blur_y').vectorize('xi', 8);
  sch.stage('blur_x').computeAt('blur_y', 'xo');
  sch.stage('blur_x').vectorize('x', 8);
  const f = compile(p, sch);
  const t1 = performance.now();
  const g = compile(p, sch, {target: 'interp'});
  console.log('compile', t1-t0, performance.now()-t1);
}
