/**
 * Loading artifacts: checks a description (format, version, kind, target, then the kind's own
 * fields) and hands it to its kind's loader. The kinds are a table, one entry per kind: a new kind
 * (a model: many kernels over one memory) is a new file and one line here.
 */
import {
  type Artifact, type ArtifactBase, type ArtifactTarget, type TuningRecordRef, type WorkCount,
  ARTIFACT_FORMAT, ARTIFACT_TARGETS, ARTIFACT_VERSION, ArtifactError, TESSERA_VERSION,
} from './abi.js';
import { type ArtifactFileReader, checkFileName, readUrl, readerAt, readerOf, resolveLocation } from './artifact_files.js';
import { type JsonObject, JsonCheck } from './json_check.js';
import { type KernelLoadOptions, type LoadedKernel, checkKernelDescription, loadKernelArtifact } from './kernel_artifact.js';
import { type LoadedModel, checkModelDescription, loadModelArtifact } from './model_artifact.js';

/** One kind of artifact: how to check its fields and how to load it. */
interface ArtifactKind<D extends ArtifactBase, L> {
  check(json: JsonObject, base: ArtifactBase, where: string): D;
  load(d: D, read: ArtifactFileReader, options: LoadOptions, where: string): Promise<L>;
}

const kind = <D extends ArtifactBase, L>(k: ArtifactKind<D, L>) => k;

/** The artifact kinds this runtime loads, by `description.kind`. */
const ARTIFACT_KINDS = {
  kernel: kind({ check: checkKernelDescription, load: loadKernelArtifact }),
  model: kind({ check: checkModelDescription, load: loadModelArtifact }),
};

type Kinds = typeof ARTIFACT_KINDS;
/** A checked description of any kind this runtime loads. */
export type ArtifactDescription = ReturnType<Kinds[keyof Kinds]['check']>;
/** What loading an artifact of any kind gives. */
export type LoadedArtifact = Awaited<ReturnType<Kinds[keyof Kinds]['load']>>;
/** Options of every kind's loader. */
export type LoadOptions = KernelLoadOptions;

/**
 * Where an artifact comes from: the URL or path of its description (its files beside it); a
 * description with the URL of the folder holding its files, or with the URL of each file; or an
 * artifact in memory.
 */
export type ArtifactSource =
  | string
  | URL
  | { readonly description: unknown; readonly base: string | URL }
  | { readonly description: unknown; readonly urls: Readonly<Record<string, string | URL>> }
  | Artifact<ArtifactBase>;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function checkRecord(c: JsonCheck, v: unknown): TuningRecordRef {
  const r = c.object(v, 'record');
  return { workload: c.string(r.workload, 'record.workload'), id: c.string(r.id, 'record.id'), target: r.target };
}

function checkWork(c: JsonCheck, v: unknown): WorkCount {
  const w = c.object(v, 'work');
  for (const key of Object.keys(w)) if (key !== 'flops' && key !== 'pixels') c.fail(`work.${key}`, 'absent (work counts flops or pixels)', w[key]);
  return w as WorkCount;
}

/**
 * Checks a description read from JSON: the format and its version first (so an artifact of another
 * version fails on that, not on a field it names differently), then the kind, the target, the
 * common fields and the kind's own.
 * @param where the file it came from, first in every message
 * @throws ArtifactError naming the field and what it must be; for another format version or an
 *   unknown kind, naming both the artifact's and this runtime's
 */
