/**
 * A compiled model as an artifact of kind 'model' (runtime/abi.ts ModelDescription) that the runtime
 * entry alone loads (`loadArtifact` from tessera/runtime), and saving it into a folder with an ESM
 * loader and its typings:
 *   NAME.json           the description (the model program: kernels, steps, memory plan)
 *   NAME.kK.wasm        kernel K's binary (wasm-simd)
 *   NAME.weights.bin    the weights, in the kernels' dtypes
 *   NAME.js, NAME.d.ts  `const model = await load(); await model.run({ ... })`, typed by input name
 */
import { type Artifact, type ModelDescription, ARTIFACT_FORMAT, ARTIFACT_VERSION, ArtifactError, TESSERA_VERSION } from '../runtime/abi.js';
import { writeArtifact } from '../runtime/artifact_files.js';
import type { ModelValueInfo } from '../runtime/wasm_model.js';
import type { CompiledModel } from './compile_onnx.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * The artifact of a compiled model.
 * @param name names the artifact and its files (default: the graph's name, else 'model')
 * @throws ArtifactError for a name that cannot name files
 */
export function modelArtifact(model: CompiledModel, name = model.graph.name || 'model'): Artifact<ModelDescription> {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (!NAME.test(safe)) throw new ArtifactError(`artifact name ${JSON.stringify(name)} is not a plain name: use letters, digits, _ . - (it names the files)`);
  const base = { format: ARTIFACT_FORMAT, version: ARTIFACT_VERSION, kind: 'model' as const, name: safe, tessera: TESSERA_VERSION };
  const files: Record<string, Uint8Array> = {};
  const weightsFile = `${safe}.weights.bin`;
  if (model.wasm) {
    const { program, binaries, weights } = model.wasm;
    files[weightsFile] = weights;
    const entries = binaries.map((b, k) => {
      const file = `${safe}.k${k}.wasm`;
      files[file] = b;
      return { file, bytes: b.byteLength, features: [...program.kernels[k]!.features] };
    });
    return { description: { ...base, target: 'wasm-simd', model: program, binaries: entries, weights: { file: weightsFile, bytes: weights.byteLength } }, files };
  }
  if (model.webgpu) {
    files[weightsFile] = model.webgpu.weights;
    return { description: { ...base, target: 'webgpu', model: model.webgpu.program, weights: { file: weightsFile, bytes: model.webgpu.weights.byteLength } }, files };
  }
  throw new ArtifactError(`${safe}: the compiled model keeps no build to save`);
}

const TS_TYPE: Record<string, string> = {
  f32: 'Float32Array', f16: 'Uint16Array', f64: 'Float64Array', i64: 'BigInt64Array', u64: 'BigUint64Array', i32: 'Int32Array',
  i16: 'Int16Array', i8: 'Int8Array', u32: 'Uint32Array', u16: 'Uint16Array', u8: 'Uint8Array', bool: 'Uint8Array',
};

const field = (v: ModelValueInfo) => `  ${JSON.stringify(v.name)}: { data: ${TS_TYPE[v.dtype]}; shape: readonly number[]${v.dtype === 'f16' || v.dtype === 'bool' ? `; dtype: '${v.dtype}'` : '; dtype?: ' + `'${v.dtype}'`} };  // ${v.dtype} [${v.shape.join(', ')}]`;

/** The ESM loader and its typings for an artifact named `name` (runtime import: `runtime`). */
export function modelLoader(name: string, model: Pick<CompiledModel, 'inputs' | 'outputs'>, runtime = 'tessera/runtime'): { js: string; dts: string } {
  const js = `// Loads the compiled model ${name} beside this file with Tessera's runtime alone.
import { loadArtifact } from ${JSON.stringify(runtime)};

/** @param options { threadPool, gpu } as tessera/runtime's loadArtifact takes them */
export async function load(options = {}) {
  return loadArtifact(new URL(${JSON.stringify(`./${name}.json`)}, import.meta.url), options);
}
`;
  const dts = `import type { LoadOptions } from ${JSON.stringify(runtime)};

export interface Inputs {
${model.inputs.map(field).join('\n')}
}

export interface Outputs {
${model.outputs.map(field).join('\n')}
}

export interface Model {
  readonly inputs: readonly { name: string; dtype: string; shape: readonly number[] }[];
  readonly outputs: readonly { name: string; dtype: string; shape: readonly number[] }[];
  run(feeds: Inputs): Promise<Outputs>;
  close(): Promise<void>;
}

/** Loads the model ${name} beside this file. */
export function load(options?: LoadOptions): Promise<Model>;
`;
  return { js, dts };
}

export interface SaveModelOptions {
  readonly name?: string;
  /** The module the loader imports the runtime from (default 'tessera/runtime'). */
  readonly runtimeImport?: string;
}

/**
 * Writes the model's artifact, loader and typings into `folder`, all or nothing (writeArtifact).
 * @returns the paths written, the description last
 * @throws ArtifactError naming the folder or file when it cannot be written
 */
export async function saveModelArtifact(model: CompiledModel, folder: string, options: SaveModelOptions = {}): Promise<string[]> {
  const artifact = modelArtifact(model, options.name);
  const name = artifact.description.name;
  const { js, dts } = modelLoader(name, model, options.runtimeImport);
  return writeArtifact(folder, artifact, { [`${name}.js`]: js, [`${name}.d.ts`]: dts });
}
