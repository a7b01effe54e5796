import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerMetadataRequest, decodeUtMetadata, encodeUtMetadata, OUR_EXTENSION_IDS, UT_METADATA } from '../../src/extensions/index.js';
import { formatMagnet } from '../../src/magnet/index.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';
import { makeTestTorrent, type TestTorrent } from '../support/testTorrent.js';
import { startScriptedPeer, type ScriptedPeer } from './scriptedExtensionPeer.js';

const THEIR_UT_METADATA = 3;

/**
 * Acceptance (issue 11, hostile): a magnet download whose peers are a liar serving metadata that
 * does not hash to the info hash, a peer claiming a 2^40-byte info dictionary, a peer sending a
 * ut_metadata message over the size budget, and one honest libtorrent seeder. The download
 * completes, the liar and the huge claim are penalised, the oversized sender is disconnected.
 */
describe('hostile metadata peers beside an honest libtorrent seeder', () => {
  let dir: string;
  let torrent: TestTorrent;
  let seeder: SeederProcess | undefined;
  const scripted: ScriptedPeer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-magnet-hostile-'));
    const content = join(dir, 'seed', 'content');
    await writeSample(content, awkwardLayout(10)); // two metadata pieces
    torrent = await makeTestTorrent(content, [], 16 * 1024);
    seeder = await startLibtorrentSeeder(torrent.torrentPath, join(dir, 'seed'));
  });
  afterAll(async () => {
    for (const p of scripted) await p.close();
    await seeder?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes from the honest peer; the liar and the absurd size are penalised; the oversized message closes', async () => {
    const info = torrent.metainfo.infoBytes;
    const m = torrent.metainfo;
    const serve = (lie: boolean) => (msg: Parameters<Parameters<typeof startScriptedPeer>[3] & object>[0], peer: Parameters<Parameters<typeof startScriptedPeer>[3] & object>[1]) => {
      if (msg.type !== 'extended' || msg.extendedId !== THEIR_UT_METADATA) return;
      const req = decodeUtMetadata(msg.payload);
      if (E.isLeft(req) || req.right.type !== 'request') return;
      const answer = answerMetadataRequest(info, req.right.piece);
      const data = answer.type === 'data' && lie ? { ...answer, data: answer.data.map((b) => b ^ 0xff) } : answer;
      peer.send({ type: 'extended', extendedId: OUR_EXTENSION_IDS[UT_METADATA], payload: encodeUtMetadata(data) });
    };
    const liar = await startScriptedPeer('127.0.0.21', m.infoHash, { m: { ut_metadata: THEIR_UT_METADATA }, metadataSize: info.length }, serve(true));
    const huge = await startScriptedPeer('127.0.0.22', m.infoHash, { m: { ut_metadata: THEIR_UT_METADATA }, metadataSize: 2 ** 40 });
    const flooder = await startScriptedPeer('127.0.0.23', m.infoHash, { m: { ut_metadata: THEIR_UT_METADATA } });
    scripted.push(liar, huge, flooder);
    // over the ut_metadata budget (16 KiB + 1 KiB): the connection must close
    void flooder.connected.then((p) => p.send({ type: 'extended', extendedId: OUR_EXTENSION_IDS[UT_METADATA], payload: new Uint8Array(40_000) }));

    const started = await Session.start({ host: '127.0.0.1', port: 0 });
    if (E.isLeft(started)) throw new Error(started.left);
    const session = started.right;
    try {
      const magnet = formatMagnet({
        infoHashHex: m.infoHashHex,
        name: m.name,
        peers: [liar, huge, flooder, { ip: '127.0.0.1', port: seeder!.port }].map((p) => ({ ip: p.ip ?? '127.0.0.1', port: p.port })),
      });
      // one connection at a time while fetching, in link order: each hostile peer is met (and
      // dropped) before the honest one, whatever the timing
      const added = await session.add({ magnet, downloadDir: join(dir, 'out'), maxMetadataPeers: 1 });
      if (E.isLeft(added)) throw new Error(added.left);
      const events: TorrentEvent[] = [];
      added.right.events$.subscribe((e) => events.push(e));
      await added.right.completed;
      expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
      const penalised = events.filter((e) => e.type === 'peerPenalised');
      expect(penalised).toContainEqual(expect.objectContaining({ id: `127.0.0.22:${huge.port}`, reason: 'bad-size' }));
      expect(penalised).toContainEqual(expect.objectContaining({ id: `127.0.0.21:${liar.port}`, reason: 'wrong-metadata' }));
      expect(penalised.some((e) => e.type === 'peerPenalised' && e.id.startsWith('127.0.0.1:'))).toBe(false);
      const flooderClosed = events.find((e) => e.type === 'peerClosed' && e.id === `127.0.0.23:${flooder.port}`);
      expect(flooderClosed).toMatchObject({ reason: expect.stringMatching(/ut_metadata|extension message/) });
      expect(flooderClosed).toMatchObject({ reason: expect.stringMatching(/limit/) });
    } finally {
      await session.close();
    }
  });
});
