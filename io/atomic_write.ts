import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `contents` to `path` so that readers see either the old file or the complete new one,
 * never a partial write: the bytes go to a uniquely named temporary file in the same directory,
 * which is then renamed over `path` (rename is atomic within one filesystem).
 *
 * On any failure the temporary file is removed and the original error is rethrown, so nothing
 * half-written is left behind. The target directory must already exist.
 *
 * @throws the underlying filesystem error (missing directory, permissions, `path` is a directory, ...).
 */
export function writeFileAtomic(path: string, contents: Uint8Array | string): void {
  const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tempPath, contents, { flag: 'wx' });
    renameSync(tempPath, path);
  } catch (error) {
    rmSync(tempPath, { force: true });
    throw error;
  }
}
