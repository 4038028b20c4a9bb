import test from 'ava';
import {
  placeholder, compute, sizeVar, pipeline, repeatEdge, constantExterior, sum, maximum, reduceAxis,
} from '../dsl/index.js';
import { evaluate } from '../reference/evaluate.js';

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

const clampIndex = (i: number, n: number) => Math.min(Math.max(i, 0), n - 1);

test('1-D blur of a u16 input with repeatEdge, widened and wrapping', (t) => {
  const N = sizeVar('N');
  const image = placeholder('image', [N], 'u16');
  const edge = repeatEdge(image);
  const blur = compute('blur', [N], (x) =>
    edge.at(x.sub(1)).cast('u32').add(edge.at(x).cast('u32')).add(edge.at(x.add(1)).cast('u32')).div(3).cast('u16'));
  const wrapped = compute('wrapped', [N], (x) => edge.at(x.sub(1)).add(edge.at(x)).add(edge.at(x.add(1))));

  const rand = random(1);
  const data = Uint16Array.from({ length: 37 }, () => Math.floor(rand() * 65536));
  data[0] = 65535;
  const out = evaluate(pipeline(blur, wrapped), { image: { data, shape: [37] } });

  const at = (i: number) => data[clampIndex(i, 37)]!;
  const expectBlur = Array.from({ length: 37 }, (_, x) => Math.floor((at(x - 1) + at(x) + at(x + 1)) / 3));
  const expectWrapped = Array.from({ length: 37 }, (_, x) => (((at(x - 1) + at(x)) % 65536) + at(x + 1)) % 65536);
  t.true(out.blur!.data instanceof Uint16Array);
  t.deepEqual(out.blur!.shape, [37]);
  t.deepEqual(Array.from(out.blur!.data), expectBlur);
  t.deepEqual(Array.from(out.wrapped!.data), expectWrapped);
});

test('2-D separable f32 blur reads the intermediate stage outside its shape', (t) => {
  const H = sizeVar('H'), W = sizeVar('W');
  const input = placeholder('input', [H, W], 'f32');
  const edge = repeatEdge(input);
  const blurX = compute('blur_x', [H, W], (y, x) => edge.at(y, x.sub(1)).add(edge.at(y, x)).add(edge.at(y, x.add(1))).div(3));
  const blurY = compute('blur_y', [H, W], (y, x) => blurX.at(y.sub(1), x).add(blurX.at(y, x)).add(blurX.at(y.add(1), x)).div(3));

  const h = 48, w = 64, rand = random(2);
  const data = Float32Array.from({ length: h * w }, () => rand() * 100 - 50);
  const out = evaluate(pipeline(blurY), { input: { data, shape: [h, w] } });

  const f = Math.fround;
  const px = (y: number, x: number) => data[clampIndex(y, h) * w + clampIndex(x, w)]!;
  const bx = (y: number, x: number) => f(f(f(px(y, x - 1) + px(y, x)) + px(y, x + 1)) / 3);
  const expected: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) expected.push(f(f(f(bx(y - 1, x) + bx(y, x)) + bx(y + 1, x)) / 3));
  t.deepEqual(out.blur_y!.shape, [h, w]);
  t.deepEqual(Array.from(out.blur_y!.data), expected);
});

test('matmul via sum over a reduction axis matches f32 accumulation in order', (t) => {
  const M = sizeVar('M'), N = sizeVar('N'), K = sizeVar('K');
  const A = placeholder('A', [M, K], 'f32'), B = placeholder('B', [K, N], 'f32');
  const k = reduceAxis(K, 'k');
  const C = compute('C', [M, N], (i, j) => sum(A.at(i, k).mul(B.at(k, j)), k));

  const m = 64, n = 64, kk = 64, rand = random(3);
  const a = Float32Array.from({ length: m * kk }, () => rand() * 2 - 1);
  const b = Float32Array.from({ length: kk * n }, () => rand() * 2 - 1);
  const out = evaluate(pipeline(C), { A: { data: a, shape: [m, kk] }, B: { data: b, shape: [kk, n] } });

  const expected = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let r = 0; r < kk; r++) acc = Math.fround(acc + Math.fround(a[i * kk + r]! * b[r * n + j]!));
      expected[i * n + j] = acc;
    }
  }
  t.deepEqual(out.C!.shape, [m, n]);
  t.true(out.C!.data instanceof Float32Array);
  t.deepEqual(Array.from(out.C!.data), Array.from(expected));
});

