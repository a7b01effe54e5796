/**
 * Real clients announce to our tracker on 127.0.0.1: two python3-libtorrent sessions (seeder over
 * HTTP, leecher over UDP) and aria2c (HTTP). Each leecher can only find the seeder through our
 * peer lists (DHT/LSD/UPnP/NAT-PMP/PEX off, private torrent), so a finished download proves the
 * tracker handed out the right address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTracker, type TrackerEvent, type TrackerServer } from '../../../src/tracker/server/index.js';
import { writeSmallTorrent, type SmallTorrent } from './support/smallTorrent.js';

const PY = '/usr/bin/python3';
const haveLibtorrent = spawnSync(PY, ['-c', 'import libtorrent'], { stdio: 'ignore' }).status === 0;
const haveAria2 = spawnSync('aria2c', ['--version'], { stdio: 'ignore' }).status === 0;
const script = fileURLToPath(new URL('./support/ltSwarm.py', import.meta.url));

let dir: string;
let tracker: TrackerServer;
let torrent: SmallTorrent;
const events: TrackerEvent[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-tracker-interop-'));
  tracker = await startTracker({ interval: 60 });
  tracker.events$.subscribe((e) => events.push(e));
  await mkdir(join(dir, 'seed'));
  torrent = await writeSmallTorrent(join(dir, 'seed'), 'payload.bin', 300_000, tracker.httpAnnounceUrl ?? '');
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await tracker.close();
  await rm(dir, { recursive: true, force: true });
});

const announces = (protocol: 'http' | 'udp'): Extract<TrackerEvent, { type: 'announce' }>[] =>
  events.flatMap((e) => (e.type === 'announce' && e.protocol === protocol ? [e] : []));

/** Resolves with the first stdout line matching `re`, rejecting if the process exits first. */
function lineMatching(child: ChildProcess, re: RegExp, log: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout ?? process.stdin });
    rl.on('line', (line) => {
      log.push(line);
      if (re.test(line)) { rl.close(); resolve(line); }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${re}: ${log.join(' | ')}`)));
  });
}

function freePort(): Promise<number> {
  const s = createServer();
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => {
    const a = s.address();
    s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
  }));
}

describe.skipIf(!haveLibtorrent)('tracker interop with real clients', () => {
  it('libtorrent seeder (HTTP) and leecher (UDP) find each other through our tracker', async () => {
    await mkdir(join(dir, 'lt'));
    const py = spawn(PY, [script, torrent.torrentPath, join(dir, 'seed'), join(dir, 'lt'), tracker.udpAnnounceUrl ?? ''], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(py);
    const log: string[] = [];
    const finished = await lineMatching(py, /^leecher-finished/, log);
    expect(log).toContain('seeder-announced');
    const httpHex = Buffer.from(torrent.infoHash).toString('hex');
    const seed = announces('http').find((e) => e.infoHash === httpHex && e.left === 0);
    expect(seed?.event).toBe('started');
    const leech = announces('udp').filter((e) => e.infoHash === httpHex && e.left > 0);
    expect(leech.length).toBeGreaterThan(0);
    expect(leech.some((e) => e.peersReturned >= 1)).toBe(true);
    // The leecher's peer list named the seeder's listen port, and it connected there.
    expect(finished).toContain(`127.0.0.1:${seed?.peer.port}`);
    expect(Buffer.compare(await readFile(join(dir, 'lt', torrent.name)), torrent.data)).toBe(0);
  }, 30_000);

  it.skipIf(!haveAria2)('aria2c announces over HTTP and downloads from the peers we list', async () => {
    const port = await freePort();
    const aria = spawn('aria2c', [
      '--no-conf', `--dir=${join(dir, 'aria')}`, '--seed-time=0', '--enable-dht=false', '--enable-dht6=false',
      '--bt-enable-lpd=false', '--enable-peer-exchange=false', `--listen-port=${port}`, '--interface=127.0.0.1',
      '--disable-ipv6=true', '--summary-interval=0', '--console-log-level=warn', torrent.torrentPath,
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(aria);
    const code = await new Promise<number | null>((resolve) => aria.once('exit', resolve));
    expect(code).toBe(0);
    const mine = announces('http').filter((e) => e.peer.port === port);
    expect(mine[0]?.event).toBe('started');
    expect(mine[0]?.peersReturned).toBeGreaterThanOrEqual(1);
    expect(Buffer.compare(await readFile(join(dir, 'aria', torrent.name)), torrent.data)).toBe(0);
    expect(tracker.stats().torrents).toBe(1);
  }, 30_000);
});
