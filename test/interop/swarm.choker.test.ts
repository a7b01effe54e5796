import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { defaultChokeOptions } from '../../src/choking/chokeDecision.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';
import { makeTestTorrent, type TestTorrent } from '../support/testTorrent.js';

const LEECHERS = 6;

/**
 * The choker in a real swarm (BEP 3, "Choking and optimistic unchoking"): one statorrent
 * seeder dials six statorrent leechers that know no one else (no trackers), so all six are
 * interested in it at once and only its upload slots decide who gets data. Observed through
 * the seeder's actor-system inspection: a peer actor is unchoked from the UNCHOKE event the
 * choker sends it until a later CHOKE (or until the connection closes).
 */
describe('the seeder keeps at most 4 regular + 1 optimistic peers unchoked', () => {
  let dir: string;
  let torrent: TestTorrent;
  let seeder: StatorrentPeer | undefined;
  const leechers: StatorrentPeer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-choke-'));
    await writeSample(join(dir, 'seed', 'content'), awkwardLayout(2));
    // the announce URL is never used: every peer here runs with useTrackers: false
    torrent = await makeTestTorrent(join(dir, 'seed', 'content'), ['http://127.0.0.1:1/announce'], 32 * 1024);
  });
  afterAll(async () => {
    await Promise.all(leechers.map((l) => l.close()));
    await seeder?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('never unchokes more than slots + 1, makes interested peers wait, and still serves everyone', async () => {
    const { metainfo } = torrent;
    for (let i = 0; i < LEECHERS; i++) {
      leechers.push(await startStatorrentPeer({ metainfo, downloadDir: join(dir, `leecher${i}`), useTrackers: false }));
    }

    const unchoked = new Set<string>();
    const interested = new Set<string>();
    let mostUnchoked = 0;
    let someoneWaited = false;
    const observe = (): void => {
      mostUnchoked = Math.max(mostUnchoked, unchoked.size);
      if (interested.size > unchoked.size) someoneWaited = true;
    };
    const inspect = (e: InspectionEvent): void => {
      if (e.type !== '@xstate.event') return;
      // peer actors are spawned with id = endpoint key (the inspection type hides `id`)
      const ref: object = e.actorRef;
      const id = 'id' in ref && typeof ref.id === 'string' ? ref.id : e.actorRef.sessionId;
      if (e.event.type === 'UNCHOKE') unchoked.add(id);
      else if (e.event.type === 'CHOKE') unchoked.delete(id);
      else return;
      observe();
    };
    seeder = await startStatorrentPeer({
      metainfo,
      downloadDir: join(dir, 'seed'),
      skipCheck: true,
      useTrackers: false,
      peers: leechers.map((l) => ({ ip: '127.0.0.1', port: l.session.port })),
      inspect,
      onWire: (peerKey, direction, message) => {
        if (direction !== 'in') return;
        if (message.type === 'interested') interested.add(peerKey);
        else if (message.type === 'notInterested') interested.delete(peerKey);
        else return;
        observe();
      },
    });
    seeder.handle.events$.subscribe((e) => {
      if (e.type !== 'peerClosed') return;
      unchoked.delete(e.id);
      interested.delete(e.id);
    });

    await Promise.all(leechers.map((l) => l.handle.completed));

    expect(mostUnchoked).toBeLessThanOrEqual(defaultChokeOptions.slots + 1);
    expect(mostUnchoked).toBeGreaterThanOrEqual(defaultChokeOptions.slots);
    expect(someoneWaited).toBe(true);
    const want = await treeDigest(join(dir, 'seed', 'content'));
    for (let i = 0; i < LEECHERS; i++) expect(await treeDigest(join(dir, `leecher${i}`, 'content'))).toEqual(want);
  }, 30_000);
});
