import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { runCli } from '../../src/cli/runCli.js';
import type { CliIo } from '../../src/cli/cliIo.js';
import { downloadPlan, seedPlan } from '../../src/cli/transferArgs.js';
import { parsePeerAddress } from '../../src/cli/peerAddressArg.js';
import { renderTransferLine } from '../../src/cli/transferLine.js';
import { TransferView } from '../../src/cli/transferView.js';
import { PieceFlowLedger } from '../../src/cli/pieceFlowLedger.js';
import { peerReport, piecesText } from '../../src/cli/peersCommand.js';
import { demoFiles } from '../../src/cli/demoContent.js';
import { formatDuration } from '../../src/cli/formatDuration.js';
import type { TorrentProgress } from '../../src/session/types.js';

const bufferIo = (isTTY = false): CliIo & { out: { text: string }; err: { text: string } } => {
  const out = { text: '', isTTY, columns: 100, write(s: string) { this.text += s; return true; } };
  const err = { text: '', write(s: string) { this.text += s; return true; } };
  return { out, err };
};

const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
  const io = bufferIo();
  const code = await runCli(args, io);
  return { code, out: io.out.text, err: io.err.text };
};

const progress = (over: Partial<TorrentProgress> = {}): TorrentProgress => ({
  infoHashHex: '00'.repeat(20), name: 'x', state: 'downloading', pieceCount: 100, verifiedPieces: 40, checkedPieces: 0,
  totalBytes: 100 * 16384, verifiedBytes: 40 * 16384, downloadRate: 2_000_000, uploadRate: 1000, downloaded: 40 * 16384,
  uploaded: 5, peers: 3, etaSeconds: 12, ...over,
});

