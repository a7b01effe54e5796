import { createHash } from 'node:crypto';
import { encode } from '../../src/bencode/index.js';

/** A valid single-file info dictionary of `pieceCount` 16 KiB pieces (20 bytes of hash each). */
export function sampleInfo(pieceCount: number, name = 'sample.bin', isPrivate = false): { infoBytes: Uint8Array; infoHashHex: string } {
  const pieces = new Uint8Array(pieceCount * 20).map((_, i) => (i * 31 + pieceCount) & 0xff);
  const infoBytes = encode({ length: pieceCount * 16384, name, 'piece length': 16384, pieces, ...(isPrivate ? { private: 1 } : {}) });
  return { infoBytes, infoHashHex: createHash('sha1').update(infoBytes).digest('hex') };
}
