import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { InspectorSnapshot } from '../../src/session/inspectorSource.js';
import type { TorrentInspection } from '../../src/session/torrentInspection.js';
import type { TorrentEvent, TorrentProgress } from '../../src/session/types.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';
import { settlesWithin } from '../support/settlesWithin.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';

// A piece lost while seeding is fetched again from the swarm (as libtorrent does after a read
// error). Our session on 127.0.0.2 downloads the torrent from a libtorrent seeder on 127.0.0.3
// (`completed` once) and seeds it. Then its last file is cut inside the last piece, and a
// libtorrent leecher on 127.0.0.4 asks us for that piece: the read fails, the piece is lost,
// and our session must fetch it again from the libtorrent seeder (still connected: we become
// interested in it again; had it dropped us, the redial round would reach it), hash-check it,
// write it back and seed again without announcing `completed` a second time (BEP 3: once).
const OURS = '127.0.0.2';
const SEEDER = '127.0.0.3';
const LEECHER = '127.0.0.4';

/** `p` with its rejection observed (the events end when the session closes after a failed step). */
const awaited = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => undefined);
  return p;
};

describe('a piece lost while seeding is repaired from the swarm', () => {
  let dir: string;
  let metainfo: Metainfo;
  let torrentPath: string;
  let ours: StatorrentPeer | undefined;
  let seeder: LibtorrentSwarmPeer | undefined;
  let leecher: LibtorrentSwarmPeer | undefined;
  const events: TorrentEvent[] = [];
  const progress: TorrentProgress[] = [];
  /** `reject`s we sent, per peer id. */
  const rejects = new Map<string, number>();
  const inspectedAtLoss: InspectorSnapshot[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-repair-'));
    const original = join(dir, 'original');
    torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(original, 'content'), torrentPath, { pieceLengthLog2: 16 });
    seeder = await startLibtorrentSwarmPeer(torrentPath, original, { ip: SEEDER });
    const onWire = (id: string, direction: 'in' | 'out', m: { type: string }): void => {
      if (direction === 'out' && m.type === 'reject') rejects.set(id, (rejects.get(id) ?? 0) + 1);
    };
    ours = await startStatorrentPeer({ metainfo, downloadDir: join(dir, 'ours'), useTrackers: false, peers: [{ ip: SEEDER, port: seeder.port }], onWire }, OURS);
    // the inspector's view, read the moment the loss is reported
    const inspection = (ours.handle as { inspection?: TorrentInspection }).inspection;
    ours.handle.events$.subscribe((e) => {
      events.push(e);
      if (e.type === 'pieceLost' && inspection !== undefined) inspectedAtLoss.push(inspection.snapshot());
    });
    ours.handle.progress$.subscribe((p) => progress.push(p));
    await settlesWithin(ours.handle.completed, 30_000, 'first download from the libtorrent seeder');
  });
  afterAll(async () => {
    await leecher?.stop();
    await ours?.close();
    await seeder?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches the lost piece again, writes it back byte-identical and seeds again without a second completed', async () => {
    const handle = ours!.handle;
    const lastPiece = metainfo.pieceCount - 1;
    const lastPieceStart = lastPiece * metainfo.pieceLength;
    const lastPieceSize = metainfo.totalLength - lastPieceStart;
    const last = metainfo.files.at(-1)!;
    // the cut falls inside the last piece, so exactly that piece becomes unreadable
    expect(last.offset).toBeLessThan(lastPieceStart);
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(1);
    expect(progress.at(-1)).toMatchObject({ state: 'seeding', verifiedPieces: metainfo.pieceCount, verifiedBytes: metainfo.totalLength });
    const seenBefore = progress.length;
    let dipped = false;

    const lost = awaited(firstValueFrom(handle.events$.pipe(filter((e) => e.type === 'pieceLost'))));
    const repaired = awaited(firstValueFrom(handle.events$.pipe(filter((e) => e.type === 'pieceVerified' && e.index === lastPiece))));
    const seedingAgain = awaited(firstValueFrom(
      handle.progress$.pipe(filter((p) => (dipped ||= p.state === 'downloading') && p.state === 'seeding' && p.verifiedPieces === metainfo.pieceCount)),
    ));
    await truncate(join(dir, 'ours', ...last.path), lastPieceStart - last.offset + 10);
    // a real leecher that knows only us asks for every piece, the damaged one included
    leecher = await startLibtorrentSwarmPeer(torrentPath, join(dir, 'leech'), { ip: LEECHER, leech: true, connect: `${OURS}:${ours!.session.port}` });

    expect(await settlesWithin(lost, 20_000, 'the leecher reading the damaged piece')).toMatchObject({ type: 'pieceLost', index: lastPiece });
    // the loss shows at once: one piece fewer verified, downloading again, missing in the inspector
    expect(inspectedAtLoss).toHaveLength(1);
    expect(inspectedAtLoss[0]!.verifiedPieces).toBe(metainfo.pieceCount - 1);
    expect(inspectedAtLoss[0]!.pieces.states).toBe('v'.repeat(lastPiece) + '.');
    expect(progress.slice(seenBefore)).toContainEqual(
      expect.objectContaining({ state: 'downloading', verifiedPieces: metainfo.pieceCount - 1, verifiedBytes: metainfo.totalLength - lastPieceSize }),
    );

    await settlesWithin(repaired, 40_000, 'the lost piece fetched again from the libtorrent seeder');
    expect(await settlesWithin(seedingAgain, 5_000, 'seeding again')).toMatchObject({ verifiedBytes: metainfo.totalLength });
    expect(await treeDigest(join(dir, 'ours', 'content'))).toEqual(await treeDigest(join(dir, 'original', 'content')));
    // every piece lost was fetched again, from the seeder; nothing failed its hash check
    const after = events.slice(events.findIndex((e) => e.type === 'pieceLost'));
    expect(after.filter((e) => e.type === 'pieceLost').map((e) => (e as { index: number }).index)).toEqual([lastPiece]);
    expect(after.filter((e) => e.type === 'pieceFailed')).toEqual([]);
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(1);
    expect(progress.at(-1)).toMatchObject({ state: 'seeding', verifiedPieces: metainfo.pieceCount, verifiedBytes: metainfo.totalLength });
    // lt_donthave (BEP 54) stopped the leecher asking for the lost piece: without it libtorrent
    // re-requests a rejected block at once, and a thousand refusals get it banned as abusive
    expect(events.filter((e) => e.type === 'banned')).toEqual([]);
    const leecherRejects = [...rejects].filter(([id]) => id.startsWith(`${LEECHER}:`)).reduce((n, [, count]) => n + count, 0);
    expect(leecherRejects).toBeGreaterThan(0); // the requests that found the piece unreadable
    expect(leecherRejects).toBeLessThan(20); // and the few that crossed our lt_donthave
  });
});
