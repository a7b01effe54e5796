import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import { DiskWriter } from '../../src/storage/diskWriter.js';
import { WORKER_AFTER_BYTES } from '../../src/storage/pieceWriter.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { loadTestMetainfo, UNUSED_ANNOUNCE } from '../support/mktorrentSample.js';
import { mktorrent } from '../support/thirdPartyTools.js';

/**
 * A download past the storage's first 64 MiB: the rest of its pieces are written by the
 * shared disk writer's worker (in place from the block pool's shared memory), some of them
 * across the boundary of two files.
 */
describe('download from a real libtorrent seeder, large enough for the disk writer', () => {
  let dir: string;
  let seeder: SeederProcess | undefined;
  let metainfo: Metainfo;
  const big = randomBytes(WORKER_AFTER_BYTES + 8 * 2 ** 20 - 1000);
  const tail = randomBytes(50_000);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dlw-'));
    await mkdir(join(dir, 'seed', 'content'), { recursive: true });
    await writeFile(join(dir, 'seed', 'content', 'big.bin'), big);
    await writeFile(join(dir, 'seed', 'content', 'tail.bin'), tail);
    const torrentPath = join(dir, 'content.torrent');
    await mktorrent(join(dir, 'seed', 'content'), torrentPath, { announce: UNUSED_ANNOUNCE, pieceLengthLog2: 20 });
    metainfo = await loadTestMetainfo(torrentPath);
    seeder = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'));
  });
  afterAll(async () => {
    await seeder?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets byte-identical files, the pieces past 64 MiB written by the worker', async () => {
    const writes = vi.spyOn(DiskWriter.prototype, 'write');
    try {
      const session = await Session.start({ port: 0, host: '127.0.0.1' });
      if (E.isLeft(session)) throw new Error(session.left);
      const t = await session.right.add({ metainfo, downloadDir: join(dir, 'out'), useTrackers: false, peers: [{ ip: '127.0.0.1', port: seeder!.port }] });
      if (E.isLeft(t)) throw new Error(t.left);
      await t.right.completed;
      await session.right.close();
      // pieces complete in any order, so which ones the worker wrote varies; about 8 of 73 did
      expect(writes.mock.calls.length).toBeGreaterThanOrEqual(7);
      expect((await readFile(join(dir, 'out', 'content', 'big.bin'))).equals(big)).toBe(true);
      expect((await readFile(join(dir, 'out', 'content', 'tail.bin'))).equals(tail)).toBe(true);
    } finally {
      writes.mockRestore();
    }
  });
});
