/**
 * .npy files (io/npy.ts) against files NumPy wrote (tests/fixtures/npy, see its README): decoding
 * gives NumPy's values and shapes, encoding gives NumPy's bytes exactly, random tensors round-trip
 * (property test), and what Tessera cannot hold is refused by name.
 */
import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { decodeNpy, encodeNpy, NpyError } from '../io/npy.js';
import { STORAGE_DTYPES, storageArrayType } from '../runtime/dtype.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/npy/${name}`, import.meta.url)));

test("decodes NumPy's files: values, shapes, dtypes, format 2.0", (t) => {
  const f32 = decodeNpy(fixture('f32_2x3.npy'));
  t.true(f32.data instanceof Float32Array);
  t.deepEqual(f32.shape, [2, 3]);
  t.deepEqual(Array.from(f32.data), [1.5, -2, 3, 4, 5.25, -6]);
  const u16 = decodeNpy(fixture('u16_3x2x2.npy'));
  t.true(u16.data instanceof Uint16Array);
  t.deepEqual(u16.shape, [3, 2, 2]);
  t.deepEqual(Array.from(u16.data), Array.from({ length: 12 }, (_, i) => i * 1000));
  t.deepEqual(Array.from(decodeNpy(fixture('i8_vector.npy')).data), [-128, -1, 0, 127]);
  const scalar = decodeNpy(fixture('f64_scalar.npy'));
  t.deepEqual(scalar.shape, []);
  t.deepEqual(Array.from(scalar.data), [3.25]);
  const v2 = decodeNpy(fixture('v2_i32.npy'));
  t.true(v2.data instanceof Int32Array);
  t.deepEqual(v2.shape, [2, 3]);
  t.deepEqual(Array.from(v2.data), [0, 1, 2, 3, 4, 5]);
});

test("encodes exactly the bytes numpy.save writes", (t) => {
  for (const name of ['f32_2x3.npy', 'u16_3x2x2.npy', 'i8_vector.npy', 'f64_scalar.npy']) {
    const bytes = fixture(name);
    t.deepEqual(encodeNpy(decodeNpy(bytes)), bytes, name);
  }
});

test('random tensors of every dtype round-trip', (t) => {
  fc.assert(fc.property(
    fc.constantFrom(...STORAGE_DTYPES), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }), fc.integer(),
    (dtype, shape, seed) => {
      const T = storageArrayType(dtype);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new T(n);
      const bytes = new Uint8Array(data.buffer);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (seed * 31 + i * 17) & 0xff;
      const back = decodeNpy(encodeNpy({ data, shape }));
      return back.data instanceof T && JSON.stringify(back.shape) === JSON.stringify(shape) && Buffer.from(new Uint8Array(back.data.buffer)).equals(Buffer.from(bytes));
    }), { numRuns: 200 });
  t.pass();
});

test('refuses what Tessera cannot hold, naming the file and the reason', (t) => {
  t.throws(() => decodeNpy(fixture('fortran.npy'), 'fortran.npy'), { instanceOf: NpyError, message: 'fortran.npy: the array is in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray)' });
  t.throws(() => decodeNpy(fixture('bigendian.npy'), 'be.npy'), { instanceOf: NpyError, message: "be.npy: dtype '>f4' has no Tessera tensor type (little-endian <f4, <f8, <i4, <u4, <i2, <u2, |i1, |u1)" });
  t.throws(() => decodeNpy(fixture('bool.npy'), 'b.npy'), { instanceOf: NpyError, message: /^b\.npy: dtype '\|b1' has no Tessera tensor type/ });
  t.throws(() => decodeNpy(new TextEncoder().encode('hello, world'), 'x.npy'), { instanceOf: NpyError, message: 'x.npy is not a .npy file (it does not start with \\x93NUMPY)' });
  t.throws(() => decodeNpy(fixture('f32_2x3.npy').subarray(0, 140), 'short.npy'), { instanceOf: NpyError, message: "short.npy: shape (2, 3) of '<f4' needs 24 data bytes, the file has 12" });
});