test('maximum starts from the lowest value of the dtype', (t) => {
  const R = sizeVar('R'), L = sizeVar('L');
  const X = placeholder('X', [R, L], 'i16');
  const c = reduceAxis(L, 'c');
  const rowMax = compute('row_max', [R], (i) => maximum(X.at(i, c), c));
  const data = Int16Array.from([
    -5, 3, 12, -7,
    -32768, -32768, -32768, -32768,
    -9, -2, -30, -4,
  ]);
  const out = evaluate(pipeline(rowMax), { X: { data, shape: [3, 4] } });
  t.true(out.row_max!.data instanceof Int16Array);
  t.deepEqual(Array.from(out.row_max!.data), [12, -32768, -2]);
});

test('a reduction axis whose extent depends on a pure axis (prefix sum)', (t) => {
  const N = sizeVar('N');
  const v = placeholder('v', [N], 'i32');
  const prefix = compute('prefix', [N], (x) => {
    const r = reduceAxis([0, x.add(1)], 'r');
    return sum(v.at(r), r);
  });
  const data = Int32Array.from([5, -2, 2147483647, 1, 7]);
  const out = evaluate(pipeline(prefix), { v: { data, shape: [5] } });
  let acc = 0;
  t.deepEqual(Array.from(out.prefix!.data), Array.from(data, (x) => (acc = (acc + x) | 0)));
});

test('constantExterior pads with the constant; output shapes are evaluated expressions', (t) => {
  const N = sizeVar('N');
  const input = placeholder('input', [N], 'u8');
  const ext = constantExterior(input, 7);
  const padded = compute('padded', [N.add(2)], (x) => ext.at(x.sub(1)));
  const data = Uint8Array.from([1, 200, 3, 255]);
  const out = evaluate(pipeline(padded), { input: { data, shape: [4] } });
  t.deepEqual(out.padded!.shape, [6]);
  t.deepEqual(Array.from(out.padded!.data), [7, 1, 200, 3, 255, 7]);
});

test('a size variable no input binds can be given by name', (t) => {
  const M = sizeVar('M');
  const iota = compute('iota', [M], (x) => x.mul(3));
  t.throws(() => evaluate(pipeline(iota), {}), { message: /uses M, which is not bound/ });
  t.deepEqual(Array.from(evaluate(pipeline(iota), {}, { M: 4 }).iota!.data), [0, 3, 6, 9]);
});

test('wrong inputs are errors naming the input', (t) => {
  const N = sizeVar('N');
  const image = placeholder('image', [N], 'u16');
  const other = placeholder('other', [N, 2], 'u16');
  const p = pipeline(compute('out', [N], (x) => image.at(x).add(other.at(x, 1))));
  const ok = { data: new Uint16Array(8), shape: [4, 2] };

  t.throws(() => evaluate(p, { image: { data: new Float32Array(4), shape: [4] }, other: ok }),
    { message: 'input image must be a u16 array, got f32' });
  t.throws(() => evaluate(p, { other: ok }), { message: /^input image is missing/ });
  t.throws(() => evaluate(p, { image: { data: new Uint16Array(4), shape: [2, 2] }, other: ok }),
    { message: 'input image has 1 dimension(s), got a shape of rank 2' });
  t.throws(() => evaluate(p, { image: { data: new Uint16Array(5), shape: [5] }, other: ok }),
    { message: 'size variable N is 5 from dimension 0 of input image but 4 from dimension 0 of input other' });
  t.throws(() => evaluate(p, { image: { data: new Uint16Array(4), shape: [4] }, other: { data: new Uint16Array(12), shape: [4, 3] } }),
    { message: 'input other must have shape [4, 2], got [4, 3]' });
  t.throws(() => evaluate(p, { image: { data: new Uint16Array(3), shape: [4] }, other: ok }),
    { message: 'input image has shape [4] (4 elements) but its data has 3' });
});

test('reading an input outside its shape is a RangeError, not clamped', (t) => {
  const N = sizeVar('N');
  const image = placeholder('image', [N, 3], 'f32');
  const shifted = compute('shifted', [N, 3], (y, x) => image.at(y.add(1), x));
  const error = t.throws(() => evaluate(pipeline(shifted), { image: { data: new Float32Array(6), shape: [2, 3] } }), { instanceOf: RangeError });
  t.is(error!.message, 'input image read at (2, 0), outside its shape [2, 3]');
});
