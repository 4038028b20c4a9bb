import test from 'ava';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { fromPlanar, readImage, toPlanar, writePng } from '../io/image.js';
import { requireSharedData, SHARED_DATA } from './helpers/environment.js';

/** The photo that ships with the repository. */
const CHELSEA = new URL('../examples/data/chelsea.png', import.meta.url);
const shared = requireSharedData(import.meta.url, 'images/mate_LadyBird.jpg');

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-image-test-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('reads a PNG as 8-bit RGB', (t) => {
  const img = readImage(fileURLToPath(CHELSEA));
  t.is(img.width, 451);
  t.is(img.height, 300);
  t.is(img.channels, 3);
  t.true(img.data instanceof Uint8Array);
  t.is(img.data.length, 451 * 300 * 3);
});

shared.test('reads a 4 MP JPEG as 8-bit RGB', (t) => {
  const img = readImage(`${SHARED_DATA}images/mate_LadyBird.jpg`);
  t.is(img.width, 2560);
  t.is(img.height, 1600);
  t.is(img.data.length, 2560 * 1600 * 3);
  t.true(img.data.some((value) => value !== img.data[0]));
});

test('accepts a file URL', (t) => {
  const img = readImage(CHELSEA);
  t.is(img.width, 451);
});

test('toPlanar lays out channel planes and fromPlanar inverts it exactly', (t) => {
  const img = readImage(fileURLToPath(CHELSEA));
  const { width, height } = img;
  for (const dtype of ['u8', 'u16', 'f32'] as const) {
    const planar = toPlanar(img, dtype);
    t.deepEqual(planar.shape, [3, height, width]);
    const [x, y] = [17, 123];
    for (let c = 0; c < 3; c++) {
      t.is(planar.data[c * height * width + y * width + x], img.data[(y * width + x) * 3 + c]);
    }
    t.deepEqual(fromPlanar(planar), img, dtype);
  }
  t.true(toPlanar(img, 'u16').data instanceof Uint16Array);
  t.true(toPlanar(img, 'f32').data instanceof Float32Array);
});

test('fromPlanar rounds and clamps to 0..255', (t) => {
  const planar = { data: new Float32Array([-3, 0.4, 0.5, 254.6, 300, Number.NaN]), shape: [3, 1, 2] as [3, number, number] };
  const img = fromPlanar(planar);
  // planes R = [-3, 0.4], G = [0.5, 254.6], B = [300, NaN]
  t.deepEqual([...img.data], [0, 1, 255, 0, 255, 0]);
});

test('writePng then readImage round-trips exactly and leaves no temporary file', (t) => {
  withTempDir((dir) => {
    const img = readImage(fileURLToPath(CHELSEA));
    const path = join(dir, 'out.png');
    writePng(path, img);
    t.deepEqual(readImage(path), img);
    t.deepEqual(readdirSync(dir), ['out.png']);
  });
});

test('readImage drops alpha from an RGBA PNG', (t) => {
  withTempDir((dir) => {
    const png = new PNG({ width: 2, height: 1 });
    png.data = Buffer.from([10, 20, 30, 40, 50, 60, 70, 0]);
    const path = join(dir, 'rgba.png');
    writeFileSync(path, PNG.sync.write(png));
    t.deepEqual([...readImage(path).data], [10, 20, 30, 50, 60, 70]);
  });
});

test('a failed writePng removes its temporary file', (t) => {
  withTempDir((dir) => {
    const target = join(dir, 'occupied');
    mkdirSync(target);
    t.throws(() => writePng(target, { width: 1, height: 1, data: new Uint8Array([1, 2, 3]) }));
    t.deepEqual(readdirSync(dir), ['occupied']);
  });
});

test('writePng rejects data of the wrong length', (t) => {
  t.throws(() => writePng(join(tmpdir(), 'never.png'), { width: 2, height: 2, data: new Uint8Array(11) }), {
    message: /expected 12/,
  });
});

test('a missing file error names the path', (t) => {
  const path = join(tmpdir(), 'tessera-no-such-image.png');
  t.throws(() => readImage(path), { message: (message) => message.includes(path) && /no such file/.test(message) });
});

test('an unsupported format error names the path', (t) => {
  withTempDir((dir) => {
    const path = join(dir, 'not-an-image.png');
    writeFileSync(path, 'GIF89a, or rather plain text');
    t.throws(() => readImage(path), { message: (message) => message.includes(path) && /unsupported/.test(message) });
  });
});
