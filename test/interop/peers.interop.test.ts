import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerReport } from '../../src/cli/peersCommand.js';
import type { Metainfo } from '../../src/metainfo/index.js';
import { generatePeerId } from '../../src/wire/peerId.js';
import { connectPeerRetryingRefusal } from '../../streams/connectPeer.js';
import { runStatorrent } from '../support/cliRunner.js';
import type { SeederProcess } from '../support/libtorrentPeer.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { startOpenTracker, type OpenTracker } from '../support/opentracker.js';
import { awkwardLayout, writeSample } from '../support/sampleContent.js';
import { startTransmissionSeeder } from '../support/transmissionPeer.js';

// Acceptance (wire issue): handshake + bitfield exchange with a real libtorrent seeder and a
// real Transmission seeder of ONE torrent, both found through a real opentracker, and
// `statorrent peers` (the built CLI) lists both. Transmission keeps one peer per IP, so
// libtorrent binds 127.0.0.2 and Transmission 127.0.0.1. Each seeds its own copy of the data.
const LT_IP = '127.0.0.2';

let dir: string;
let tracker: OpenTracker | undefined;
let libtorrent: LibtorrentSwarmPeer | undefined;
let transmission: SeederProcess | undefined;
let torrentPath: string;
let metainfo: Metainfo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-peers-interop-'));
  tracker = await startOpenTracker();
  torrentPath = join(dir, 'content.torrent');
  metainfo = await mktorrentSample(join(dir, 'lt', 'content'), torrentPath, { announce: tracker.httpUrl, pieceLengthLog2: 15 });
  await writeSample(join(dir, 'tr', 'content'), awkwardLayout());
  await tracker.allow(metainfo.infoHashHex);
  [libtorrent, transmission] = await Promise.all([
    startLibtorrentSwarmPeer(torrentPath, join(dir, 'lt'), { ip: LT_IP, announce: true }),
    // each ready once opentracker has answered its announce, so the tracker lists both
    startTransmissionSeeder(torrentPath, join(dir, 'tr'), 20_000, { untilAnnounced: true }),
  ]);
}, 30_000);
afterAll(async () => {
  await Promise.all([libtorrent?.stop(), transmission?.stop()]);
  await tracker?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('statorrent peers against libtorrent and Transmission seeding one torrent', () => {
  it('--json: both answer the handshake, each named, each with every piece', async () => {
    const r = await runStatorrent(['peers', torrentPath, '--no-dht', '--json', '--timeout', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { infoHash: string; tracker: { url: string; peers: number }; peers: PeerReport[]; summary: { answered: number; seeds: number } };
    expect(doc.infoHash).toBe(metainfo.infoHashHex);
    expect(doc.tracker.url).toBe(tracker!.httpUrl);
    const full = { ok: true, pieces: metainfo.pieceCount, pieceCount: metainfo.pieceCount, error: null };
    const lt = doc.peers.find((p) => p.ip === LT_IP && p.port === libtorrent!.port);
    const tr = doc.peers.find((p) => p.ip === '127.0.0.1' && p.port === transmission!.port);
    expect(lt).toMatchObject({ ...full, client: expect.stringMatching(/^libtorrent/i) });
    expect(tr).toMatchObject({ ...full, client: expect.stringMatching(/^Transmission/i) });
    // two different implementations: distinct peer ids, both 20 bytes
    expect(lt!.peerId).toMatch(/^[0-9a-f]{40}$/);
    expect(tr!.peerId).toMatch(/^[0-9a-f]{40}$/);
    expect(lt!.peerId).not.toBe(tr!.peerId);
    expect(doc.summary.seeds).toBeGreaterThanOrEqual(2);
  });

  it('text output: a row for each seeder with its client and "has all"', async () => {
    const r = await runStatorrent(['peers', torrentPath, '--no-dht', '--timeout', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const row = (ip: string, port: number, client: string): RegExp =>
      new RegExp(`^  ${ip.replace(/\./g, '\\.')}:${port} +${client}\\S* [^\\n]*has all `, 'mi');
    expect(r.stdout).toMatch(row(LT_IP, libtorrent!.port, 'libtorrent'));
    expect(r.stdout).toMatch(row('127.0.0.1', transmission!.port, 'Transmission'));
    expect(r.stdout).toMatch(/^\d+ peers?: \d+ answered \(([2-9]|\d{2,}) with every piece\), \d+ failed$/m);
  });

  it('probing Transmission again at once: its refusal of our address is retried, and it answers', async () => {
    // Transmission keeps one peer per IP and purges closed ones on a 0.5 s pulse, so it hangs up
    // on a new connection from 127.0.0.1 right after the last one (e.g. the previous `peers` run).
    const o = { ip: '127.0.0.1', port: transmission!.port, infoHash: metainfo.infoHash, pieceCount: metainfo.pieceCount, timeoutMs: 5000 };
    const first = await connectPeerRetryingRefusal({ ...o, peerId: generatePeerId() });
    expect(E.isRight(first) ? first.right.client : first.left.message).toMatch(/^Transmission/);
    const again = await connectPeerRetryingRefusal({ ...o, peerId: generatePeerId() });
    expect(E.isRight(again) ? again.right : again.left).toMatchObject({ client: expect.stringMatching(/^Transmission/), availability: { kind: 'all' }, piecesHave: metainfo.pieceCount });
  });
});
