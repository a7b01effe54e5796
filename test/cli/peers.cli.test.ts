import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/index.js';
import type { PeerReport } from '../../src/cli/peersCommand.js';
import { runStatorrent } from '../support/cliRunner.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { startOpenTracker, type OpenTracker } from '../support/opentracker.js';
import { mktorrent } from '../support/thirdPartyTools.js';

let dir: string;
let tracker: OpenTracker | undefined;
let seeder: LibtorrentSwarmPeer | undefined;
let torrentPath: string;
let metainfo: Metainfo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-cli-peers-'));
  tracker = await startOpenTracker();
  torrentPath = join(dir, 'content.torrent');
  metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { announce: tracker.httpUrl, pieceLengthLog2: 15 });
  await tracker.allow(metainfo.infoHashHex);
  // ready once opentracker has answered its announce, so the tracker lists it from then on
  seeder = await startLibtorrentSwarmPeer(torrentPath, join(dir, 'seed'), { announce: true });
}, 30_000);
afterAll(async () => {
  await seeder?.stop();
  await tracker?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('statorrent peers', () => {
  it('finds a libtorrent seeder through opentracker and names its client (--json)', async () => {
    const r = await runStatorrent(['peers', torrentPath, '--no-dht', '--json', '--timeout', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { infoHash: string; tracker: { url: string; peers: number }; peers: PeerReport[]; summary: { peers: number; answered: number; seeds: number } };
    expect(doc.infoHash).toBe(metainfo.infoHashHex);
    expect(doc.tracker.url).toBe(tracker!.httpUrl);
    const lt = doc.peers.find((p) => p.port === seeder!.port);
    expect(lt).toMatchObject({ ip: '127.0.0.1', ok: true, client: expect.stringMatching(/^libtorrent/i), pieces: metainfo.pieceCount, pieceCount: metainfo.pieceCount, error: null });
    expect(lt!.peerId).toMatch(/^[0-9a-f]{40}$/);
    expect(lt!.extensions?.extensionProtocol).toBe(true);
    expect(doc.summary.seeds).toBeGreaterThanOrEqual(1);
  });

  it('text output: one row per peer with "has all", then a summary line', async () => {
    const r = await runStatorrent(['peers', torrentPath, '--no-dht', '--timeout', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^tracker ${tracker!.httpUrl.replace(/[./]/g, '\\$&')}: \\d+ peers?`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^  127\\.0\\.0\\.1:${seeder!.port} +libtorrent\\S* [^\\n]*has all +extensions: ext`, 'm'));
    expect(r.stdout).toMatch(/^\d+ peers?: \d+ answered \(\d+ with every piece\), \d+ failed$/m);
  });

  it('a dead --peer is reported as failed (exit 0: a probe result, not an error)', async () => {
    const r = await runStatorrent(['peers', torrentPath, '--no-dht', '--no-trackers', '--peer', '127.0.0.1:1', '--timeout', '2', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { peers: PeerReport[] }).peers).toEqual([expect.objectContaining({ ok: false, port: 1, client: null })]);
  });

  it('a tracker that is down: exit 1, one line naming it', async () => {
    const dead = join(dir, 'dead.torrent');
    await mktorrent(join(dir, 'seed', 'content'), dead, { announce: 'http://127.0.0.1:1/announce', pieceLengthLog2: 15 });
    const r = await runStatorrent(['peers', dead, '--no-dht', '--timeout', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^statorrent peers: tracker http:\/\/127\.0\.0\.1:1\/announce: [^\n]+\n$/);
  });

  it('download through the tracker (no --peer): --verbose tells the tracker, the peers and the pieces', async () => {
    const out = join(dir, 'via-tracker');
    const r = await runStatorrent(['download', torrentPath, '-o', out, '--no-dht', '--port', '0', '--host', '127.0.0.1', '--verbose'], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`announcing to tracker tier 1: ${tracker!.httpUrl}`);
    expect(r.stdout).toMatch(/^tracker replied: [1-9]\d* peers? \(\d+ seeders, \d+ leechers\)$/m);
    expect(r.stdout).toMatch(new RegExp(`^peer 127\\.0\\.0\\.1:${seeder!.port} connected: libtorrent`, 'm'));
    expect(r.stdout).toMatch(/^done: content/m);
  });
});
