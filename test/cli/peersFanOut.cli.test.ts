import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../src/bencode/index.js';
import { mapBounded } from '../../src/cli/boundedMap.js';
import { runStatorrent } from '../support/cliRunner.js';
import { startScriptedHttpTracker, type ScriptedHttpTracker } from '../tracker/client/scriptedHttpTracker.js';

const LISTENERS = 250;
let dir: string;
let torrentPath: string;
let tracker: ScriptedHttpTracker;
const servers: Server[] = [];
const sockets = new Set<Socket>();
/** Connections open now, the most at once, and which listeners (by index) were contacted. */
const load = { active: 0, maxActive: 0, contacted: new Set<number>() };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-peers-fanout-'));
  // Peers that accept, hold the connection briefly, answer garbage and hang up.
  for (let i = 0; i < LISTENERS; i++) {
    const index = i;
    const s = createServer((sock) => {
      load.active++;
      load.contacted.add(index);
      load.maxActive = Math.max(load.maxActive, load.active);
      sock.on('error', () => undefined);
      sockets.add(sock);
      let open = true;
      const over = (): void => {
        if (open) load.active--;
        open = false;
      };
      sock.on('close', () => {
        over();
        sockets.delete(sock);
      });
      setTimeout(() => {
        over(); // counted as over when we hang up, not when the close event gets round to us
        sock.end(Buffer.alloc(68)); // not a BitTorrent handshake: a protocol error, never retried
      }, 40);
    });
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    servers.push(s);
  }
  // One reply listing the real listeners first, then 100 000 more (600 kB of compact peers).
  const list = Buffer.alloc((LISTENERS + 100_000) * 6);
  servers.forEach((s, i) => {
    list.set([127, 0, 0, 1], i * 6);
    list.writeUInt16BE((s.address() as { port: number }).port, i * 6 + 4);
  });
  for (let i = LISTENERS; i < LISTENERS + 100_000; i++) {
    list.set([127, 0, 0, 1], i * 6);
    list.writeUInt16BE(1 + (i % 60_000), i * 6 + 4);
  }
  tracker = await startScriptedHttpTracker();
  tracker.reply((_q, res) => res.end(encode({ interval: 900, peers: list })));
  torrentPath = join(dir, 'wide.torrent');
  await writeFile(torrentPath, encode({ announce: `${tracker.base}/announce`, info: { length: 1000, name: 'wide', 'piece length': 16384, pieces: new Uint8Array(20) } }));
}, 30_000);
afterAll(async () => {
  await tracker?.close();
  for (const sock of sockets) sock.destroy();
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  await rm(dir, { recursive: true, force: true });
});

describe('statorrent peers: bounded fan-out', () => {
  it('takes 200 peers from a 100 250-peer reply and keeps at most 32 connection attempts in flight', async () => {
    Object.assign(load, { active: 0, maxActive: 0, contacted: new Set<number>() });
    const r = await runStatorrent(['peers', torrentPath, '--no-dht', '--json', '--timeout', '3'], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { tracker: { peers: number }; peers: unknown[]; summary: { peers: number } };
    expect(doc.tracker.peers).toBe(200);
    expect(doc.summary.peers).toBe(200);
    // exactly the first 200 listed
    expect([...load.contacted].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(load.maxActive).toBeLessThanOrEqual(32);
    expect(load.maxActive).toBeGreaterThan(1);
  }, 60_000);

  it('--max-peers and --concurrency set both caps', async () => {
    Object.assign(load, { active: 0, maxActive: 0, contacted: new Set<number>() });
    const r = await runStatorrent(['peers', torrentPath, '--no-dht', '--json', '--timeout', '3', '--max-peers', '40', '--concurrency', '4'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { summary: { peers: number } }).summary.peers).toBe(40);
    expect(load.contacted.size).toBe(40);
    expect(load.maxActive).toBeLessThanOrEqual(4);
    const bad = await runStatorrent(['peers', torrentPath, '--no-dht', '--concurrency', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--concurrency must be a whole number/);
  }, 60_000);
});

describe('mapBounded', () => {
  it('never runs more than the limit at once and keeps the order', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapBounded(Array.from({ length: 50 }, (_, i) => i), 7, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((ok) => setImmediate(ok));
      active--;
      return n * 2;
    });
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(peak).toBe(7);
    expect(await mapBounded([], 3, async () => 1)).toEqual([]);
  });
});
