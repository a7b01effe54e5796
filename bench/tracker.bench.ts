/**
 * Tracker throughput on loopback: announces per second over HTTP (keep-alive agent, several
 * concurrent clients) and UDP (BEP 15, a window of requests in flight per socket), with the
 * tracker in a worker thread so the load generator does not share its event loop. Also the
 * in-process store alone, as the ceiling. Bounded by both a request count and a time limit.
 * Run with `npm run bench:tracker` (after build: `node dist/bench/tracker.bench.js`).
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { Agent, createServer, request } from 'node:http';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { startTracker, TrackerService } from '../src/tracker/server/index.js';

const SECONDS = 3;
/** Unmeasured run first, so the figures are for JIT-compiled code. */
const WARMUP_SECONDS = 1;
const MAX_REQUESTS = 300_000;
const TORRENTS = 100;
const PEERS = 10_000;
const CLIENTS = 8;
const UDP_WINDOW = 8;

const hashes = Array.from({ length: TORRENTS }, () => randomBytes(20));
const peerIds = Array.from({ length: PEERS }, () => randomBytes(20));
const pct = (b: Uint8Array): string => Array.from(b, (x) => `%${x.toString(16).padStart(2, '0')}`).join('');
const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length] as T;

function report(name: string, done: number, ms: number, extra = ''): void {
  console.log(`${name.padEnd(34)} ${String(done).padStart(8)} announces in ${(ms / 1000).toFixed(2)} s = ${Math.round((done * 1000) / ms).toString().padStart(7)} /s${extra}`);
}

function benchStore(): void {
  const svc = new TrackerService({ intervalS: 1800 });
  const ipBytes = Uint8Array.from([127, 0, 0, 1]);
  const t0 = performance.now();
  let n = 0;
  while (n < MAX_REQUESTS && performance.now() - t0 < SECONDS * 1000) {
    for (let k = 0; k < 1000; k++, n++) {
      const r = svc.announce({ infoHash: pick(hashes, n), peerId: pick(peerIds, n * 7), endpoint: { ip: '127.0.0.1', ipBytes, port: 1 + (n % 60000) }, uploaded: 0, downloaded: 0, left: n % 3, event: 'empty', numwant: 50 }, 'http');
      if (E.isLeft(r)) throw new Error(r.left);
    }
  }
  report('store only (in process)', n, performance.now() - t0);
}

async function benchHttp(port: number, label = `HTTP, ${CLIENTS} keep-alive clients`, seconds = SECONDS): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const paths = Array.from({ length: 4096 }, (_, i) =>
    `/announce?info_hash=${pct(pick(hashes, i))}&peer_id=${pct(pick(peerIds, i * 13))}&port=${1 + i}&uploaded=0&downloaded=0&left=${i % 2}&compact=1&numwant=50`);
  let done = 0, failed = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const one = (path: string): Promise<void> => new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => { if (res.statusCode === 200) done++; else failed++; resolve(); });
    });
    req.on('error', () => { failed++; resolve(); });
    req.end();
  });
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    for (let i = c; done + failed < MAX_REQUESTS && performance.now() < deadline; i += CLIENTS) await one(pick(paths, i));
  }));
  if (seconds !== WARMUP_SECONDS) report(label, done, performance.now() - t0, failed > 0 ? ` (${failed} failed)` : '');
  agent.destroy();
}

async function benchUdp(port: number, seconds = SECONDS, quiet = false): Promise<void> {
  const sockets: Socket[] = [];
  let done = 0, resent = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    const s = createSocket('udp4');
    sockets.push(s);
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    const connect = Buffer.alloc(16);
    connect.writeBigUInt64BE(0x41727101980n, 0);
    connect.writeUInt32BE(c, 12);
    const cid = await new Promise<Buffer>((resolve) => {
      s.once('message', (m: Buffer) => resolve(m.subarray(8, 16)));
      s.send(connect, port, '127.0.0.1');
    });
    let seq = c * 1_000_000;
    const announce = (): Buffer => {
      const b = Buffer.alloc(98);
      cid.copy(b, 0);
      b.writeUInt32BE(1, 8);
      b.writeUInt32BE(seq, 12);
      b.set(pick(hashes, seq), 16);
      b.set(pick(peerIds, seq * 13), 36);
      b.writeBigInt64BE(BigInt(seq % 2), 64);
      b.writeInt32BE(50, 92);
      b.writeUInt16BE(1 + (seq % 60000), 96);
      seq++;
      return b;
    };
    await new Promise<void>((resolve) => {
      let inFlight = 0;
      let lastReply = performance.now();
      const fill = (): void => {
        while (inFlight < UDP_WINDOW && performance.now() < deadline && done < MAX_REQUESTS) { inFlight++; s.send(announce(), port, '127.0.0.1'); }
        if (inFlight === 0) { clearInterval(watchdog); resolve(); }
      };
      // A datagram lost in a full socket buffer would shrink the window for good; refill it.
      const watchdog = setInterval(() => {
        if (performance.now() - lastReply > 100 && inFlight > 0) { resent += inFlight; inFlight = 0; fill(); }
        if (performance.now() > deadline + 500) { clearInterval(watchdog); resolve(); }
      }, 50);
      s.on('message', (m: Buffer) => {
        lastReply = performance.now();
        inFlight = Math.max(0, inFlight - 1);
        if (m.readUInt32BE(0) === 1) done++;
        fill();
      });
      fill();
    });
  }));
  if (!quiet) report(`UDP, ${CLIENTS} sockets x ${UDP_WINDOW} in flight`, done, performance.now() - t0, resent > 0 ? ` (${resent} presumed lost)` : '');
  for (const s of sockets) s.close();
}

if (isMainThread) {
  benchStore();
  const worker = new Worker(new URL(import.meta.url));
  const ports = await new Promise<{ http: number; udp: number; noop: number }>((resolve) => worker.once('message', resolve));
  // Reference: the same load against a server that answers without doing anything, to show how
  // much of the HTTP figure is the node client and HTTP parsing rather than the tracker.
  await benchHttp(ports.noop, 'warm-up', WARMUP_SECONDS);
  await benchHttp(ports.noop, 'HTTP reference: no-op server');
  await benchHttp(ports.http, 'warm-up', WARMUP_SECONDS);
  await benchHttp(ports.http);
  await benchUdp(ports.udp, WARMUP_SECONDS, true);
  await benchUdp(ports.udp);
  const stats = await new Promise<unknown>((resolve) => { worker.once('message', resolve); worker.postMessage('stats'); });
  console.log('tracker stats:', JSON.stringify(stats));
  await worker.terminate();
} else {
  const tracker = await startTracker({ interval: 1800 });
  const noop = createServer((_req, res) => { res.writeHead(200, { 'Content-Length': 2 }); res.end('ok'); });
  await new Promise<void>((resolve) => noop.listen(0, '127.0.0.1', resolve));
  const noopAddress = noop.address();
  parentPort?.on('message', () => parentPort?.postMessage(tracker.stats()));
  parentPort?.postMessage({ http: tracker.httpPort, udp: tracker.udpPort, noop: typeof noopAddress === 'object' && noopAddress !== null ? noopAddress.port : 0 });
}
