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
    if (!(await flipByte(metainfo, savePath, at))) throw new RangeError(`piece ${index}: no file holds byte ${at}`);
  }
}

/**
 * Damages chosen 16 KiB blocks of every piece (one inverted byte in the middle of each block
 * `damage(piece, block)` picks), so a peer serving this copy sends some good and some bad
 * blocks of the same piece: what smart ban must tell apart.
 */
export async function corruptBlocks(metainfo: Metainfo, savePath: string, damage: (piece: number, block: number) => boolean): Promise<number> {
  let n = 0;
  for (let index = 0; index < metainfo.pieceCount; index++) {
    const start = index * metainfo.pieceLength;
    const size = Math.min(metainfo.pieceLength, metainfo.totalLength - start);
    for (let block = 0; block * BLOCK < size; block++) {
      if (!damage(index, block)) continue;
      const at = start + block * BLOCK + Math.floor(Math.min(BLOCK, size - block * BLOCK) / 2);
      if (await flipByte(metainfo, savePath, at)) n++;
    }
  }
  return n;
}

const BLOCK = 16_384;

/** Inverts the torrent's byte `at` on disk; false when it lies in no real file (padding). */
async function flipByte(metainfo: Metainfo, savePath: string, at: number): Promise<boolean> {
  const file = metainfo.files.find((f) => f.length > 0 && at >= f.offset && at < f.offset + f.length);
  if (file === undefined || file.padding) return false;
  const fh = await open(join(savePath, ...file.path), 'r+');
  try {
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, at - file.offset);
    one[0] = one[0]! ^ 0xff;
    await fh.write(one, 0, 1, at - file.offset);
  } finally {
    await fh.close();
  }
  return true;
}
