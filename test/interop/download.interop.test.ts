import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';

describe('download from a real libtorrent seeder', () => {
  let dir: string;
  let seeder: SeederProcess | undefined;
  let metainfo: Metainfo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-'));
    const torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 15 });
    seeder = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'));
  });
  afterAll(async () => {
    await seeder?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets byte-identical files', async () => {
    const session = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(session)) throw new Error(session.left);
    const t = await session.right.add({
      metainfo,
      downloadDir: join(dir, 'out'),
      useTrackers: false,
      peers: [{ ip: '127.0.0.1', port: seeder!.port }],
    });
    if (E.isLeft(t)) throw new Error(t.left);
    const events: string[] = [];
    t.right.events$.subscribe((e) => events.push(e.type));
    await t.right.completed;
    await session.right.close();
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    expect(events).toContain('peerConnected');
    expect(events.filter((e) => e === 'pieceVerified').length).toBe(metainfo.pieceCount);
  });
});
