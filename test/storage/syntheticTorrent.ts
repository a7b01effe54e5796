import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type { FileEntry, Metainfo } from '../../src/metainfo/types.js';
import { TorrentStorage } from '../../src/storage/torrentStorage.js';

/** One file of a test torrent. */
export interface FileSpec {
  readonly path: readonly string[];
  readonly length: number;
  readonly padding?: boolean;
}

/** A Metainfo for `files` (content bytes given; padding bytes must be zero) with real piece hashes. */
export const syntheticTorrent = (files: readonly FileSpec[], pieceLength: number, content: Uint8Array): Metainfo => {
  let offset = 0;
  const entries: FileEntry[] = files.map((f) => {
    const e = { path: f.path, length: f.length, offset, padding: f.padding ?? false };
    offset += f.length;
    return e;
  });
  if (offset !== content.length) throw new Error(`content has ${content.length} bytes, files ${offset}`);
  const pieceCount = Math.ceil(offset / pieceLength);
  const pieces = new Uint8Array(pieceCount * 20);
  for (let i = 0; i < pieceCount; i++) {
    pieces.set(createHash('sha1').update(content.subarray(i * pieceLength, Math.min(offset, (i + 1) * pieceLength))).digest(), i * 20);
  }
  return {
    infoHash: new Uint8Array(20),
    infoHashHex: '0'.repeat(40),
    infoBytes: new Uint8Array(0),
    name: files[0]?.path[0] ?? 'empty',
    pieceLength,
    pieceCount,
    pieces,
    totalLength: offset,
    multiFile: files.length > 1,
    files: entries,
    announceList: [],
    urlList: [],
    private: false,
  };
};

/** Deterministic pseudo-random content with padding ranges zeroed. */
export const contentFor = (files: readonly FileSpec[], seed: number): Uint8Array => {
  const total = files.reduce((s, f) => s + f.length, 0);
  const out = new Uint8Array(total);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < total; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  let at = 0;
  for (const f of files) {
    if (f.padding === true) out.fill(0, at, at + f.length);
    at += f.length;
  }
  return out;
};

/**
 * A storage under `dir` holding `files` (content from `seed`) whole and verified, every piece
 * written in one call with no staging: the starting point of the seeding-read tests.
 */
export const verifiedStorage = async (dir: string, files: readonly FileSpec[], pieceLength: number, seed: number): Promise<{ storage: TorrentStorage; metainfo: Metainfo; content: Uint8Array }> => {
  const content = contentFor(files, seed);
  const metainfo = syntheticTorrent(files, pieceLength, content);
  const opened = await TorrentStorage.open(dir, metainfo, { maxStagedBytes: 0 });
  if (E.isLeft(opened)) throw new Error(opened.left.message);
  const storage = opened.right;
  for (let i = 0; i < metainfo.pieceCount; i++) {
    await storage.writeBlock(i, 0, content.subarray(i * pieceLength, i * pieceLength + storage.pieceSize(i)));
    if (!(await storage.verifyPiece(i))) throw new Error(`piece ${i} did not verify`);
  }
  return { storage, metainfo, content };
};
