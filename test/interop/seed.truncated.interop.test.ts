import { cp, mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { downloadWithLibrary } from '../support/libraryDownload.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';

// Item 7 of issue 10: a seeded file truncated under a running seeder. Our seeder on 127.0.0.2
// trusts its data (skipCheck, as after `create`), then its last file is cut short. An honest,
// throttled libtorrent seeder on 127.0.0.1 has everything. The download asks our fast seeder
// for most pieces: for the lost ones it must hear BEP 6 rejects (never a partial or wrong
// block), the seeder must report each lost piece once, and the download must still complete
// byte-identical from the other seeder, with no piece failing its hash check.
const CUT_SEEDER_IP = '127.0.0.2';

describe('seeding a file truncated under us', () => {
  let dir: string;
  let metainfo: Metainfo;
  let cut: StatorrentPeer | undefined;
  let honest: LibtorrentSwarmPeer | undefined;
  const cutEvents: TorrentEvent[] = [];
  let firstLost = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-truncated-'));
    const original = join(dir, 'original');
    const torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(original, 'content'), torrentPath, { pieceLengthLog2: 16, scale: 4 });
    const copy = join(dir, 'copy');
    await cp(original, copy, { recursive: true });
    cut = await startStatorrentPeer({ metainfo, downloadDir: copy, skipCheck: true, useTrackers: false }, CUT_SEEDER_IP);
    cut.handle.events$.subscribe((e) => cutEvents.push(e));
    await cut.handle.completed;
    // now, while it seeds: the last file loses all but its first 10,000 bytes
    const last = metainfo.files.at(-1)!;
    await truncate(join(copy, ...last.path), 10_000);
    firstLost = Math.floor((last.offset + 10_000) / metainfo.pieceLength);
    honest = await startLibtorrentSwarmPeer(torrentPath, original, { uploadRate: 400_000 });
  });
  afterAll(async () => {
    await cut?.close();
    await honest?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses the lost pieces, reports each once, and the download completes from the other seeder', async () => {
    const run = await downloadWithLibrary(metainfo, join(dir, 'out'), {
      useTrackers: false,
      peers: [{ ip: CUT_SEEDER_IP, port: cut!.session.port }, { ip: '127.0.0.1', port: honest!.port }],
      timeoutMs: 40_000,
    });
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'original', 'content')));
    // no partial or wrong data ever arrived: nothing failed, nobody was banned
    expect(run.events.filter((e) => e.type === 'pieceFailed' || e.type === 'banned')).toEqual([]);
    const lost = cutEvents.flatMap((e) => (e.type === 'pieceLost' ? [e.index] : []));
    expect(lost.length).toBeGreaterThan(0);
    expect(new Set(lost).size).toBe(lost.length); // once each
    expect(lost.every((i) => i >= firstLost)).toBe(true); // only pieces past the cut
    expect(cutEvents.find((e) => e.type === 'pieceLost')).toMatchObject({ message: expect.stringMatching(/^piece \d+ is no longer served: cannot read .*file ends before byte \d+$/) });
    // blocks of lost pieces that did come from the cut seeder lie wholly before the cut
    const cutAt = metainfo.files.at(-1)!.offset + 10_000;
    for (const i of lost) {
      for (const source of run.blockSources.get(i) ?? []) {
        if (!source.startsWith(`${CUT_SEEDER_IP}:`)) continue;
        const begin = Number(source.slice(source.indexOf('@') + 1));
        expect(i * metainfo.pieceLength + begin + 16_384).toBeLessThanOrEqual(cutAt);
      }
    }
  });
});
