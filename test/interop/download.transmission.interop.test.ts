import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { SeederProcess } from '../support/libtorrentPeer.js';
import { downloadWithLibrary } from '../support/libraryDownload.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';
import { startTransmissionSeeder } from '../support/transmissionPeer.js';

// Acceptance: a transmission-cli seeder, dialled directly (Transmission drops loopback peers
// from trackers, so the tracker route cannot be used with it). mktorrent makes the torrent:
// transmission-create would leave the zero-length file out.
describe('download from a Transmission seeder', () => {
  let dir: string;
  let seeder: SeederProcess | undefined;
  let metainfo: Metainfo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-tr-'));
    const torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 16 });
    seeder = await startTransmissionSeeder(torrentPath, join(dir, 'seed'));
  });
  afterAll(async () => {
    await seeder?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets byte-identical files, the empty one included', async () => {
    const run = await downloadWithLibrary(metainfo, join(dir, 'out'), {
      useTrackers: false,
      peers: [{ ip: '127.0.0.1', port: seeder!.port }],
      timeoutMs: 30_000,
    });
    const got = await treeDigest(join(dir, 'out', 'content'));
    expect(got).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    expect(Object.keys(got)).toContain('empty.txt');
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'peerConnected', client: expect.stringMatching(/transmission/i) }));
    expect(run.events.filter((e) => e.type === 'pieceVerified')).toHaveLength(metainfo.pieceCount);
  });
});
