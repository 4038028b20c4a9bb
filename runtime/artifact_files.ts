/**
 * The files of an artifact: read beside its description (from the file system in Node, by `fetch`
 * elsewhere), and written to a folder all at once or not at all (Node).
 */
import { type Artifact, type ArtifactBase, ArtifactError, descriptionFile } from './abi.js';
import { isNode, nodeBuiltin } from './platform.js';

/** Reads one file of an artifact by its name. */
export type ArtifactFileReader = (file: string) => Promise<Uint8Array>;

type NodeFs = typeof import('node:fs/promises');
type NodeUrl = typeof import('node:url');
type NodePath = typeof import('node:path');

/** Artifact file names are plain names beside the description: no folders, nothing hidden. */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * @throws ArtifactError when `file` is not a plain file name (a description naming `../x` or `a/b`
 *   must not reach outside its folder)
 */
export function checkFileName(file: string, where: string): void {
  if (!FILE_NAME.test(file)) throw new ArtifactError(`${where}: file name ${JSON.stringify(file)} is not a plain name (letters, digits, _ . -; no folders)`);
}

/**
 * The URL of `location`: a URL as it is; a string that parses as an absolute URL; otherwise, in
 * Node, a path relative to the current folder, and in a browser a URL relative to the page.
 */
export async function resolveLocation(location: string | URL): Promise<URL> {
  if (location instanceof URL) return location;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) || location.startsWith('data:')) return new URL(location);
  if (isNode()) {
    const [{ pathToFileURL }, { resolve }] = await Promise.all([nodeBuiltin<NodeUrl>('node:url'), nodeBuiltin<NodePath>('node:path')]);
    return pathToFileURL(resolve(location));
  }
  return new URL(location, (globalThis as { location?: { href: string } }).location?.href);
}

/**
 * Reads the bytes at `url`: `file:` URLs from the file system (Node), others by `fetch`.
 * @throws ArtifactError naming the URL and the reason (no such file, an HTTP status, a network error)
 */
export async function readUrl(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    if (!isNode()) throw new ArtifactError(`cannot read ${url.href}: file: URLs are read in Node only; serve the artifact over http(s) or pass its bytes`);
    const [{ readFile }, { fileURLToPath }] = await Promise.all([nodeBuiltin<NodeFs>('node:fs/promises'), nodeBuiltin<NodeUrl>('node:url')]);
    const path = fileURLToPath(url);
    try {
      return new Uint8Array(await readFile(path));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ArtifactError(code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${(e as Error).message}`);
    }
  }
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new ArtifactError(`cannot fetch ${url.href}: ${(e as Error).message}`);
  }
  if (!response.ok) throw new ArtifactError(`cannot fetch ${url.href}: HTTP ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A reader of the files beside `base` (a folder URL, or the description's own URL). */
export function readerAt(base: URL): ArtifactFileReader {
  return (file) => {
    checkFileName(file, base.href);
    return readUrl(new URL(file, base));
  };
}

/** A reader of files held in memory. */
export function readerOf(files: Readonly<Record<string, Uint8Array>>, where: string): ArtifactFileReader {
  return async (file) => {
    const bytes = Object.hasOwn(files, file) ? files[file] : undefined;
    if (!bytes) throw new ArtifactError(`${where}: the artifact has no file ${file} (it has ${Object.keys(files).join(', ') || 'none'})`);
    return bytes;
  };
}

/** Every file of an artifact, its description (NAME.json, pretty-printed) included, by file name. */
export function artifactFiles(artifact: Artifact<ArtifactBase>): Record<string, Uint8Array> {
  const json = descriptionFile(artifact.description.name);
  const files: Record<string, Uint8Array> = {};
  for (const [name, bytes] of Object.entries(artifact.files)) {
    checkFileName(name, artifact.description.name);
    if (name === json) throw new ArtifactError(`${artifact.description.name}: a file of the artifact is named ${json}, the name of its description`);
    files[name] = bytes;
  }
  files[json] = new TextEncoder().encode(`${JSON.stringify(artifact.description, null, 2)}\n`);
  return files;
}

/**
 * Writes an artifact into `folder` (Node): its files and NAME.json, plus `extra` files (a loader
 * module, its typings). All of it or nothing: every file is first written under a temporary name in
 * the folder, then renamed into place, the description last; when any step fails, the temporary
 * files and the files already renamed are removed, and so is an older NAME.json, so no description
 * is left that names files of another compile.
 * @param folder created (with its parents) when missing
 * @returns the paths written, the description last
 * @throws ArtifactError naming the folder or file and the reason (not a folder, no permission, disk full)
 */
export async function writeArtifact(folder: string, artifact: Artifact<ArtifactBase>, extra: Readonly<Record<string, Uint8Array | string>> = {}): Promise<string[]> {
  if (!isNode()) throw new ArtifactError('writeArtifact writes to the file system, which only Node has; in a browser keep artifactFiles(artifact) in memory');
  const [fs, path] = await Promise.all([nodeBuiltin<NodeFs>('node:fs/promises'), nodeBuiltin<NodePath>('node:path')]);
  const own = artifactFiles(artifact);
  const json = descriptionFile(artifact.description.name);
  const files: [string, Uint8Array | string][] = [];
  for (const [name, bytes] of Object.entries(extra)) {
    checkFileName(name, artifact.description.name);
    if (Object.hasOwn(own, name)) throw new ArtifactError(`${artifact.description.name}: the extra file ${name} has the name of one of the artifact's own files`);
    files.push([name, bytes]);
  }
  for (const [name, bytes] of Object.entries(own)) if (name !== json) files.push([name, bytes]);
  files.push([json, own[json]!]);

  try {
    await fs.mkdir(folder, { recursive: true });
  } catch (e) {
    throw new ArtifactError(`cannot create the output folder ${folder}: ${(e as Error).message}`);
  }
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const temps: string[] = [];
  const placed: string[] = [];
  try {
    for (const [name, bytes] of files) {
      const temp = path.join(folder, `.${name}.${stamp}.tmp`);
      temps.push(temp);
      await fs.writeFile(temp, bytes, { flag: 'wx' });
    }
    for (const [i, [name]] of files.entries()) {
      const target = path.join(folder, name);
      await fs.rename(temps[i]!, target);
      placed.push(target);
    }
    return placed;
  } catch (e) {
    await Promise.all([...temps, ...placed, path.join(folder, json)].map((p) => fs.rm(p, { force: true }).catch(() => {})));
    throw new ArtifactError(`cannot write the artifact ${artifact.description.name} into ${folder}: ${(e as Error).message}; nothing of it was left there`);
  }
}
