import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';

/** A torrent made by statorrent itself, parsed and written to disk for other clients. */
export interface TestTorrent {
  readonly metainfo: Metainfo;
  /** `<parent of content>/<name>.torrent`. */
  readonly torrentPath: string;
}

/**
 * Makes a torrent of `contentRoot` with statorrent's own createTorrent, announcing to
 * `trackers` (one tier), and writes it beside the content.
 */
export async function makeTestTorrent(contentRoot: string, trackers: readonly string[], pieceLength: number): Promise<TestTorrent> {
  const made = await createTorrentTask({ path: contentRoot, trackers: [trackers], pieceLength, creationDate: null })();
  if (E.isLeft(made)) throw new Error(made.left.message);
  const torrentPath = join(dirname(contentRoot), `${made.right.metainfo.name}.torrent`);
  await writeFile(torrentPath, made.right.torrent);
  return { metainfo: made.right.metainfo, torrentPath };
}
