import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/index.js';
import { encodeHandshake } from '../../src/wire/handshake.js';
import { runStatorrent } from '../support/cliRunner.js';
import { stopChild } from '../support/childLines.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { RawPeerServer } from '../support/rawPeer.js';
import { treeDigest } from '../support/sampleContent.js';
import { jsonLines, spawnStatorrent, waitForStdout, type CliProcess } from './cliProcess.js';

let dir: string;
let seeder: SeederProcess | undefined;
let torrentPath: string;
let metainfo: Metainfo;
const children: CliProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-cli-dl-'));
  torrentPath = join(dir, 'content.torrent');
  metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 15 });
  seeder = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'));
});
afterAll(async () => {
  for (const c of children) await stopChild(c.child);
  await seeder?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('statorrent download', () => {
  it('gets byte-identical files from a libtorrent seeder, with parseable --json events, and exits 0', async () => {
    const out = join(dir, 'out');
    const r = await runStatorrent(['download', torrentPath, '-o', out, '--no-dht', '--port', '0', '--host', '127.0.0.1', '--peer', `127.0.0.1:${seeder!.port}`, '--no-trackers', '--json'], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    const lines = jsonLines(r.stdout);
    for (const l of lines) expect(typeof l['t']).toBe('number');
    expect(lines[0]).toMatchObject({ type: 'torrent', name: 'content', infoHash: metainfo.infoHashHex, pieceCount: metainfo.pieceCount, dir: join(out, 'content') });
    const types = lines.map((l) => l['type']);
    expect(lines.find((l) => l['type'] === 'peerConnected')).toMatchObject({ id: `127.0.0.1:${seeder!.port}`, client: expect.stringMatching(/libtorrent/i) });
    expect(types.filter((t) => t === 'pieceVerified')).toHaveLength(metainfo.pieceCount);
    expect(types).toContain('completed');
    expect(types).toContain('progress');
    expect(lines.at(-1)).toMatchObject({ type: 'exit', code: 0, reason: 'complete' });
  });

  it('--trace FILE records the download; statorrent trace summary and replay read it', async () => {
    const trace = join(dir, 'dl.trace.jsonl');
    const r = await runStatorrent(['download', torrentPath, '-o', join(dir, 'traced'), '--no-dht', '--port', '0', '--host', '127.0.0.1', '--peer', `127.0.0.1:${seeder!.port}`, '--no-trackers', '--quiet', '--trace', trace], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = await runStatorrent(['trace', 'summary', trace]);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(/libtorrent/i);
    const replay = await runStatorrent(['trace', 'replay', trace]);
    expect(replay.stdout).toMatch(/^replay ok/m);
    expect(replay.stdout).not.toMatch(/not replayable/); // no stand-in machines: even the tracker-less announcer replays
    expect(replay.code).toBe(0);
  });

  it('--trace into a folder that does not exist: exit 1, one line', async () => {
    const r = await runStatorrent(['download', torrentPath, '--no-dht', '--port', '0', '--host', '127.0.0.1', '--trace', join(dir, 'no', 'such', 'dir', 't.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.stderr).toMatch(/^statorrent download: /);
  });

  it('a missing torrent file: exit 1 with one line', async () => {
    const missing = join(dir, 'missing.torrent');
    const r = await runStatorrent(['download', missing, '--no-dht', '--port', '0', '--host', '127.0.0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr, r.stderr).toBe(`statorrent download: ${missing}: no such file\n`);
    expect(r.stdout).toBe('');
  });

  it('a port already in use: exit 1 with one line', async () => {
    const r = await runStatorrent(['download', torrentPath, '-o', join(dir, 'busy'), '--no-dht', '--port', String(seeder!.port), '--host', '127.0.0.1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^statorrent download: port \d+ is already in use.*\n$/);
  });

  it('SIGINT while a peer never unchokes: stops cleanly and exits 130 within a second or two', async () => {
    const raw = await RawPeerServer.listen();
    try {
      const p = spawnStatorrent(['download', torrentPath, '-o', join(dir, 'stalled'), '--no-dht', '--port', '0', '--host', '127.0.0.1', '--peer', `127.0.0.1:${raw.port}`, '--no-trackers', '--json']);
      children.push(p);
      const conn = await raw.accept();
      await conn.read(68); // its handshake
      conn.write(encodeHandshake({ reserved: new Uint8Array(8), infoHash: metainfo.infoHash, peerId: new TextEncoder().encode('-XX0001-stalledpeer!') }));
      await waitForStdout(p, /"type":"peerConnected"/, 10_000);
      const t0 = performance.now();
      p.child.kill('SIGINT');
      const exit = await p.exited;
      const took = performance.now() - t0;
      expect(exit.code).toBe(130);
      expect(took).toBeLessThan(3000);
      const lines = jsonLines(p.stdout());
      expect(lines.at(-1)).toMatchObject({ type: 'exit', code: 130, reason: 'interrupted' });
      expect(lines.map((l) => l['type'])).not.toContain('completed');
      await conn.closed; // it hung up on the peer
    } finally {
      await raw.close();
    }
  });

  it('SIGTERM with no peers at all: exits 143 after a clean stop', async () => {
    const p = spawnStatorrent(['download', torrentPath, '-o', join(dir, 'lonely'), '--no-dht', '--port', '0', '--host', '127.0.0.1', '--no-trackers', '--json']);
    children.push(p);
    await waitForStdout(p, /"type":"checked"/, 10_000);
    p.child.kill('SIGTERM');
    expect((await p.exited).code).toBe(143);
    expect(jsonLines(p.stdout()).at(-1)).toMatchObject({ type: 'exit', code: 143, reason: 'interrupted' });
  });
});
