import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { downloadWithLibrary } from '../support/libraryDownload.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { corruptPieces } from '../support/pieceCorruption.js';
import { treeDigest } from '../support/sampleContent.js';

/**
 * Acceptance (issue 11, BEP 11): statorrent is told of one libtorrent peer only (no trackers).
 * That peer holds half the pieces and slowly downloads the rest from a full seeder statorrent never heard of;
 * its ut_pex message names the seeder, statorrent dials it and completes from it.
 */
describe('peer exchange with libtorrent', () => {
  let dir: string;
  let metainfo: Metainfo;
  let seed: LibtorrentSwarmPeer | undefined;
  let half: LibtorrentSwarmPeer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-pex-'));
    const original = join(dir, 'original');
    const torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(original, 'content'), torrentPath, { pieceLengthLog2: 15 });
    seed = await startLibtorrentSwarmPeer(torrentPath, original, { ip: '127.0.0.5' });
    const halfPath = join(dir, 'half');
    await cp(original, halfPath, { recursive: true });
    await corruptPieces(metainfo, halfPath, Array.from({ length: metainfo.pieceCount }, (_, i) => i).filter((i) => i % 2 === 1));
    // a slow leecher, so it stays connected to the seed (interested) while statorrent runs
    half = await startLibtorrentSwarmPeer(torrentPath, halfPath, { ip: '127.0.0.6', leech: true, downloadRate: 4096, connect: `127.0.0.5:${seed.port}` });
  });
  afterAll(async () => {
    await half?.stop();
    await seed?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('learns the seeder from the half peer through PEX and downloads from it', async () => {
    const run = await downloadWithLibrary(metainfo, join(dir, 'out'), { useTrackers: false, peers: [{ ip: '127.0.0.6', port: half!.port }], timeoutMs: 50_000 });
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'original', 'content')));
    // libtorrent's message names the seeder and (as it sees it) statorrent itself, which the pool skips
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'peersDiscovered', source: 'pex', from: `127.0.0.6:${half!.port}` }));
    // we dial the address PEX named (libtorrent answers our handshake before it looks for duplicates),
    // with MSE: the half peer dialled the seeder with MSE (connect_peer does), so its added.f
    // flags the seeder 0x01 "prefers encryption" (BEP 11), and our default policy honours it.
    // Unless the seeder, told of us by the half peer's PEX, dialled us first: its extended
    // handshake gave its listen port, which we then never dial (src/peers/listenHolds.ts)
    const pexAt = run.events.findIndex((e) => e.type === 'peersDiscovered' && e.source === 'pex');
    const seederDialledFirst = run.events.slice(0, pexAt).some((e) => e.type === 'peerConnected' && e.id.startsWith('127.0.0.5:') && e.source === 'incoming');
    const ourDial = run.events.find((e) => e.type === 'peerConnected' && e.id === `127.0.0.5:${seed!.port}`);
    if (ourDial !== undefined || !seederDialledFirst) {
      expect(ourDial).toEqual(expect.objectContaining({ type: 'peerConnected', source: 'pex', encryption: expect.stringMatching(/^mse-/) }));
    }
    // The half peer's PEX also names us to the seeder, which may dial us while we dial it; libtorrent
    // then keeps one of the two connections by peer id (QUIRKS.md), so the seeder's blocks may come on
    // its connection to us (127.0.0.5:<ephemeral port>). It is the only peer on 127.0.0.5.
    const fromSeeder = [...run.blocksByPeer].filter(([id]) => id.startsWith('127.0.0.5:')).reduce((n, [, blocks]) => n + blocks, 0);
    expect(fromSeeder).toBeGreaterThan(0);
  });
});
