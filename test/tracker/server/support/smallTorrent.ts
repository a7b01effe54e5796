import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from '../../../../src/bencode/index.js';

/** A single-file private torrent written next to its data, for interop tests. */
export interface SmallTorrent {
  readonly torrentPath: string;
  readonly infoHash: Uint8Array;
  readonly name: string;
  readonly data: Uint8Array;
}

/** Writes `dir/name` (random bytes) and `dir/name.torrent` announcing to `announce`. */
export async function writeSmallTorrent(dir: string, name: string, size: number, announce: string): Promise<SmallTorrent> {
  const data = new Uint8Array(randomBytes(size));
  const pieceLength = 32_768;
  const hashes: Buffer[] = [];
  for (let o = 0; o < size; o += pieceLength) hashes.push(createHash('sha1').update(data.subarray(o, o + pieceLength)).digest());
  // Private (BEP 27) so clients never look for peers anywhere but the tracker.
  const info = { length: size, name, 'piece length': pieceLength, pieces: new Uint8Array(Buffer.concat(hashes)), private: 1 };
  const torrent = encode({ announce, info });
  await writeFile(join(dir, name), data);
  const torrentPath = join(dir, `${name}.torrent`);
  await writeFile(torrentPath, torrent);
  return { torrentPath, infoHash: new Uint8Array(createHash('sha1').update(encode(info)).digest()), name, data };
}
