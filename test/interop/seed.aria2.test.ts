import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, spawnStatorrent, waitForStdout, type CliProcess } from '../cli/cliProcess.js';
import { pieceSetAnnouncements } from '../support/aria2Log.js';
import { startAria2Leecher, type Aria2Peer } from '../support/aria2Peer.js';
import { stopChild } from '../support/childLines.js';
import { runStatorrent } from '../support/cliRunner.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';
import { settlesWithin } from '../support/settlesWithin.js';

/**
 * aria2 1.36 downloads from `statorrent seed` (the built CLI), both finding each other through
 * `statorrent tracker` (the built CLI). aria2 binds 127.0.0.2, statorrent 127.0.0.1.
 *
 * aria2 answers the handshake with have-none (BEP 6) and later, whenever announcing what it
 * got since its last look costs more bytes as `have`s than as a bitfield, sends a whole
 * bitfield (or have-all once complete) mid-connection. With 16 KiB pieces (one block each) and
 * under 104 pieces (a bitfield of at most 13 bytes) two new pieces are enough, which happens in
 * most runs; statorrent must take each as the peer's new set and keep serving (QUIRKS.md).
 */
describe('aria2 downloads from statorrent seed via statorrent tracker', () => {
  let dir: string;
  let tracker: CliProcess | undefined;
  let seed: CliProcess | undefined;
  let aria2: Aria2Peer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-seed-aria2-'));
    await writeSample(join(dir, 'seed', 'content'), awkwardLayout());
    await mkdir(join(dir, 'out'));
  });
  afterAll(async () => {
    await aria2?.stop();
    if (seed) await stopChild(seed.child);
    if (tracker) await stopChild(tracker.child);
    await rm(dir, { recursive: true, force: true });
  });

  it('gets byte-identical files, the empty one included; aria2 re-announcing its pieces costs it nothing', async () => {
    tracker = spawnStatorrent(['tracker', '--port', '0', '--host', '127.0.0.1', '--interval', '60']);
    const announceUrl = (await waitForStdout(tracker, /http: (http:\/\/\S+)/, 10_000))[1]!;
    const torrentPath = join(dir, 'content.torrent');
    const made = await runStatorrent(['create', join(dir, 'seed', 'content'), '-t', announceUrl, '-o', torrentPath, '--piece-length', '16K']);
    expect(made.code, made.stderr).toBe(0);

    seed = spawnStatorrent(['seed', torrentPath, join(dir, 'seed'), '--no-dht', '--port', '0', '--host', '127.0.0.1', '--json']);
    const seedPort = Number((await waitForStdout(seed, /"type":"torrent".*"port":(\d+)/, 10_000))[1]);
    // listed by the tracker before aria2 asks it for peers
    await waitForStdout(seed, /"type":"announced"/, 10_000);

    aria2 = await startAria2Leecher(torrentPath, join(dir, 'out'), { ip: '127.0.0.2' });
    // fail at once, saying why, if statorrent drops aria2 for re-announcing its pieces
    const dropped = waitForStdout(seed, /"type":"peerClosed"[^\n]*announced[^\n]*/, 60_000).then(
      (m) => Promise.reject(new Error(`statorrent dropped aria2: ${m[0]}`)),
      () => new Promise<never>(() => undefined),
    );
    const status = await Promise.race([settlesWithin(aria2.exited, 30_000, 'aria2 finishing the download'), dropped]).catch((e: Error) => {
      throw new Error(`${e.message}\naria2: ${aria2?.output().slice(-600) ?? ''}\nseed: ${seed?.stdout().slice(-600) ?? ''}`);
    });
    expect(status, aria2.output().slice(-600)).toBe(0);
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));

    // what aria2 itself says it sent to our seeder: have-none first, then possibly more sets
    const announcements = pieceSetAnnouncements(await aria2.sentTo('127.0.0.1', seedPort));
    expect(announcements[0]).toBe('have none');
    // our side: aria2 connected and was served in full, never dropped for re-announcing
    const lines = jsonLines(seed.stdout());
    expect(lines.find((l) => l['type'] === 'peerConnected' && String(l['id']).startsWith('127.0.0.2:'))).toMatchObject({ client: 'aria2 1.36.0' });
    const closedBy = lines.filter((l) => l['type'] === 'peerClosed').map((l) => String(l['reason']));
    expect(closedBy.filter((r) => /announced/.test(r))).toEqual([]);

    seed.child.kill('SIGINT');
    expect((await seed.exited).code).toBe(0);
    // the progress lines printed while stopping count every byte served
    const uploaded = jsonLines(seed.stdout()).filter((l) => l['type'] === 'progress').map((l) => l['uploaded'] as number);
    expect(Math.max(...uploaded)).toBeGreaterThanOrEqual(awkwardLayout().reduce((n, f) => n + f.length, 0));
  });
});
