/**
 * Tensors from and to files for `tessera run` and `tessera bench`: .npy of the argument's dtype, and
 * images (PNG, JPEG) as planar RGB [3, H, W] with values 0..255. Image codecs (pngjs, jpeg-js) are
 * optional dependencies, loaded only when an image is read or written.
 */
import { readFile, rm } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { ArgSpec } from '../runtime/signature.js';
import type { Tensor } from '../runtime/tensor.js';
import { dtypeOfArray } from '../runtime/dtype.js';
import { decodeNpy, encodeNpy, NpyError } from '../io/npy.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { CliError } from './command.js';

const IMAGE = new Set(['.png', '.jpg', '.jpeg']);
const IMAGE_DTYPES = new Set(['u8', 'u16', 'f32']);

async function imageCodecs(): Promise<typeof import('../io/image.js')> {
  try {
    return await import('../io/image.js');
  } catch (e) {
    throw new CliError(`reading and writing images needs the optional packages pngjs and jpeg-js (npm install pngjs jpeg-js): ${(e as Error).message}`);
  }
}

/**
 * Reads the tensor for argument `arg` from `path` (.npy, or an image for a [3, H, W] input of u8,
 * u16 or f32).
 * @throws CliError naming the file and the argument: a missing file, another extension, a dtype
 *   that is not the argument's, an image for an argument that is not [3, H, W]
 */
export async function readTensor(arg: ArgSpec, path: string, cwd: string): Promise<Tensor> {
  const file = resolve(cwd, path);
  const ext = extname(file).toLowerCase();
  if (ext === '.npy') {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      throw new CliError(`input ${arg.name}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    let t: Tensor;
    try {
      t = decodeNpy(bytes, path);
    } catch (e) {
      if (e instanceof NpyError) throw new CliError(`input ${arg.name}: ${e.message}`);
      throw e;
    }
    const dtype = dtypeOfArray(t.data);
    if (dtype !== arg.dtype) throw new CliError(`input ${arg.name} holds ${arg.dtype}, but ${path} holds ${dtype}; save it as ${arg.dtype}`);
    return t;
  }
  if (IMAGE.has(ext)) {
    if (arg.shape.length !== 3 || !IMAGE_DTYPES.has(arg.dtype)) {
      throw new CliError(`input ${arg.name} is ${arg.dtype} of rank ${arg.shape.length}; an image fills a [3, H, W] input of u8, u16 or f32 (planar RGB, 0..255): pass a .npy file`);
    }
    const { readImage, toPlanar } = await imageCodecs();
    try {
      return toPlanar(readImage(file), arg.dtype as 'u8' | 'u16' | 'f32');
    } catch (e) {
      throw new CliError(`input ${arg.name}: ${(e as Error).message}`);
    }
  }
  throw new CliError(`input ${arg.name}: ${path} is neither .npy nor an image (.png, .jpg, .jpeg)`);
}

/**
 * Writes each tensor to its file (.npy, or .png for a [3, H, W] tensor, values rounded and clamped to
 * 0..255), each file atomically; when one fails, the files written before it are removed.
 * @returns the paths written
 * @throws CliError naming the file and the reason
 */
export async function writeTensors(files: readonly (readonly [string, Tensor, string])[], cwd: string): Promise<string[]> {
  const written: string[] = [];
  try {
    for (const [name, tensor, path] of files) {
      const file = resolve(cwd, path);
      const ext = extname(file).toLowerCase();
      if (ext === '.npy') writeFileAtomic(file, encodeNpy(tensor));
      else if (ext === '.png') {
        if (tensor.shape.length !== 3 || tensor.shape[0] !== 3) throw new CliError(`output ${name} has shape [${tensor.shape.join(', ')}]; a PNG takes [3, H, W] (planar RGB): write it as .npy`);
        const { fromPlanar, writePng } = await imageCodecs();
        writePng(file, fromPlanar({ data: tensor.data as Float32Array, shape: tensor.shape as [3, number, number] }));
      } else throw new CliError(`output ${name}: ${path} is neither .npy nor .png`);
      written.push(file);
    }
    return written;
  } catch (e) {
    await Promise.all(written.map((f) => rm(f, { force: true })));
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot write ${files[written.length]?.[2]}: ${(e as Error).message}${written.length ? '; the outputs written before it were removed' : ''}`);
  }
}
