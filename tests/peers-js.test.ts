import test from 'ava';
import { blurTwoPassF32, blurTwoPassU16, sgemmIKJ } from '../bench/peers/js.ts';

// 3x3 input, row-major.
const input = [
  3, 0, 6,
  9, 30, 0,
  0, 12, 3,
];

test('blurTwoPassU16 matches a hand-computed 3x3 example', (t) => {
  // Horizontal pass, clamped, floor(sum / 3):
  //   row 0: (3+3+0)/3=2   (3+0+6)/3=3    (0+6+6)/3=4
  //   row 1: (9+9+30)/3=16 (9+30+0)/3=13  (30+0+0)/3=10
  //   row 2: (0+0+12)/3=4  (0+12+3)/3=5   (12+3+3)/3=6
  // Vertical pass, clamped, floor(sum / 3):
  //   row 0: (2+2+16)=20→6  (3+3+13)=19→6  (4+4+10)=18→6
  //   row 1: (2+16+4)=22→7  (3+13+5)=21→7  (4+10+6)=20→6
  //   row 2: (16+4+4)=24→8  (13+5+5)=23→7  (10+6+6)=22→7
  const out = new Uint16Array(9);
  blurTwoPassU16(Uint16Array.from(input), 3, 3, out);
  t.deepEqual([...out], [6, 6, 6, 7, 7, 6, 8, 7, 7]);
});

test('blurTwoPassF32 matches a hand-computed 3x3 example', (t) => {
  // The horizontal sums above are all multiples of 3, so bx is the same as for u16;
  // the vertical pass divides exactly.
  const expected = [20 / 3, 19 / 3, 6, 22 / 3, 7, 20 / 3, 8, 23 / 3, 22 / 3].map(Math.fround);
  const out = new Float32Array(9);
  blurTwoPassF32(Float32Array.from(input), 3, 3, out);
  t.deepEqual([...out], expected);
});

/** The blur straight from its definition, for any shape: out(y,x) = mean_dy mean_dx in(clamp(y+dy), clamp(x+dx)). */
function blurByDefinition(source: ArrayLike<number>, width: number, height: number, divide: (sum: number) => number): number[] {
  const clamp = (value: number, limit: number) => Math.min(Math.max(value, 0), limit - 1);
  const bx = (y: number, x: number) =>
    divide(source[y * width + clamp(x - 1, width)] + source[y * width + x] + source[y * width + clamp(x + 1, width)]);
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out.push(divide(bx(clamp(y - 1, height), x) + bx(y, x) + bx(clamp(y + 1, height), x)));
  }
  return out;
}

test('both blurs follow the definition on non-square and degenerate shapes', (t) => {
  let seed = 12345;
  const nextByte = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  for (const [width, height] of [[1, 1], [1, 5], [6, 1], [7, 4], [4, 9]]) {
    const values = Array.from({ length: width * height }, nextByte);

    const outU16 = new Uint16Array(width * height);
    blurTwoPassU16(Uint16Array.from(values), width, height, outU16);
    t.deepEqual([...outU16], blurByDefinition(values, width, height, (sum) => Math.floor(sum / 3)), `u16 ${width}x${height}`);

    const outF32 = new Float32Array(width * height);
    blurTwoPassF32(Float32Array.from(values), width, height, outF32);
    const expected = blurByDefinition(values, width, height, (sum) => Math.fround(sum / 3));
    t.deepEqual([...outF32], expected.map(Math.fround), `f32 ${width}x${height}`);
  }
});

test('blurs reject arrays of the wrong size', (t) => {
  t.throws(() => blurTwoPassU16(new Uint16Array(6), 3, 3, new Uint16Array(9)), { message: /9 elements/ });
  t.throws(() => blurTwoPassF32(new Float32Array(9), 3, 3, new Float32Array(8)), { message: /9 elements/ });
});

test('sgemmIKJ multiplies a hand-computed 2x2 example and overwrites C', (t) => {
  const a = Float32Array.from([1, 2, 3, 4]);
  const b = Float32Array.from([5, 6, 7, 8]);
  const c = Float32Array.from([100, -100, 7, 7]);
  sgemmIKJ(a, b, c, 2);
  // [1 2; 3 4]·[5 6; 7 8] = [1·5+2·7  1·6+2·8; 3·5+4·7  3·6+4·8]
  t.deepEqual([...c], [19, 22, 43, 50]);
});

test('sgemmIKJ handles a 3x3 example and rejects wrong sizes', (t) => {
  const a = Float32Array.from([1, 0, 2, 0, 1, 0, 0, 0, 3]);
  const b = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const c = new Float32Array(9);
  sgemmIKJ(a, b, c, 3);
  // row 0 = b0 + 2·b2, row 1 = b1, row 2 = 3·b2
  t.deepEqual([...c], [15, 18, 21, 4, 5, 6, 21, 24, 27]);
  t.throws(() => sgemmIKJ(a, b, new Float32Array(4), 3), { message: /n\*n = 9/ });
});
