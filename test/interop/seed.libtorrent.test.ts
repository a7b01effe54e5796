import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackerServer } from '../../src/tracker/server/index.js';
import { startLibtorrentLeecher, type LibtorrentLeecher } from '../support/libtorrentLeecher.js';
import { treeDigest } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';
import { makeTrackedTestTorrent, type TestTorrent } from '../support/testTorrent.js';

/**
 * Seeding to a real client: python3-libtorrent downloads a multi-file torrent (made by our
 * createTorrent) from a statorrent seeder, both finding each other through our tracker
 * (HTTP in one case, UDP in the other).
 * libtorrent hash-checks every piece itself; we also compare the trees byte for byte.
 */
describe.each([
  { label: 'after a full hash check, HTTP tracker', skipCheck: false, udp: false },
  { label: 'trusting the data (skipCheck), UDP tracker', skipCheck: true, udp: true },
])('libtorrent downloads from a statorrent seeder $label', ({ skipCheck, udp }) => {
  let dir: string;
  let tracker: TrackerServer;
  let torrent: TestTorrent;
  let seeder: StatorrentPeer | undefined;
  let leecher: LibtorrentLeecher | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-seed-lt-'));
    const made = await makeTrackedTestTorrent(dir, { scale: 2, announceOver: udp ? 'udp' : 'http' });
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

  it('gets byte-identical files', async () => {
    seeder = await startStatorrentPeer({ metainfo: torrent.metainfo, downloadDir: join(dir, 'seed'), skipCheck });
    const events: string[] = [];
    seeder.handle.events$.subscribe((e) => events.push(e.type));
    // the seeder is listed by the tracker before libtorrent asks for peers
    await firstValueFrom(seeder.handle.events$.pipe(filter((e) => e.type === 'announced')));
    await seeder.handle.completed; // already complete: seeding
    leecher = await startLibtorrentLeecher(torrent.torrentPath, join(dir, 'out'), 20_000);
    const payload = await leecher.finished;

    expect(payload).toBeGreaterThanOrEqual(torrent.metainfo.totalLength);
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    expect(events).toContain('peerConnected');
    // progress$ ticks about once a second; wait for the tick that counts the upload
    const progress = await firstValueFrom(seeder.handle.progress$.pipe(filter((p) => p.uploaded >= torrent.metainfo.totalLength)));
    expect(progress.state).toBe('seeding');
  });
});
