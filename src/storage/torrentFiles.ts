/**
 * The torrent's files under the download directory: where each one goes (never outside it),
 * creating their folders and zero-length files, and their sizes on disk.
 */
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { FileEntry } from '../metainfo/types.js';
import { ioError, storageError, type StorageError } from './storageError.js';

/** Absolute path of each file under `downloadDir` (padding files included); refuses any path resolving outside it. */
export const resolveFilePaths = (downloadDir: string, files: readonly FileEntry[]): E.Either<StorageError, string[]> => {
  const root = resolve(downloadDir);
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    const p = resolve(root, ...f.path);
    const rel = relative(root, p);
    if (f.path.length === 0 || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      return E.left(storageError('path-escape', `refusing file path ${JSON.stringify(f.path.join('/'))}: it resolves outside ${root}`));
    }
    // Two entries on one file would overwrite each other's pieces (sanitizers can map
    // different names to one, e.g. after replacing bad characters).
    if (seen.has(p) && !f.padding) return E.left(storageError('path-escape', `refusing torrent: two files map to ${p}`));
    if (!f.padding) seen.add(p);
    paths.push(p);
  }
  return E.right(paths);
};

/** Creates the parent folders of `files` at `paths`, and the zero-length files; existing files are left as they are (resume). */
export const createFiles = async (files: readonly FileEntry[], paths: readonly string[]): Promise<StorageError | undefined> => {
  for (let i = 0; i < paths.length; i++) {
    const f = files[i]!;
    const p = paths[i]!;
    if (f.padding) continue;
    try {
      await mkdir(dirname(p), { recursive: true });
    } catch (e) {
      return ioError('create folder', dirname(p), e);
    }
    if (f.length === 0) {
      try {
        // 'a' creates without truncating an existing file.
        await (await open(p, 'a')).close();
      } catch (e) {
        return ioError('create', p, e);
      }
    }
  }
  return undefined;
};

/** Current size of each file in bytes, -1 when missing (padding files report their length). */
export const sizesOnDisk = async (files: readonly FileEntry[], paths: readonly string[]): Promise<Float64Array> => {
  const sizes = new Float64Array(paths.length);
  await Promise.all(
    paths.map(async (p, i) => {
      const f = files[i]!;
      if (f.padding) {
        sizes[i] = f.length;
        return;
      }
      try {
        const s = await stat(p);
        sizes[i] = s.isFile() ? s.size : -1;
      } catch {
        sizes[i] = -1;
      }
    }),
  );
  return sizes;
};
