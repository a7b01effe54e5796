/**
 * The DHT wired into torrents (BEP 5), against libtorrent 2.0.8 on loopback: statorrent finds a
 * libtorrent seeder through a libtorrent DHT when the torrent's tracker is dead, and a libtorrent
 * leecher that knows only statorrent's DHT node finds a statorrent seeder of a trackerless
 * torrent. The command line is the judge (as users run it). Every process binds its own
 * 127.0.0.x; every statorrent run bootstraps from loopback only, with its own state folder.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonLines, spawnStatorrent, waitForStdout, type CliProcess } from '../cli/cliProcess.js';
import { runStatorrent } from '../support/cliRunner.js';
import { startLibtorrentDhtNode, type LibtorrentDhtNode } from '../support/libtorrentDht.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';
import { makeTestTorrent } from '../support/testTorrent.js';

let dir: string;
const nodes: LibtorrentDhtNode[] = [];
const processes: CliProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-dht-transfer-'));
});
afterEach(async () => {
  for (const p of processes.splice(0)) {
    p.child.kill('SIGINT');
    await p.exited;
  }
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function libtorrent(ip: string, bootstrap: readonly { ip: string; port: number }[]): Promise<LibtorrentDhtNode> {
  const n = await startLibtorrentDhtNode(ip, bootstrap);
  nodes.push(n);
  return n;
}

describe('torrents over the DHT with libtorrent 2.0.8', () => {
  it('downloads from a libtorrent seeder found only through the DHT (the tracker is dead), given one libtorrent node to bootstrap from', async () => {
    const content = join(dir, 'seed', 'content');
    await writeSample(content, awkwardLayout());
    const { metainfo, torrentPath } = await makeTestTorrent(content, ['http://127.0.0.1:1/announce'], 32 * 1024);
    const hex = metainfo.infoHashHex;
    // the DHT: one libtorrent node, and the seeder's own node joined through it
    const router = await libtorrent('127.0.0.111', []);
    const seeder = await libtorrent('127.0.0.112', [router]);
    await seeder.seed(torrentPath, join(dir, 'seed'), hex);
    // the seeder has announced itself: the router's node stores it (an event, not a sleep)
    await router.getPeersUntil(hex, (p) => p.includes(`${seeder.ip}:${seeder.port}`), 30_000);

    const out = join(dir, 'out');
    const trace = join(dir, 'trace.jsonl');
    const r = await runStatorrent(
      ['download', torrentPath, '-o', out, '--port', '0', '--host', '127.0.0.113', '--dht-bootstrap', `${router.ip}:${router.port}`, '--data-dir', join(dir, 'state'), '--json', '--trace', trace],
      { timeoutMs: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(content));
    const lines = jsonLines(r.stdout);
    expect(lines[0]).toMatchObject({ type: 'torrent', dht: { port: expect.any(Number) } });
    // the seeder came from the DHT; the dead tracker said so
    expect(lines).toContainEqual(expect.objectContaining({ type: 'peerConnected', id: `${seeder.ip}:${seeder.port}`, source: 'dht' }));
    expect(lines).toContainEqual(expect.objectContaining({ type: 'trackerError' }));
    expect(lines.at(-1)).toMatchObject({ type: 'exit', code: 0, reason: 'complete' });
    // BEP 5 `port`: both set the DHT bit, so each told the other its node's UDP port
    const recorded = (await readFile(trace, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const ports = recorded.filter((l) => l['kind'] === 'wire' && l['type'] === 'port');
    expect(ports).toContainEqual(expect.objectContaining({ dir: 'out', port: (lines[0]!['dht'] as { port: number }).port }));
    expect(ports).toContainEqual(expect.objectContaining({ dir: 'in', port: seeder.port }));
    // the lookups are in the trace: the torrent's DHT machine and each lookup machine with its rounds
    const machines = recorded.filter((l) => l['kind'] === 'actor').map((l) => l['machine']);
    expect(machines).toContain('dhtAnnounce');
    expect(machines).toContain('dhtLookup');
    // and they replay: the lookup machine is deterministic given its recorded answers
    const replay = await runStatorrent(['trace', 'replay', trace]);
    expect(replay.stdout).toMatch(/^replay ok: \d+ actors/);

    // `peers` finds the seeder in the DHT too, and probes it
    const probe = await runStatorrent(['peers', torrentPath, '--no-trackers', '--dht-bootstrap', `${router.ip}:${router.port}`, '--data-dir', join(dir, 'state'), '--json', '--timeout', '10'], { timeoutMs: 30_000 });
    expect(probe.code).toBe(0);
    const report = JSON.parse(probe.stdout) as { dht: { peers: number } | null; peers: { ip: string; port: number; ok: boolean; extensions: { dht: boolean } | null }[] };
    expect(report.dht?.peers).toBeGreaterThanOrEqual(1);
    expect(report.peers).toContainEqual(expect.objectContaining({ ip: seeder.ip, port: seeder.port, ok: true, extensions: expect.objectContaining({ dht: true }) }));
  }, 120_000);

  it('downloads a magnet link with no trackers from a libtorrent seeder found only through the DHT', async () => {
    const content = join(dir, 'seed', 'content');
    await writeSample(content, awkwardLayout());
    const { metainfo, torrentPath } = await makeTestTorrent(content, [], 32 * 1024);
    const hex = metainfo.infoHashHex;
    const router = await libtorrent('127.0.0.131', []);
    const seeder = await libtorrent('127.0.0.132', [router]);
    await seeder.seed(torrentPath, join(dir, 'seed'), hex);
    await router.getPeersUntil(hex, (p) => p.includes(`${seeder.ip}:${seeder.port}`), 30_000);

    const out = join(dir, 'out');
    const r = await runStatorrent(
      ['download', `magnet:?xt=urn:btih:${hex}`, '-o', out, '--port', '0', '--host', '127.0.0.133', '--dht-bootstrap', `${router.ip}:${router.port}`, '--data-dir', join(dir, 'state'), '--json'],
      { timeoutMs: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(content));
    const lines = jsonLines(r.stdout);
    // the metadata came over ut_metadata from the seeder the DHT named, and was saved (BEP 9)
    expect(lines).toContainEqual(expect.objectContaining({ type: 'dhtLookup' }));
    expect(lines).toContainEqual(expect.objectContaining({ type: 'metadataFetched', name: 'content' }));
    expect((await readFile(join(out, 'content.torrent'))).length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatchObject({ type: 'exit', code: 0, reason: 'complete' });
  }, 120_000);

  it('a libtorrent leecher bootstrapped only from our seeder\'s DHT node finds it and downloads a trackerless magnet link', async () => {
    const content = join(dir, 'seed', 'content');
    await writeSample(content, awkwardLayout());
    const { metainfo, torrentPath } = await makeTestTorrent(content, [], 32 * 1024);
    expect(metainfo.announceList).toEqual([]);
    const hex = metainfo.infoHashHex;
    // one more DHT member, so our announce has a node to go to
    const member = await libtorrent('127.0.0.121', []);
    const seed = spawnStatorrent(['seed', torrentPath, join(dir, 'seed'), '--skip-check', '--port', '0', '--host', '127.0.0.122', '--dht-bootstrap', `${member.ip}:${member.port}`, '--data-dir', join(dir, 'state'), '--json']);
    processes.push(seed);
    await waitForStdout(seed, /"type":"dhtLookup"/, 30_000);
    const first = JSON.parse(seed.stdout().split('\n')[0]!) as Record<string, unknown>;
    const tcp = first['port'] as number;
    const udp = (first['dht'] as { port: number }).port;
    // our announce reached the member (libtorrent stores it)
    await member.getPeersUntil(hex, (p) => p.includes(`127.0.0.122:${tcp}`), 30_000);

    const leecher = await libtorrent('127.0.0.123', [{ ip: '127.0.0.122', port: udp }]);
    // a magnet with no trackers: peers from the DHT, the metadata from us (BEP 9)
    const got = await leecher.leech(`magnet:?xt=urn:btih:${hex}`, join(dir, 'lt'), hex, 60_000);
    expect(got).toBeGreaterThanOrEqual(metainfo.totalLength);
    expect(await treeDigest(join(dir, 'lt', 'content'))).toEqual(await treeDigest(content));
    // it came to us: our seeder saw it connect
    await waitForStdout(seed, /"type":"peerConnected","id":"127\.0\.0\.123:\d+"/, 10_000);
  }, 120_000);
});
