/**
 * The ES module `tessera compile` writes beside an artifact (NAME.js) and its typings (NAME.d.ts):
 *
 *   import load from './out/blur/blur.js';
 *   const blur = await load();                 // its binaries are found beside blur.js
 *   const { blur_y } = blur({ input: tensor });
 *
 * NAME.js imports `tessera/runtime` (a browser page without a bundler maps it with an import map) and
 * names each binary as `new URL('./NAME.wasm', import.meta.url)`, the form bundlers treat as an asset.
 */
import type { ArgSpec, ShapeExpr } from '../runtime/signature.js';
import type { KernelDescription } from '../runtime/abi.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ARRAY_TYPE: Readonly<Record<ArgSpec['dtype'], string>> = {
  f32: 'Float32Array', f64: 'Float64Array', i32: 'Int32Array', u32: 'Uint32Array', i16: 'Int16Array', u16: 'Uint16Array', i8: 'Int8Array', u8: 'Uint8Array',
};

/** `blur_f32` -> `BlurF32`: the prefix of the typings' names. */
function pascal(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(joined) ? joined : `Kernel${joined}`;
}

const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));

function shapeText(e: ShapeExpr): string {
  if (typeof e === 'number' || typeof e === 'string') return String(e);
  const op = { add: '+', sub: '-', mul: '*', div: '/', min: 'min', max: 'max' }[e.op];
  return e.op === 'min' || e.op === 'max' ? `${op}(${shapeText(e.a)}, ${shapeText(e.b)})` : `(${shapeText(e.a)} ${op} ${shapeText(e.b)})`;
}

/** A named tuple type of a shape: size names label their dimension; constants are literal types. */
function shapeType(shape: readonly ShapeExpr[]): string {
  const used = new Set<string>();
  const members = shape.map((e, d) => {
    let label = typeof e === 'string' && IDENTIFIER.test(e) ? e : `d${d}`;
    while (used.has(label)) label = `${label}_${d}`;
    used.add(label);
    return `${label}: ${typeof e === 'number' ? e : 'number'}`;
  });
  return `readonly [${members.join(', ')}]`;
}

function tensorMembers(args: readonly ArgSpec[], role: 'input' | 'output', optional: string): string {
  return args.filter((a) => a.role === role).map((a) => [
    `  /** ${a.dtype}, shape [${a.shape.map(shapeText).join(', ')}] */`,
    `  readonly ${key(a.name)}${optional}: { readonly data: ${ARRAY_TYPE[a.dtype]}; readonly shape: ${shapeType(a.shape)} };`,
  ].join('\n')).join('\n');
}

function argsOf(d: KernelDescription): readonly ArgSpec[] {
  return d.target === 'webgpu' ? d.program.args : d.signature.args;
}

/** The files an artifact's loader reads: its binaries (none for WebGPU). */
const binaryFiles = (d: KernelDescription): string[] => (d.target === 'webgpu' ? [] : d.binaries.map((b) => b.file));

/** The text of NAME.js for the artifact described by `d`. */
export function loaderModule(d: KernelDescription): string {
  const urls = binaryFiles(d).map((f) => `  ${JSON.stringify(f)}: new URL(${JSON.stringify(`./${f}`)}, import.meta.url),`);
  return `// Written by \`tessera compile\` (Tessera ${d.tessera}): loads the ${d.target} kernel ${d.name} with tessera/runtime.
import { loadArtifact } from 'tessera/runtime';

/** The artifact's description (the same as ${d.name}.json). */
export const description = ${JSON.stringify(d, null, 2)};

/** Where each binary lies: beside this module. */
const urls = {
${urls.join('\n')}
};

/**
 * Loads the kernel: its binaries from beside this module (the file system in Node, fetch in a
 * browser), or from \`options.files\` ({ file name: bytes }). Other options go to loadArtifact
 * (threadPool, memory, gpu).
 */
export async function load(options = {}) {
  const { files, ...rest } = options;
  return loadArtifact(files ? { description, files } : { description, urls }, rest);
}

export default load;
`;
}

/** The text of NAME.d.ts: the kernel's inputs and outputs with their dtypes and shape names. */
export function loaderTypings(d: KernelDescription): string {
  const T = pascal(d.name);
  const args = argsOf(d);
  const gpu = d.target === 'webgpu';
  const loaded = gpu ? 'LoadedGpuKernel' : 'LoadedWasmKernel';
  const description = gpu ? 'GpuKernelDescription' : 'WasmKernelDescription';
  const result = gpu ? `Promise<${T}Outputs>` : `${T}Outputs`;
  return `// Written by \`tessera compile\` (Tessera ${d.tessera}): the types of ${d.name}.js.
import type { KernelLoadOptions, ${loaded}, ${description} } from 'tessera/runtime';

/** The inputs of ${d.name}, by name. */
export interface ${T}Inputs {
${tensorMembers(args, 'input', '')}
}

/** The outputs of ${d.name}, by name (pass some to have them written into your tensors). */
export interface ${T}Outputs {
${tensorMembers(args, 'output', '')}
}

/** The loaded kernel: call it with the inputs. */
export type ${T}Kernel = ((inputs: ${T}Inputs, outputs?: Partial<${T}Outputs>) => ${result}) & Omit<${loaded}, never>;

export declare const description: ${description};

/** Loads the kernel (binaries beside ${d.name}.js, or given in \`files\`). */
export declare function load(options?: KernelLoadOptions & { readonly files?: Readonly<Record<string, Uint8Array>> }): Promise<${T}Kernel>;

export default load;
`;
}
