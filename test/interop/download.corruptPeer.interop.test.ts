import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { downloadWithLibrary } from '../support/libraryDownload.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { corruptPieces } from '../support/pieceCorruption.js';
import { piecesFailingHash } from '../support/pieceHashCheck.js';
import { treeDigest } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';

// Acceptance: a peer that serves bad data. Our own seeder on 127.0.0.2 (skipCheck: it trusts
// its damaged copy and serves it) and an honest libtorrent seeder on 127.0.0.1, throttled so the
// liar gets to deliver pieces first. The download must fail those pieces' hash checks, ban
// 127.0.0.2 (sole contributor of a bad piece), fetch them again from the honest seeder, and end
// byte-identical.
const LIAR_IP = '127.0.0.2';

describe('download with a peer that sends corrupt pieces', () => {
  let dir: string;
  let metainfo: Metainfo;
  let honest: LibtorrentSwarmPeer | undefined;
  let liar: StatorrentPeer | undefined;
  const liarEvents: TorrentEvent[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-corrupt-'));
    const original = join(dir, 'original');
    const torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(original, 'content'), torrentPath, { pieceLengthLog2: 15 });

    const bad = join(dir, 'liar');
    await cp(original, bad, { recursive: true });
    await corruptPieces(metainfo, bad, Array.from({ length: metainfo.pieceCount }, (_, i) => i).filter((i) => i % 2 === 0));
    liar = await startStatorrentPeer({ metainfo, downloadDir: bad, skipCheck: true, useTrackers: false }, LIAR_IP);
    liar.handle.events$.subscribe((e) => liarEvents.push(e));
    await liar.handle.completed; // skipCheck: complete at once, seeding

    honest = await startLibtorrentSwarmPeer(torrentPath, original, { uploadRate: 400_000 });
  });
  afterAll(async () => {
    await liar?.close();
    await honest?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects the bad pieces, bans the liar and completes byte-identical from the honest seeder', async () => {
    const run = await downloadWithLibrary(metainfo, join(dir, 'out'), {
      useTrackers: false,
      peers: [{ ip: LIAR_IP, port: liar!.session.port }, { ip: '127.0.0.1', port: honest!.port }],
      timeoutMs: 25_000,
    });
    const failed = run.events.flatMap((e) => (e.type === 'pieceFailed' ? [e.index] : []));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((i) => i % 2 === 0)).toBe(true); // only damaged pieces fail
    const verified = new Set(run.events.flatMap((e) => (e.type === 'pieceVerified' ? [e.index] : [])));
    expect(verified.size).toBe(metainfo.pieceCount); // every failed piece was fetched again
    // on disk, every piece must hash right: name any that do not, with what the run saw of them
    const badOnDisk = await piecesFailingHash(metainfo, join(dir, 'out'));
    const story = (i: number): string => `piece ${i}: blocks from ${JSON.stringify(run.blockSources.get(i) ?? [])}, events ${JSON.stringify(run.events.filter((e) => 'index' in e && e.index === i))}`;
    expect(badOnDisk.map(story)).toEqual([]);
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'original', 'content')));
    expect(run.events).toContainEqual({ type: 'banned', ip: LIAR_IP, reason: expect.stringMatching(/^sent /) });
    const liarIds = run.events.flatMap((e) => (e.type === 'peerConnected' && e.id.startsWith(`${LIAR_IP}:`) ? [e.id] : []));
    expect(liarIds.length).toBeGreaterThan(0);
    // the liar's connection ended, and it was never let back in
    for (const id of liarIds) expect(run.events).toContainEqual({ type: 'peerClosed', id, reason: expect.stringMatching(/banned/) });
    expect(liarIds).toHaveLength(1);
    expect(liarEvents.some((e) => e.type === 'peerConnected')).toBe(true);
  });
});
