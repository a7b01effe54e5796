import { createHash } from 'node:crypto';
import { encode, type BEncodable } from '../../src/bencode/index.js';

/** Builds test torrents: valid by default, with any field overridden or removed (`undefined`). */

export const PIECE = 16384;

/** `n` distinct fake 20-byte hashes. */
export const fakePieces = (n: number): Uint8Array => {
  const out = new Uint8Array(n * 20);
  for (let i = 0; i < n; i++) out.set(createHash('sha1').update(`piece ${i}`).digest(), i * 20);
  return out;
};

export type Dict = { readonly [key: string]: BEncodable | undefined };

/** A single-file info dictionary: 40000 bytes in 16 KiB pieces (3 pieces). */
export const singleInfo = (over: Dict = {}): Dict => ({
  length: 40000,
  name: 'file.bin',
  'piece length': PIECE,
  pieces: fakePieces(3),
  ...over,
});

/** A multi-file info dictionary whose pieces match the file lengths. */
export const multiInfo = (paths: readonly (readonly string[])[], lengths: readonly number[], over: Dict = {}): Dict => {
  const total = lengths.reduce((a, b) => a + b, 0);
  return {
    files: paths.map((p, i) => ({ length: lengths[i]!, path: [...p] })),
    name: 'folder',
    'piece length': PIECE,
    pieces: fakePieces(Math.ceil(total / PIECE)),
    ...over,
  };
};

export const torrent = (info: BEncodable | undefined, over: Dict = {}): Uint8Array =>
  encode({ announce: 'http://127.0.0.1:6969/announce', info, ...over });

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
