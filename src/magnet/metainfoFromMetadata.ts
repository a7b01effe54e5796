import * as E from 'fp-ts/lib/Either.js';
import { encode } from '../bencode/index.js';
import { metainfoError, type MetainfoError } from '../metainfo/errors.js';
import { parseMetainfo } from '../metainfo/parseMetainfo.js';
import type { Metainfo } from '../metainfo/types.js';
import { toHex } from '../wire/hex.js';
import type { MagnetLink } from './magnetLink.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * The .torrent file for metadata fetched by magnet (BEP 9): the info dictionary exactly as
 * received, with the magnet's trackers as one tier each (BEP 12 tries them in turn) and its
 * web seeds. The info bytes are spliced in untouched, never re-encoded, so the info hash stays.
 * This is also what is saved as `<name>.torrent` so a restart needs nobody's help.
 */
export function torrentFileFromMetadata(infoBytes: Uint8Array, magnet: Pick<MagnetLink, 'trackers' | 'webSeeds'>): Uint8Array {
  // Keys in byte order (BEP 3): announce < announce-list < info < url-list.
  const chunks: Uint8Array[] = [ascii('d')];
  if (magnet.trackers.length > 0) {
    chunks.push(encode('announce'), encode(magnet.trackers[0]!));
    chunks.push(encode('announce-list'), encode(magnet.trackers.map((t) => [t])));
  }
  chunks.push(encode('info'), infoBytes);
  if (magnet.webSeeds.length > 0) chunks.push(encode('url-list'), encode([...magnet.webSeeds]));
  chunks.push(ascii('e'));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Parses metadata fetched for a magnet link with the ordinary metainfo parser (every check of a
 * .torrent applies) and confirms it is the torrent the link names. The hash was already
 * checked piece by piece in the exchange; checking again here costs one SHA-1 and makes this
 * function safe on its own.
 */
export function metainfoFromMetadata(
  infoBytes: Uint8Array,
  magnet: Pick<MagnetLink, 'infoHashHex' | 'trackers' | 'webSeeds'>,
): E.Either<MetainfoError, { readonly metainfo: Metainfo; readonly torrentFile: Uint8Array }> {
  const torrentFile = torrentFileFromMetadata(infoBytes, magnet);
  const parsed = parseMetainfo(torrentFile);
  if (E.isLeft(parsed)) return parsed;
  if (toHex(parsed.right.infoHash) !== magnet.infoHashHex) {
    return E.left(metainfoError('structure', `metadata hashes to ${parsed.right.infoHashHex}, not the magnet's ${magnet.infoHashHex}`));
  }
  return E.right({ metainfo: parsed.right, torrentFile });
}
