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

// Acceptance: three libtorrent peers, each holding only a third of the pieces (piece i lives on
// peer i mod 3 only: the rest of its copy is damaged, so libtorrent's own check drops it). Only
// a downloader that really takes pieces from several peers at once can finish.
const IPS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;

describe('download from three partial libtorrent seeders that only together hold every piece', () => {
  let dir: string;
  let metainfo: Metainfo;
  const peers: LibtorrentSwarmPeer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-partial-'));
    const original = join(dir, 'original');
    const torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(original, 'content'), torrentPath, { pieceLengthLog2: 15 });
    const all = Array.from({ length: metainfo.pieceCount }, (_, i) => i);
    const started = IPS.map(async (ip, k) => {
      const savePath = join(dir, `peer-${k}`);
      await cp(original, savePath, { recursive: true });
      await corruptPieces(metainfo, savePath, all.filter((i) => i % IPS.length !== k));
      return startLibtorrentSwarmPeer(torrentPath, savePath, { ip, partial: true });
    });
    for (const p of await Promise.allSettled(started)) {
      if (p.status === 'fulfilled') peers.push(p.value);
      else throw p.reason;
    }
  });
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('takes each third from its holder and assembles byte-identical files', async () => {
    // libtorrent's check agrees that each peer holds exactly its share
    expect(peers.map((p) => p.pieces)).toEqual(IPS.map((_, k) => Math.ceil((metainfo.pieceCount - k) / IPS.length)));
    const run = await downloadWithLibrary(metainfo, join(dir, 'out'), {
      useTrackers: false,
      peers: peers.map((p) => ({ ip: p.ip, port: p.port })),
    });
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'original', 'content')));
    expect(run.events.filter((e) => e.type === 'peerConnected')).toHaveLength(IPS.length);
    const sources = new Set([...run.blocksByPeer.keys()].map((id) => id.slice(0, id.lastIndexOf(':'))));
    expect([...sources].sort()).toEqual([...IPS]);
    expect(run.events.some((e) => e.type === 'pieceFailed')).toBe(false);
    expect(run.progress.verifiedPieces).toBe(metainfo.pieceCount);
  });
});
