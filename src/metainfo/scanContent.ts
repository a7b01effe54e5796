import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { createError, type CreateError } from './createError.js';
import { MAX_FILES } from './limits.js';

/** One file to put in a new torrent. */
export interface ContentFile {
  /** Components below the torrent's top folder (`[]` for a single-file torrent). */
  readonly path: readonly string[];
  /** Where to read it. */
  readonly absolutePath: string;
  readonly length: number;
}

/** What a path holds, in torrent order. */
export interface Content {
  /** Base name of the file or folder. */
  readonly name: string;
  /** False when the path is a single file. */
  readonly multiFile: boolean;
  readonly files: readonly ContentFile[];
  readonly totalLength: number;
}

const utf8 = new TextEncoder();
/** Byte order of the UTF-8 names: stable across platforms and locales. */
const byName = (a: string, b: string): number => Buffer.compare(utf8.encode(a), utf8.encode(b));

/**
 * Lists a file, or a folder recursively, for torrent creation. Order is stable: at each level,
 * entries sorted by the bytes of their UTF-8 names. Nothing is skipped silently (hidden files
 * are included):
 *
 * - symlinks are followed, to files and to folders, so the torrent holds what a user sees;
 * - a folder symlink that loops back to an ancestor fails with `symlink-loop`;
 * - a dangling symlink, socket, FIFO or device fails with `unsupported-file`.
 */
export function scanContent(path: string): TE.TaskEither<CreateError, Content> {
  return async () => {
    const root = resolve(path);
    const files: ContentFile[] = [];
    const fail = (code: CreateError['code'], message: string): never => {
      throw createError(code, message);
    };
    const statOf = async (p: string) => {
      try {
        return await stat(p);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return fail(p === root ? 'not-found' : 'unsupported-file', p === root ? `${p}: no such file or folder` : `${p}: dangling symlink`);
        if (code === 'ELOOP') return fail('symlink-loop', `${p}: too many levels of symlinks`);
        return fail('read-failed', `${p}: ${(e as Error).message}`);
      }
    };
    const walk = async (dir: string, rel: readonly string[], ancestors: ReadonlySet<string>): Promise<void> => {
      const real = await realpath(dir);
      if (ancestors.has(real)) fail('symlink-loop', `${dir}: symlink loops back to ${real}`);
      const inner = new Set(ancestors).add(real);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        return fail('read-failed', `${dir}: ${(e as Error).message}`);
      }
      names.sort(byName);
      for (const name of names) {
        const abs = join(dir, name);
        const st = await statOf(abs);
        if (st.isDirectory()) await walk(abs, [...rel, name], inner);
        else if (st.isFile()) {
          if (files.length >= MAX_FILES) fail('bad-option', `${root}: more than ${MAX_FILES} files`);
          files.push({ path: [...rel, name], absolutePath: abs, length: st.size });
        } else fail('unsupported-file', `${abs}: not a regular file or folder`);
      }
    };
    try {
      const st = await statOf(root);
      const name = basename(root);
      if (st.isFile()) return E.right({ name, multiFile: false, files: [{ path: [], absolutePath: root, length: st.size }], totalLength: st.size });
      if (!st.isDirectory()) fail('unsupported-file', `${root}: not a regular file or folder`);
      await walk(root, [], new Set());
      if (files.length === 0) fail('empty', `${root}: the folder holds no files`);
      const totalLength = files.reduce((s, f) => s + f.length, 0);
      return E.right({ name, multiFile: true, files, totalLength });
    } catch (e) {
      if (typeof e === 'object' && e !== null && (e as CreateError)._tag === 'CreateError') return E.left(e as CreateError);
      return E.left(createError('read-failed', `${root}: ${(e as Error).message}`));
    }
  };
}
