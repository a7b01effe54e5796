import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TorrentProgress } from '../../src/session/types.js';
import type { TrackerServer } from '../../src/tracker/server/index.js';
import { treeDigest } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';
import { makeTrackedTestTorrent, type TestTorrent } from '../support/testTorrent.js';

const LEECHERS = 3;

/** What the test saw of one statorrent leecher. */
interface LeecherView {
  readonly peer: StatorrentPeer;
  readonly verified: Set<number>;
  /** Payload bytes received per remote endpoint key (from `piece` messages). */
  readonly bytesFrom: Map<string, number>;
  /** Endpoint keys of the connections that completed a handshake. */
  readonly connected: Set<string>;
  latest: TorrentProgress | undefined;
  /** Verified pieces when the seeder was stopped (undefined while it runs). */
  verifiedAtSeederStop: number | undefined;
}

/**
 * A swarm of statorrent peers only: one seeder and three leechers, all finding each other
 * through our tracker. As soon as every piece exists somewhere among the leechers the seeder
 * leaves; the leechers must finish from each other. The content (~12 MB in 364 pieces of
 * 32 KiB) keeps the seeder busy long enough for the leechers to find and trade with each
 * other (on loopback most of their data comes from each other well before the seeder leaves).
 */
describe('statorrent leechers finish from each other after the seeder leaves', () => {
  let dir: string;
  let tracker: TrackerServer;
  let torrent: TestTorrent;
  let seeder: StatorrentPeer | undefined;
  const leechers: LeecherView[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-swarm-'));
    const made = await makeTrackedTestTorrent(dir, { scale: 8, announceOver: 'http' });
    tracker = made.tracker;
    torrent = made;
  });
  afterAll(async () => {
    await Promise.all(leechers.map((l) => l.peer.close()));
    await seeder?.close();
    await tracker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every leecher gets byte-identical files', async () => {
    const { metainfo } = torrent;
    seeder = await startStatorrentPeer({ metainfo, downloadDir: join(dir, 'seed'), skipCheck: true });
    const seederGone = seeder;
    const seederKey = `127.0.0.1:${seederGone.session.port}`;
    await firstValueFrom(seederGone.handle.events$.pipe(filter((e) => e.type === 'announced')));

    const union = new Set<number>();
    let seederStopping: Promise<void> | undefined;
    const stopSeederOnceUnionComplete = (): void => {
      if (seederStopping !== undefined || union.size < metainfo.pieceCount) return;
      for (const l of leechers) l.verifiedAtSeederStop = l.verified.size;
      seederStopping = seederGone.close();
    };

    // Staggered: each leecher starts after the previous one is listed, so its first tracker
    // reply names the seeder and the earlier leechers (our announcer re-announces only after
    // >= 60 s); earlier leechers learn of later ones from their incoming connections.
    for (let i = 0; i < LEECHERS; i++) {
      const bytesFrom = new Map<string, number>();
      const peer = await startStatorrentPeer({
        metainfo,
        downloadDir: join(dir, `leecher${i}`),
        onWire: (peerKey, direction, message) => {
          if (direction === 'in' && message.type === 'piece') bytesFrom.set(peerKey, (bytesFrom.get(peerKey) ?? 0) + message.block.length);
        },
      });
      const view: LeecherView = { peer, verified: new Set(), bytesFrom, connected: new Set(), latest: undefined, verifiedAtSeederStop: undefined };
      leechers.push(view);
      peer.handle.progress$.subscribe((p) => (view.latest = p));
      peer.handle.events$.subscribe((e) => {
        if (e.type === 'peerConnected') view.connected.add(e.id);
        if (e.type !== 'pieceVerified') return;
        view.verified.add(e.index);
        union.add(e.index);
        stopSeederOnceUnionComplete();
      });
      await firstValueFrom(peer.handle.events$.pipe(filter((e) => e.type === 'announced')));
    }

    await Promise.all(leechers.map((l) => l.peer.handle.completed));
    expect(seederStopping).toBeDefined();
    await seederStopping;

    // a full mesh: the seeder plus every other leecher (dialled, or accepted from later ones)
    for (const l of leechers) expect(l.connected.size).toBeGreaterThanOrEqual(LEECHERS);
    const want = await treeDigest(join(dir, 'seed', 'content'));
    for (let i = 0; i < LEECHERS; i++) expect(await treeDigest(join(dir, `leecher${i}`, 'content'))).toEqual(want);

    // The seeder left while leechers were partial: the piece that completed the union was
    // verified by one leecher first, so every other leecher still lacked it then and had to
    // finish after the seeder stopped.
    const partial = leechers.filter((l) => (l.verifiedAtSeederStop ?? metainfo.pieceCount) < metainfo.pieceCount);
    expect(partial.length).toBeGreaterThanOrEqual(LEECHERS - 1);
    for (const l of partial) {
      const fromLeechers = [...l.bytesFrom].filter(([key]) => key !== seederKey).reduce((sum, [, n]) => sum + n, 0);
      expect(fromLeechers).toBeGreaterThan(0);
    }
    await Promise.all(leechers.map((l) => l.peer.close()));
    const uploadedByLeechers = leechers.reduce((sum, l) => sum + (l.latest?.uploaded ?? 0), 0);
    expect(uploadedByLeechers).toBeGreaterThan(0);
  }, 40_000);
});