describe('download / seed / peers / demo usage errors exit 2 with one line', () => {
  const cases: [string[], RegExp][] = [
    [['download'], /which torrent/],
    [['download', 'a.torrent', 'b.torrent'], /exactly one torrent/],
    [['download', 'a.torrent', '--bogus'], /Unknown option '--bogus'/],
    [['download', 'a.torrent', '--port', '70000'], /--port must be a whole number in 0..65535/],
    [['download', 'a.torrent', '--port', 'x'], /--port must be/],
    [['download', 'a.torrent', '--peer', 'nohost'], /--peer "nohost" is not ip:port/],
    [['download', 'a.torrent', '--peer', '127.0.0.1:0'], /port must be in 1..65535/],
    [['download', 'a.torrent', '--host', 'example.com'], /--host "example.com" is not an IP address/],
    [['download', 'a.torrent', '--max-peers', '0'], /--max-peers must be/],
    [['download', 'a.torrent', '--quiet', '--json'], /do not mix/],
    [['download', 'a.torrent', '--dht-bootstrap', 'nohost'], /--dht-bootstrap "nohost" is not HOST:PORT/],
    [['download', 'a.torrent', '--dht-port', '70000'], /--dht-port must be a whole number in 0..65535/],
    [['download', 'a.torrent', '--no-dht', '--dht-bootstrap', '127.0.0.1:1'], /--no-dht does not mix/],
    [['seed', 'a.torrent', 'dir', '--no-dht', '--dht-port', '1'], /--no-dht does not mix/],
    [['seed', 'a.torrent'], /the torrent and the folder/],
    [['seed', 'a.torrent', 'dir', '--seed'], /Unknown option '--seed'/],
    [['peers'], /which torrent/],
    [['peers', 'a.torrent', '--timeout', '-1'], /--timeout|Option '--timeout/],
    [['peers', 'a.torrent', '--timeout', 'soon'], /--timeout must be/],
    [['peers', 'a.torrent', '--no-trackers', '--no-dht'], /--no-trackers with --no-dht needs at least one --peer/],
    [['peers', 'a.torrent', '--dht-bootstrap', 'x'], /--dht-bootstrap "x" is not HOST:PORT/],
    [['demo', '--leechers', '0'], /--leechers must be a whole number in 1..16/],
    [['demo', '--size-mib', 'lots'], /--size-mib must be/],
    [['demo', 'extra'], /unexpected argument/],
  ];
  it.each(cases)('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    const lines = r.err.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^statorrent ${args[0]}: `));
    expect(lines[0]).toMatch(message);
    expect(r.out).toBe('');
  });

  it('--help of each command exits 0 and lists its options', async () => {
    for (const [cmd, option] of [['download', '--no-trackers'], ['download', '--dht-bootstrap'], ['seed', '--no-dht'], ['seed', '--skip-check'], ['peers', '--timeout'], ['demo', '--leechers']] as const) {
      const r = await cli([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^usage: statorrent ${cmd} `));
      expect(r.out).toContain(option);
    }
    const all = await cli(['--help']);
    for (const c of ['download', 'seed', 'peers', 'demo']) expect(all.out).toMatch(new RegExp(`^  ${c} `, 'm'));
  });
});

describe('argument plans', () => {
  it('download defaults: ., port 6881, trackers on, no peers, plain mode off a TTY', () => {
    const p = downloadPlan(['x.torrent'], bufferIo());
    expect(p).toEqual(E.right({ help: false, plan: expect.objectContaining({ command: 'download', source: 'x.torrent', dir: '.', port: 6881, useTrackers: true, peers: [], keepSeeding: false, skipCheck: false, mode: 'plain', verbose: false }) }));
    expect(E.isRight(p) && p.right.help === false && p.right.plan.mode).toBe('plain');
    const tty = downloadPlan(['x.torrent'], bufferIo(true));
    expect(E.isRight(tty) && !tty.right.help && tty.right.plan.mode).toBe('tty');
  });

  it('download with every option', () => {
    const p = downloadPlan(['u', '-o', 'out', '--port', '0', '--host', '::1', '--peer', '127.0.0.1:5', '--peer', '[::1]:6', '--no-trackers', '--max-peers', '9', '--seed', '--json', '--verbose', '--trace', 't.jsonl'], bufferIo(true));
    if (E.isLeft(p) || p.right.help) throw new Error('expected a plan');
    expect(p.right.plan).toMatchObject({ dir: 'out', port: 0, host: '::1', peers: [{ ip: '127.0.0.1', port: 5 }, { ip: '::1', port: 6 }], useTrackers: false, maxPeers: 9, keepSeeding: true, mode: 'json', verbose: true, tracePath: 't.jsonl' });
  });

  it('the DHT is on by default (the routers only when no --dht-bootstrap; UDP port = the TCP port); --no-dht turns it off', () => {
    const d = downloadPlan(['x.torrent'], bufferIo());
    if (E.isLeft(d) || d.right.help) throw new Error('expected a plan');
    expect(d.right.plan.dht).toEqual({ bootstrap: [], stateDir: expect.stringMatching(/statorrent$/) });
    const s = seedPlan(['t', 'data', '--dht-bootstrap', '127.0.0.9:7000', '--dht-bootstrap', '[::1]:7001', '--dht-port', '0', '--data-dir', '/tmp/st'], bufferIo());
    if (E.isLeft(s) || s.right.help) throw new Error('expected a plan');
    expect(s.right.plan.dht).toEqual({ port: 0, bootstrap: ['127.0.0.9:7000', '[::1]:7001'], stateDir: '/tmp/st' });
    const off = downloadPlan(['x.torrent', '--no-dht'], bufferIo());
    expect(E.isRight(off) && !off.right.help && off.right.plan.dht).toBe(false);
  });

  it('seed: folder, --skip-check, always keeps seeding', () => {
    const p = seedPlan(['t', 'data', '--skip-check', '--quiet'], bufferIo(true));
    if (E.isLeft(p) || p.right.help) throw new Error('expected a plan');
    expect(p.right.plan).toMatchObject({ command: 'seed', source: 't', dir: 'data', skipCheck: true, keepSeeding: true, mode: 'quiet' });
  });

  it('parsePeerAddress accepts every IPv4 ip:port and rejects garbage', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        expect(parsePeerAddress(`${ip}:${port}`)).toEqual(E.right({ ip, port }));
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => {
      const r = parsePeerAddress(s);
      if (E.isRight(r)) expect(s).toMatch(/:\d+$/);
    }));
  });
});

describe('transfer display', () => {
  it('renders each state within the width', () => {
    expect(renderTransferLine(progress(), 120)).toMatch(/^downloading \[#+\.+\] +40\.0%  640 KiB \/ 1\.56 MiB  down 1\.91 MiB\/s  up 1000 B\/s  peers 3  ETA 12s$/);
    expect(renderTransferLine(progress({ state: 'checking', checkedPieces: 25 }), 80)).toMatch(/^checking +\[#+\.+\] +25\.0%  25\/100 pieces$/);
    expect(renderTransferLine(progress({ state: 'seeding', uploaded: 2048 }), 80)).toBe('seeding     1.56 MiB  up 1000 B/s  uploaded 2 KiB  peers 3');
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 300 }), fc.nat(100), fc.constantFrom<TorrentProgress['state']>('checking', 'downloading', 'seeding'), (width, pieces, state) => {
        const line = renderTransferLine(progress({ state, verifiedPieces: pieces, verifiedBytes: pieces * 16384, checkedPieces: pieces }), width);
        expect(line.length).toBeLessThanOrEqual(width);
      }),
    );
  });

  it('plain mode prints milestones, not every snapshot; quiet prints only the final line', () => {
    let t = 0;
    const io = bufferIo(false);
    const v = new TransferView(io, { mode: 'plain', now: () => t });
    for (let pieces = 0; pieces <= 100; pieces++) {
      t += 100;
      v.progress(progress({ verifiedPieces: pieces, verifiedBytes: pieces * 16384 }));
    }
    const lines = io.out.text.trim().split('\n');
    expect(lines.length).toBe(11); // 0%, 10%, ..., 100%
    expect(lines.at(-1)).toMatch(/100\.0%/);
    const q = bufferIo(false);
    const quiet = new TransferView(q, { mode: 'quiet' });
    quiet.progress(progress());
    quiet.event({ type: 'peerConnected', id: '1.2.3.4:5', client: 'x' });
    quiet.line('chatter');
    quiet.finalLine('done');
    expect(q.out.text).toBe('done\n');
  });

  it('verbose text names peers and pieces; json mode writes one parseable object per call', () => {
    const io = bufferIo(false);
    const v = new TransferView(io, { mode: 'plain', verbose: true });
    v.progress(progress({ verifiedPieces: 0 }));
    v.event({ type: 'announced', peers: 2, seeders: 1, leechers: 1 });
    v.event({ type: 'peerConnected', id: '127.0.0.1:7', client: 'libtorrent 2.0.0' });
    v.event({ type: 'pieceVerified', index: 4 });
    v.event({ type: 'peerClosed', id: '127.0.0.1:7', reason: 'bye\x1b[2J' });
    expect(io.out.text).toContain('tracker replied: 2 peers (1 seeders, 1 leechers)');
    expect(io.out.text).toContain('peer 127.0.0.1:7 connected: libtorrent 2.0.0');
    expect(io.out.text).toContain('piece 4 verified (1/100)');
    expect(io.out.text).toContain('peer 127.0.0.1:7 (libtorrent 2.0.0) closed: bye?[2J');
    const j = bufferIo(false);
    const jv = new TransferView(j, { mode: 'json' });
    jv.progress(progress());
    jv.event({ type: 'pieceVerified', index: 3 });
    jv.line('not in json');
    const objs = j.out.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objs.map((o) => o['type'])).toEqual(['progress', 'pieceVerified']);
    expect(Object.keys(objs[0]!).sort()).toEqual(['checkedPieces', 'downloadRate', 'downloaded', 'etaSeconds', 'peers', 'pieceCount', 't', 'totalBytes', 'type', 'uploadRate', 'uploaded', 'verifiedBytes', 'verifiedPieces', 'state'].sort());
    expect(objs[1]).toMatchObject({ type: 'pieceVerified', index: 3 });
  });

  it('tty mode redraws one line in place and keeps event lines above it', () => {
    const io = bufferIo(true);
    const v = new TransferView(io, { mode: 'tty', verbose: true });
    v.progress(progress());
    v.event({ type: 'pieceVerified', index: 1 });
    v.close();
    expect(io.out.text).toMatch(/^\r\x1b\[2Kdownloading .*\r\x1b\[2Kpiece 1 verified .*\n\r?downloading.*\n$/s);
  });

  it('formatDuration', () => {
    expect([formatDuration(undefined), formatDuration(0.42), formatDuration(12.4), formatDuration(187), formatDuration(7500)]).toEqual(['?', '0.4s', '12s', '3m07s', '2h05m']);
  });
});

describe('peers and demo pieces', () => {
  it('piecesText: all / none / unknown / count', () => {
    const base = { ip: '127.0.0.1', port: 1 };
    const ok = (piecesHave: number | undefined) =>
      peerReport(base, 10, E.right({ peerId: new Uint8Array(20), client: 'c', reserved: new Uint8Array(8), extensions: { extensionProtocol: true, fast: false, dht: false }, availability: piecesHave === undefined ? { kind: 'unknown' } : { kind: 'bitfield', bitfield: new Uint8Array(2) }, piecesHave, firstMessages: [], encryption: 'none' }));
    expect([ok(10), ok(0), ok(undefined), ok(4)].map(piecesText)).toEqual(['all', 'none', 'unknown', '4/10']);
    const failed = peerReport(base, 10, E.left({ code: 'timeout', message: 'no handshake' }));
    expect(failed).toMatchObject({ ok: false, error: 'no handshake', client: null, encryption: null });
    expect(ok(10).encryption).toBe('none');
  });

  it('PieceFlowLedger counts each connection on its dialer side only', () => {
    const l = new PieceFlowLedger();
    l.member('seeder', 1000);
    l.member('a', 2000);
    l.member('b', 3000);
    const block = new Uint8Array(16384);
    l.observer('a')('127.0.0.1:1000', 'in', { type: 'piece', index: 0, begin: 0, block });
    l.observer('a')('127.0.0.1:3000', 'out', { type: 'piece', index: 1, begin: 0, block });
    l.observer('b')('127.0.0.1:45678', 'in', { type: 'piece', index: 1, begin: 0, block }); // accepted side: not counted again
    l.observer('a')('127.0.0.1:1000', 'in', { type: 'have', index: 0 });
    expect([l.bytes('seeder', 'a'), l.bytes('a', 'b'), l.bytes('b', 'a')]).toEqual([16384, 16384, 0]);
  });

  it('demoFiles scales to the requested size and keeps the empty file', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), (mib) => {
        const files = demoFiles(mib * 1024 * 1024);
        const total = files.reduce((n, f) => n + f.size, 0);
        expect(Math.abs(total - mib * 1024 * 1024)).toBeLessThan(2048);
        expect(files.filter((f) => f.size === 0).map((f) => f.path)).toEqual(['docs/empty.txt']);
      }),
    );
  });
});
