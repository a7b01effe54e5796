import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { downloadWithLibrary } from '../support/libraryDownload.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { startOpenTracker, type OpenTracker } from '../support/opentracker.js';
import { treeDigest } from '../support/sampleContent.js';

// Acceptance: a multi-file torrent (nested folders, an empty file, a short last piece) made by
// mktorrent, found ONLY through a real opentracker (no direct peers), from a libtorrent seeder,
// over the HTTP and the UDP (BEP 15) announce URL.
describe('download through opentracker from a libtorrent seeder', () => {
  let dir: string;
  let tracker: OpenTracker;
  const seeders: LibtorrentSwarmPeer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-tracker-'));
    tracker = await startOpenTracker();
  });
  afterAll(async () => {
    await Promise.all(seeders.map((s) => s.stop()));
    await tracker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Content in its own folder name, so each transport gets its own info hash and swarm. */
  const prepare = async (name: string, announce: string): Promise<{ metainfo: Metainfo; seedRoot: string }> => {
    const seedRoot = join(dir, `seed-${name}`);
    const torrentPath = join(dir, `${name}.torrent`);
    const metainfo = await mktorrentSample(join(seedRoot, name), torrentPath, { announce, pieceLengthLog2: 15 });
    await tracker.allow(metainfo.infoHashHex);
    seeders.push(await startLibtorrentSwarmPeer(torrentPath, seedRoot, { ip: '127.0.0.2', announce: true }));
    return { metainfo, seedRoot };
  };

  for (const transport of ['http', 'udp'] as const) {
    it(`${transport} announce: finds the seeder via the tracker and gets byte-identical files`, async () => {
      const url = transport === 'http' ? tracker.httpUrl : tracker.udpUrl;
      const name = `content-${transport}`;
      const { metainfo, seedRoot } = await prepare(name, url);
      expect(metainfo.announceList.flat()).toEqual([url]);
      expect(metainfo.files.some((f) => f.length === 0)).toBe(true);
      expect(metainfo.totalLength % metainfo.pieceLength).not.toBe(0);

      const out = join(dir, `out-${transport}`);
      const run = await downloadWithLibrary(metainfo, out, { timeoutMs: 20_000 });

      expect(await treeDigest(join(out, name))).toEqual(await treeDigest(join(seedRoot, name)));
      const announced = run.events.find((e) => e.type === 'announced');
      expect(announced).toMatchObject({ type: 'announced' });
      expect(announced !== undefined && announced.type === 'announced' && announced.peers).toBeGreaterThanOrEqual(1);
      // the data came from the seeder the tracker named (127.0.0.2), not from anything dialled directly
      expect([...run.blocksByPeer.keys()].every((id) => id.startsWith('127.0.0.2:'))).toBe(true);
      expect(run.events.filter((e) => e.type === 'pieceVerified')).toHaveLength(metainfo.pieceCount);
      expect(run.progress.verifiedPieces).toBe(metainfo.pieceCount);
    });
  }
});
