import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { MagnetLink } from '../magnet/magnetLink.js';
import { loadMetainfo } from '../metainfo/loadMetainfo.js';
import type { Metainfo } from '../metainfo/types.js';

/** Most `.torrent` files looked at when searching a download folder for a magnet's saved torrent. */
const MAX_CANDIDATES = 200;

/** Where the .torrent of fetched metadata is saved: `<downloadDir>/<name>.torrent` (name already sanitized). */
export const savedTorrentPath = (downloadDir: string, m: Pick<Metainfo, 'name'>): string => join(downloadDir, `${m.name}.torrent`);

/**
 * The .torrent saved by an earlier fetch of this magnet link's metadata, if the download folder
 * has one: `<dn>.torrent` first, then any `.torrent` there whose info hash is the link's. This
 * is how a restarted magnet download resumes without asking peers for the metadata again.
 */
export async function findSavedTorrent(downloadDir: string, magnet: Pick<MagnetLink, 'infoHashHex' | 'name'>): Promise<Metainfo | undefined> {
  let names: string[];
  try {
    names = (await readdir(downloadDir)).filter((n) => n.endsWith('.torrent'));
  } catch {
    return undefined; // no folder yet: nothing saved
  }
  const hinted = magnet.name !== undefined ? `${magnet.name}.torrent` : undefined;
  names.sort((a, b) => (a === hinted ? -1 : b === hinted ? 1 : a.localeCompare(b)));
  for (const n of names.slice(0, MAX_CANDIDATES)) {
    const loaded = await loadMetainfo(join(downloadDir, n))();
    if (E.isRight(loaded) && loaded.right.infoHashHex === magnet.infoHashHex) return loaded.right;
  }
  return undefined;
}

/** Writes the .torrent of fetched metadata next to the download; the error is a sentence. */
export async function saveTorrent(path: string, torrentFile: Uint8Array): Promise<E.Either<string, string>> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, torrentFile);
    return E.right(path);
  } catch (e) {
    return E.left(`cannot save the fetched metadata as ${path}: ${(e as Error).message}`);
  }
}
