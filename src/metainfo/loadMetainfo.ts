import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { pipe } from 'fp-ts/lib/function.js';
import { sourceError, type LoadError, type SourceError } from './errors.js';
import { fetchTorrentBytes, type FetchLimits } from './fetchTorrentBytes.js';
import { MAX_TORRENT_BYTES, type MetainfoLimits } from './limits.js';
import { parseMetainfo } from './parseMetainfo.js';
import type { Metainfo } from './types.js';

/** True for sources {@link loadMetainfo} fetches over the network. */
export const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** What a path names when it is not a regular file, for the error message. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'something else';
}

const notRegular = (path: string, st: Stats): SourceError =>
  sourceError('read-failed', `${path}: ${kindOf(st)}, not a regular file (a .torrent must be a file)`);

/**
 * Reads a local .torrent file, refusing anything over `maxBytes` before reading it whole
 * (a .torrent path could name a huge file or a device). A path that is not a regular file (a
 * folder, a named pipe, a device) is refused before it is opened for reading: opening a pipe
 * blocks until a writer comes, and reading a device may never end. The open itself is
 * non-blocking and checked again, in case the path is swapped in between.
 */
export function readTorrentFile(path: string, maxBytes = MAX_TORRENT_BYTES): TE.TaskEither<SourceError, Uint8Array> {
  return async () => {
    let fh;
    try {
      const st = await stat(path);
      if (!st.isFile()) return E.left(notRegular(path, st));
      fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return E.left(sourceError('not-found', `${path}: no such file`));
      return E.left(sourceError('read-failed', `${path}: ${(e as Error).message}`));
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) return E.left(notRegular(path, st));
      if (st.size > maxBytes) {
        return E.left(sourceError('too-large', `${path}: ${st.size} bytes is more than the ${maxBytes}-byte limit for a .torrent`));
      }
      const buf = Buffer.alloc(st.size);
      let off = 0;
      while (off < buf.length) {
        const { bytesRead } = await fh.read(buf, off, buf.length - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      return E.right(new Uint8Array(buf.buffer, buf.byteOffset, off));
    } catch (e) {
      return E.left(sourceError('read-failed', `${path}: ${(e as Error).message}`));
    } finally {
      await fh.close();
    }
  };
}

/**
 * Loads a torrent from a local path or an http(s):// URL and parses it.
 * Fails with a {@link LoadError}: a {@link SourceError} when the bytes cannot be had, a
 * MetainfoError when they are not a valid torrent.
 */
export function loadMetainfo(source: string, limits: FetchLimits & MetainfoLimits = {}): TE.TaskEither<LoadError, Metainfo> {
  const bytes: TE.TaskEither<LoadError, Uint8Array> = isUrl(source)
    ? fetchTorrentBytes(source, limits)
    : readTorrentFile(source, limits.maxBytes);
  return pipe(
    bytes,
    TE.chainEitherKW((b) => parseMetainfo(b, limits)),
  );
}
