import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metainfo } from '../../src/metainfo/types.js';

/**
 * Damages the given pieces of a torrent's content under `savePath` (the folder that holds the
 * torrent's file or folder, as for libtorrent's save_path) by inverting one byte in the
 * middle of each piece, so any client's SHA-1 check rejects exactly those pieces.
 */
export async function corruptPieces(metainfo: Metainfo, savePath: string, pieces: Iterable<number>): Promise<void> {
  for (const index of pieces) {
    const start = index * metainfo.pieceLength;
    const size = Math.min(metainfo.pieceLength, metainfo.totalLength - start);
    if (!(index >= 0 && size > 0)) throw new RangeError(`no piece ${index}`);
    const at = start + Math.floor(size / 2);
    const file = metainfo.files.find((f) => f.length > 0 && at >= f.offset && at < f.offset + f.length);
    if (file === undefined || file.padding) throw new RangeError(`piece ${index}: no file holds byte ${at}`);
    const path = join(savePath, ...file.path);
    const fh = await open(path, 'r+');
    try {
      const one = Buffer.alloc(1);
      await fh.read(one, 0, 1, at - file.offset);
      one[0] = one[0]! ^ 0xff;
      await fh.write(one, 0, 1, at - file.offset);
    } finally {
      await fh.close();
    }
  }
}
