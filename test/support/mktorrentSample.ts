import * as E from 'fp-ts/lib/Either.js';
import { loadMetainfo } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { awkwardLayout, writeSample } from './sampleContent.js';
import { mktorrent } from './thirdPartyTools.js';

/** An announce URL nothing listens on (port 1), for torrents whose peers a test gives directly. */
export const UNUSED_ANNOUNCE = 'http://127.0.0.1:1/announce';

/** Parses a .torrent file with statorrent's loader; throws its one-line error (test set-up only). */
export async function loadTestMetainfo(torrentPath: string): Promise<Metainfo> {
  const m = await loadMetainfo(torrentPath)();
  if (E.isLeft(m)) throw new Error(m.left.message);
  return m.right;
}

/** How to make the sample torrent. */
export interface MktorrentSampleOptions {
  /** Piece length is 2^pieceLengthLog2 bytes. */
  readonly pieceLengthLog2: number;
  /** Defaults to UNUSED_ANNOUNCE. */
  readonly announce?: string;
  /** awkwardLayout's scale (default 1). */
  readonly scale?: number;
}

/**
 * Writes the sample content (awkwardLayout: nested folders, an empty file, a short last piece)
 * to `contentDir`, makes `torrentPath` of it with mktorrent (a third-party creator, so the
 * torrent is not shaped by our own writer) and parses it.
 */
export async function mktorrentSample(contentDir: string, torrentPath: string, options: MktorrentSampleOptions): Promise<Metainfo> {
  await writeSample(contentDir, awkwardLayout(options.scale));
  await mktorrent(contentDir, torrentPath, { announce: options.announce ?? UNUSED_ANNOUNCE, pieceLengthLog2: options.pieceLengthLog2 });
  return loadTestMetainfo(torrentPath);
}
