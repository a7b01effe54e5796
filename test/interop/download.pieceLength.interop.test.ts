import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { downloadWithLibrary } from '../support/libraryDownload.js';
import { libtorrentCreate } from '../support/libtorrentCreate.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { loadTestMetainfo } from '../support/mktorrentSample.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';

// Acceptance: BEP 3 only asks piece length to be a whole number of bytes; power-of-two is a
// convention. 48 KiB pieces are three 16 KiB blocks, and pieces straddle files at odd offsets.
const PIECE = 48 * 1024;

describe('download a torrent whose piece length is not a power of two (48 KiB), made by libtorrent', () => {
  let dir: string;
  let seeder: LibtorrentSwarmPeer | undefined;
  let metainfo: Metainfo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-48k-'));
    await writeSample(join(dir, 'seed', 'content'), awkwardLayout());
    const torrentPath = join(dir, 'content.torrent');
    await libtorrentCreate(join(dir, 'seed', 'content'), torrentPath, PIECE);
    metainfo = await loadTestMetainfo(torrentPath);
    seeder = await startLibtorrentSwarmPeer(torrentPath, join(dir, 'seed'));
  });
  afterAll(async () => {
    await seeder?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets byte-identical files', async () => {
    expect(metainfo.pieceLength).toBe(PIECE);
    expect(seeder!.pieces).toBe(metainfo.pieceCount);
    const run = await downloadWithLibrary(metainfo, join(dir, 'out'), { useTrackers: false, peers: [{ ip: '127.0.0.1', port: seeder!.port }] });
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    expect(run.events.filter((e) => e.type === 'pieceVerified')).toHaveLength(metainfo.pieceCount);
    expect(run.events.some((e) => e.type === 'pieceFailed')).toBe(false);
    expect(run.progress.verifiedBytes).toBe(metainfo.totalLength);
  });
});
