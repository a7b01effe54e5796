import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { downloadWithLibrary } from '../support/libraryDownload.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { corruptBlocks } from '../support/pieceCorruption.js';
import { piecesFailingHash } from '../support/pieceHashCheck.js';
import { treeDigest } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';

// Acceptance for smart ban: a swarm of one liar and two honest seeders, each on its own
// 127.0.0.x, all unchoking our one download. Pieces are 512 KiB (32 blocks), so a piece is
// usually assembled from several peers at once (the picker finishes partial pieces before
// starting new ones). The liar serves a copy with every fourth block damaged: some blocks it
// sends are good, some bad. Blaming every contributor of a failed piece would ban honest peers
// too; smart ban must ban the liar alone, and the download must end byte-identical.
const LIAR_IP = '127.0.0.2';
const HONEST_IPS = ['127.0.0.3', '127.0.0.4'];

describe('smart ban in a swarm with a liar and two honest seeders', () => {
  let dir: string;
  let metainfo: Metainfo;
  const seeders: StatorrentPeer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-smartban-'));
    const original = join(dir, 'original');
    metainfo = await mktorrentSample(join(original, 'content'), join(dir, 'content.torrent'), { pieceLengthLog2: 19, scale: 8 });
    const bad = join(dir, 'liar');
    await cp(original, bad, { recursive: true });
    const damaged = await corruptBlocks(metainfo, bad, (_piece, block) => block % 4 === 1);
    expect(damaged).toBeGreaterThan(metainfo.pieceCount);
    // skipCheck: each seeder trusts its copy; the liar serves its damaged one as if good
    seeders.push(await startStatorrentPeer({ metainfo, downloadDir: bad, skipCheck: true, useTrackers: false }, LIAR_IP));
    for (const ip of HONEST_IPS) seeders.push(await startStatorrentPeer({ metainfo, downloadDir: original, skipCheck: true, useTrackers: false }, ip));
    await Promise.all(seeders.map((s) => s.handle.completed));
  });
  afterAll(async () => {
    await Promise.all(seeders.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  for (let run = 1; run <= 3; run++) {
    it(`run ${run}: completes byte-identical, bans the liar and never an honest peer`, async () => {
      const out = join(dir, `out-${run}`);
      const result = await downloadWithLibrary(metainfo, out, {
        useTrackers: false,
        peers: [LIAR_IP, ...HONEST_IPS].map((ip, i) => ({ ip, port: seeders[i]!.session.port })),
        timeoutMs: 40_000,
      });
      const bans = result.events.flatMap((e) => (e.type === 'banned' ? [e] : []));
      expect(bans.map((b) => b.ip)).toEqual([LIAR_IP]);
      expect(bans[0]!.reason).toMatch(/^sent (every block of piece \d+, which failed|\d+ blocks? of piece \d+ that differ)/);
      expect(await piecesFailingHash(metainfo, out)).toEqual([]);
      expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(join(dir, 'original', 'content')));
      // pieces really mixed senders: some piece took blocks from more than one IP
      const ipsOf = (i: number): Set<string> => new Set((result.blockSources.get(i) ?? []).map((s) => s.slice(0, s.indexOf(':'))));
      const mixed = [...result.blockSources.keys()].filter((i) => ipsOf(i).size > 1);
      expect(mixed.length).toBeGreaterThan(0);
      // every honest seeder contributed, and neither was ever disconnected as banned
      for (const ip of HONEST_IPS) {
        expect([...result.blocksByPeer.keys()].some((id) => id.startsWith(`${ip}:`))).toBe(true);
        expect(result.events.filter((e) => e.type === 'peerClosed' && e.id.startsWith(`${ip}:`) && /banned/.test(e.reason))).toEqual([]);
      }
    });
  }
});
