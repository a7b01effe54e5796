import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackerServer } from '../../src/tracker/server/index.js';
import { awkwardLayout, treeDigest } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';
import { makeTrackedTestTorrent, type TestTorrent } from '../support/testTorrent.js';
import { startTransmissionLeecher, type TransmissionLeecher } from '../support/transmissionLeecher.js';

/** Files with content only: Transmission 3.00 does not create zero-length files of a torrent. */
const withoutEmptyFiles = (digest: Record<string, string>): Record<string, string> => {
  const emptySha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
  return Object.fromEntries(Object.entries(digest).filter(([, sha1]) => sha1 !== emptySha1));
};

/**
 * Seeding to transmission-cli 3.00. Transmission drops tracker peers on 127.0.0.0/8, so it
 * never dials our seeder: the seeder is told to dial it (`peers`), as a seeder behind no NAT
 * would be dialled by or dial any leecher it hears of. Both still announce to our tracker.
 * Transmission hash-checks every piece before its done-script runs.
 */
describe('Transmission downloads from a statorrent seeder', () => {
  let dir: string;
  let tracker: TrackerServer;
  let torrent: TestTorrent;
  let seeder: StatorrentPeer | undefined;
  let leecher: TransmissionLeecher | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-seed-tr-'));
    const made = await makeTrackedTestTorrent(dir, { announceOver: 'http' });
    tracker = made.tracker;
    torrent = made;
    await mkdir(join(dir, 'out'));
  });
  afterAll(async () => {
    await leecher?.stop();
    await seeder?.close();
    await tracker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets byte-identical files (zero-length files aside)', async () => {
    // Transmission refuses connections for a torrent it has not started yet; its `started`
    // announce says it has (it sends a `stopped` one first, see the interop README).
    const started = firstValueFrom(
      tracker.events$.pipe(filter((e) => e.type === 'announce' && e.event === 'started' && e.left > 0)),
    );
    leecher = await startTransmissionLeecher(torrent.torrentPath, join(dir, 'out'));
    await started;
    seeder = await startStatorrentPeer({
      metainfo: torrent.metainfo,
      downloadDir: join(dir, 'seed'),
      peers: [{ ip: '127.0.0.1', port: leecher.port }],
    });
    const events: string[] = [];
    seeder.handle.events$.subscribe((e) => events.push(e.type));
    await leecher.done.catch((e: Error) => {
      throw new Error(`${e.message}\nseeder events: ${events.join(' ')}\ntransmission: ${leecher?.output().slice(-800) ?? ''}`);
    });

    const want = await treeDigest(join(dir, 'seed', 'content'));
    const got = await treeDigest(join(dir, 'out', 'content'));
    expect(withoutEmptyFiles(got)).toEqual(withoutEmptyFiles(want));
    expect(Object.keys(withoutEmptyFiles(want))).toHaveLength(awkwardLayout().filter((f) => f.length > 0).length);
    expect(events).toContain('peerConnected');
    const progress = await firstValueFrom(seeder.handle.progress$.pipe(filter((p) => p.uploaded >= torrent.metainfo.totalLength)));
    expect(progress.state).toBe('seeding');
  }, 40_000);
});