export function parseArtifactDescription(json: unknown, where = 'the artifact description'): ArtifactDescription {
  const c = new JsonCheck(where);
  if (typeof json !== 'object' || json === null || Array.isArray(json) || (json as JsonObject).format !== ARTIFACT_FORMAT) {
    const format = (json as JsonObject | null)?.format;
    throw new ArtifactError(`${where} is not a Tessera artifact description: its "format" is ${JSON.stringify(format) ?? 'missing'}, not "${ARTIFACT_FORMAT}"`);
  }
  const o = json as JsonObject;
  const writer = typeof o.tessera === 'string' ? `Tessera ${o.tessera}` : 'an unknown Tessera';
  if (o.version !== ARTIFACT_VERSION) {
    const newer = typeof o.version === 'number' && o.version > ARTIFACT_VERSION;
    throw new ArtifactError(`${where}: the artifact has format version ${JSON.stringify(o.version)} (written by ${writer}), but this runtime (Tessera ${TESSERA_VERSION}) reads version ${ARTIFACT_VERSION}; ${newer ? 'load it with a newer Tessera' : 'compile it again with this Tessera'}`);
  }
  if (typeof o.kind !== 'string' || !Object.hasOwn(ARTIFACT_KINDS, o.kind)) {
    throw new ArtifactError(`${where}: the artifact is of kind ${JSON.stringify(o.kind)} (written by ${writer}), which this runtime (Tessera ${TESSERA_VERSION}) does not load; it loads ${Object.keys(ARTIFACT_KINDS).map((k) => `'${k}'`).join(', ')}`);
  }
  const name = c.string(o.name, 'name');
  if (!NAME.test(name)) c.fail('name', 'a plain name (letters, digits, _ . -)', name);
  const base: ArtifactBase = {
    format: ARTIFACT_FORMAT, version: ARTIFACT_VERSION, kind: o.kind, name,
    target: c.oneOf<ArtifactTarget>(o.target, 'target', ARTIFACT_TARGETS),
    tessera: c.string(o.tessera, 'tessera'),
    ...(o.schedule === undefined ? {} : { schedule: c.array(o.schedule, 'schedule').map((x, i) => c.object(x, `schedule[${i}]`)) }),
    ...(o.record === undefined ? {} : { record: checkRecord(c, o.record) }),
    ...(o.work === undefined ? {} : { work: checkWork(c, o.work) }),
  };
  const entry = ARTIFACT_KINDS[o.kind as keyof Kinds] as ArtifactKind<ArtifactBase, unknown>;
  return entry.check(o, base, where) as ArtifactDescription;
}

function isArtifact(s: ArtifactSource): s is Artifact<ArtifactBase> {
  return typeof s === 'object' && !(s instanceof URL) && 'files' in s;
}

/** How messages name an artifact given as an object. */
function artifactName(description: unknown): string {
  const name = (description as { name?: unknown } | null)?.name;
  return `artifact ${typeof name === 'string' ? name : '(unnamed)'}`;
}

/** The description of `source` with a reader of its files and the name errors give it. */
async function open(source: ArtifactSource): Promise<{ json: unknown; read: ArtifactFileReader; where: string }> {
  if (typeof source === 'string' || source instanceof URL) {
    const url = await resolveLocation(source);
    const where = url.protocol === 'file:' ? decodeURIComponent(url.pathname) : url.href;
    const text = new TextDecoder().decode(await readUrl(url));
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ArtifactError(`${where} is not JSON: ${(e as Error).message}`);
    }
    return { json, read: readerAt(url), where };
  }
  if (isArtifact(source)) {
    const where = artifactName(source.description);
    for (const file of Object.keys(source.files)) checkFileName(file, where);
    return { json: source.description, read: readerOf(source.files, where), where };
  }
  if ('urls' in source) {
    const urls = source.urls;
    const where = artifactName(source.description);
    const read: ArtifactFileReader = async (file) => {
      const url = Object.hasOwn(urls, file) ? urls[file] : undefined;
      if (url === undefined) throw new ArtifactError(`${where}: no URL is given for its file ${file} (given: ${Object.keys(urls).join(', ') || 'none'})`);
      return readUrl(await resolveLocation(url));
    };
    return { json: source.description, read, where };
  }
  const base = await resolveLocation(source.base);
  const folder = base.href.endsWith('/') ? base : new URL(`${base.href}/`);
  return { json: source.description, read: readerAt(folder), where: `artifact at ${folder.href}` };
}

/**
 * Loads an artifact written by `writeArtifact` (or the CLI's `tessera compile`) with the runtime
 * alone: the description is checked (parseArtifactDescription), then its kind's loader picks what
 * runs here and instantiates it.
 * @param source the description's path or URL (`out/blur/blur.json`; in Node a relative path is
 *   from the current folder, in a browser from the page), or a description with the folder of its
 *   files (`{ description, base }`) or each file's URL (`{ description, urls }`), or an artifact in
 *   memory (`{ description, files }`)
 * @returns for a kernel, a function of the input tensors (see LoadedWasmKernel, LoadedGpuKernel)
 * @throws ArtifactError for a missing or unreadable file, a bad description, another format version,
 *   an unknown kind, or no binary that this engine runs (naming what each needs and what it has);
 *   the runtime's errors from instantiation
 */
export async function loadArtifact(source: ArtifactSource, options: LoadOptions = {}): Promise<LoadedArtifact> {
  const { json, read, where } = await open(source);
  const d = parseArtifactDescription(json, where);
  const entry = ARTIFACT_KINDS[d.kind as keyof Kinds] as ArtifactKind<ArtifactBase, LoadedArtifact>;
  return entry.load(d, read, options, where);
}

export type { LoadedKernel, LoadedModel };
