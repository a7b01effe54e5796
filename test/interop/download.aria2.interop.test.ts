import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, spawnStatorrent, waitForStdout, type CliProcess } from '../cli/cliProcess.js';
import { pieceBytes, pieceSetAnnouncements } from '../support/aria2Log.js';
import { startAria2Seeder, type Aria2Peer } from '../support/aria2Peer.js';
import { stopChild } from '../support/childLines.js';
import { runStatorrent } from '../support/cliRunner.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';

const ARIA2_IP = '127.0.0.3';

/**
 * `statorrent download` (the built CLI) gets a multi-file torrent made by mktorrent from an
 * aria2 1.36 seeder on 127.0.0.3, found through `statorrent tracker`. aria2 hash-checks its
 * data first (`--check-integrity -V`), then answers our handshake with have-all and ten
 * allowed-fast pieces (BEP 6) while still choking us.
 */
describe('statorrent downloads from an aria2 seeder via statorrent tracker', () => {
  let dir: string;
  let tracker: CliProcess | undefined;
  let aria2: Aria2Peer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-aria2-'));
  });
  afterAll(async () => {
    await aria2?.stop();
    if (tracker) await stopChild(tracker.child);
    await rm(dir, { recursive: true, force: true });
  });

  it('gets byte-identical files, every piece verified', async () => {
    tracker = spawnStatorrent(['tracker', '--port', '0', '--host', '127.0.0.1', '--interval', '60']);
    const announceUrl = (await waitForStdout(tracker, /http: (http:\/\/\S+)/, 10_000))[1]!;
    const torrentPath = join(dir, 'content.torrent');
    const metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { announce: announceUrl, pieceLengthLog2: 15 });

    aria2 = await startAria2Seeder(torrentPath, join(dir, 'seed'), { ip: ARIA2_IP });
    // aria2's first announce comes about a second after it listens: the tracker says when it counts it
    await waitForStdout(tracker, /peers 1 \(1 seeding/, 15_000);

    const r = await runStatorrent(['download', torrentPath, '-o', join(dir, 'out'), '--no-dht', '--port', '0', '--host', '127.0.0.1', '--json'], { timeoutMs: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout.slice(-800)).toBe(0);
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));

    const lines = jsonLines(r.stdout);
    expect(lines.find((l) => l['type'] === 'peerConnected' && l['id'] === `${ARIA2_IP}:${aria2!.port}`)).toMatchObject({ client: 'aria2 1.36.0' });
    expect(lines.filter((l) => l['type'] === 'pieceVerified')).toHaveLength(metainfo.pieceCount);
    expect(lines.at(-1)).toMatchObject({ type: 'exit', code: 0 });
    // aria2's own log: it served us as a seeder does (have-all first, BEP 6)
    const sent = await aria2.sentTo('127.0.0.1');
    expect(pieceSetAnnouncements(sent)).toEqual(['have all']);
    expect(pieceBytes(sent)).toBeGreaterThanOrEqual(metainfo.totalLength);
  });
});
