import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metainfo } from '../../src/metainfo/types.js';

/**
 * The pieces whose bytes under `savePath` (the folder holding the torrent's file or folder) do
 * not match the torrent's SHA-1: an independent check of what a client left on disk, so a
 * failing byte comparison can name the pieces (and thus the peer or write) at fault.
 */
export async function piecesFailingHash(metainfo: Metainfo, savePath: string): Promise<number[]> {
  const bad: number[] = [];
  for (let index = 0; index < metainfo.pieceCount; index++) {
    const start = index * metainfo.pieceLength;
    const end = Math.min(start + metainfo.pieceLength, metainfo.totalLength);
    const hash = createHash('sha1');
    let readable = true;
    for (const f of metainfo.files) {
      const from = Math.max(start, f.offset);
      const to = Math.min(end, f.offset + f.length);
      if (to <= from) continue;
      const part = Buffer.alloc(to - from); // padding files read as zeros
      if (!f.padding) {
        try {
          const fh = await open(join(savePath, ...f.path), 'r');
          try {
            const { bytesRead } = await fh.read(part, 0, part.length, from - f.offset);
            if (bytesRead !== part.length) readable = false;
          } finally {
            await fh.close();
          }
        } catch {
          readable = false;
        }
      }
      hash.update(part);
    }
    const expected = Buffer.from(metainfo.pieces.subarray(index * 20, index * 20 + 20));
    if (!readable || !hash.digest().equals(expected)) bad.push(index);
  }
  return bad;
}
