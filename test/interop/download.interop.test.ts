import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMetainfo } from '../../src/metainfo/index.js';
import { Session } from '../../src/session/session.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';
import { mktorrent } from '../support/thirdPartyTools.js';

describe('download from a real libtorrent seeder', () => {
  let dir: string;
  let seeder: SeederProcess | undefined;
  let torrentPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-'));
    await writeSample(join(dir, 'seed', 'content'), awkwardLayout());
    torrentPath = join(dir, 'content.torrent');
    await mktorrent(join(dir, 'seed', 'content'), torrentPath, { announce: 'http://127.0.0.1:1/announce', pieceLengthLog2: 15 });
    seeder = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'));
  });
  afterAll(async () => {
    await seeder?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets byte-identical files', async () => {
    const m = await loadMetainfo(torrentPath)();
    if (E.isLeft(m)) throw new Error(m.left.message);
    const session = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(session)) throw new Error(session.left);
    const t = await session.right.add({
      metainfo: m.right,
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
    expect(events.filter((e) => e === 'pieceVerified').length).toBe(m.right.pieceCount);
  });
});
