/**
 * DHT node throughput and memory on loopback: the node runs in a worker thread (its own event
 * loop); this thread is the client. First 100k peers are announced to it over UDP (real
 * announce_peer with tokens, 100 info hashes x 1,000 ports), then a mix of get_peers (answered
 * with values), find_node and ping is sent with a window of queries in flight per socket, for a
 * fixed time. Reports queries answered per second and the heap with 100k stored peers.
 * Run with `npm run bench:dht` (after build: `node dist/bench/dht.bench.js`).
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import * as E from 'fp-ts/lib/Either.js';
import { decodeKrpc, encodeQuery, type KrpcQuery } from '../src/dht/krpc.js';
import { DhtNode } from '../src/session/dhtNode.js';

const SECONDS = 3;
const HASHES = 100;
const PORTS_PER_HASH = 1000;
const SOCKETS = 4;
const WINDOW = 32;

const hashes = Array.from({ length: HASHES }, () => randomBytes(20));
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;

interface Memory { heapUsed: number; rss: number; peers: number; answered: number }

if (!isMainThread) {
  const started = await DhtNode.start({ host: '127.0.0.1', port: 0, stateDir: null, rateLimit: { perSecond: 1e9, burst: 1e9 } });
  if (E.isLeft(started)) throw new Error(started.left);
  const node = started.right;
  // a worker cannot take --expose-gc on its command line; this gives it a gc() for honest heap figures
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const memory = (): Memory => {
    gc();
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, rss: m.rss, peers: node.stats().peersStored, answered: node.stats().queriesAnswered };
  };
  parentPort!.on('message', (msg) => {
    if (msg === 'memory') parentPort!.postMessage(memory());
    if (msg === 'stop') void node.stop().then(() => process.exit(0));
  });
  parentPort!.postMessage({ port: node.address.port, ...memory() });
} else {
  const worker = new Worker(new URL(import.meta.url));
  const first = await new Promise<Memory & { port: number }>((resolve) => worker.once('message', resolve));
  const ask = (): Promise<Memory> => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage('memory'); });
  const port = first.port;

  /** Sends queries from `next()` with `WINDOW` in flight until it returns undefined or time is up; resolves with replies counted. */
  async function pump(s: Socket, next: () => Uint8Array | undefined, deadline: number, onReply: (b: Uint8Array) => void = () => undefined): Promise<number> {
    let replies = 0;
    await new Promise<void>((resolve) => {
      let inFlight = 0;
      let exhausted = false;
      let last = performance.now();
      const fill = (): void => {
        while (!exhausted && inFlight < WINDOW && performance.now() < deadline) {
          const q = next();
          if (q === undefined) { exhausted = true; break; }
          inFlight++;
          s.send(q, port, '127.0.0.1');
        }
        if (inFlight === 0) { clearInterval(watchdog); resolve(); }
      };
      // a datagram dropped by a full socket buffer would shrink the window for good: refill it
      const watchdog = setInterval(() => { if (performance.now() - last > 100 && inFlight > 0) { inFlight = 0; fill(); } }, 50);
      s.on('message', (m: Buffer) => { last = performance.now(); replies++; inFlight = Math.max(0, inFlight - 1); onReply(m); fill(); });
      fill();
    });
    s.removeAllListeners('message');
    return replies;
  }

  const socket = async (ip: string): Promise<Socket> => {
    const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 22 });
    await new Promise<void>((r) => s.bind(0, ip, () => r()));
    return s;
  };
  let tn = 0;
  const t = (): Uint8Array => { tn = (tn + 1) >>> 0; return Uint8Array.of(tn >>> 24, (tn >>> 16) & 255, (tn >>> 8) & 255, tn & 255); };
  const q = (body: Partial<KrpcQuery> & Pick<KrpcQuery, 'method'>, id: Uint8Array): Uint8Array => encodeQuery({ kind: 'query', t: t(), id, readOnly: false, ...body } as KrpcQuery);

  // 1. a token for 127.0.0.2, then 100k announces from it
  const announcer = await socket('127.0.0.2');
  const announcerId = randomBytes(20);
  const token = await new Promise<Uint8Array>((resolve) => {
    announcer.once('message', (m: Buffer) => {
      const r = decodeKrpc(m);
      if (E.isRight(r) && r.right.kind === 'response' && r.right.token !== undefined) resolve(r.right.token);
    });
    announcer.send(q({ method: 'get_peers', infoHash: hashes[0]! }, announcerId), port, '127.0.0.1');
  });
  let n = 0;
  const t0 = performance.now();
  const acks = await pump(announcer, () => {
    if (n >= HASHES * PORTS_PER_HASH) return undefined;
    const i = n++;
    return q({ method: 'announce_peer', infoHash: hashes[i % HASHES]!, port: 1 + Math.floor(i / HASHES), token, impliedPort: false }, announcerId);
  }, Number.POSITIVE_INFINITY);
  const fillMs = performance.now() - t0;
  const filled = await ask();
  console.log(`announce_peer: ${acks} acked of ${n} sent in ${(fillMs / 1000).toFixed(2)} s = ${Math.round((acks * 1000) / fillMs)} /s`);
  console.log(`memory with ${filled.peers} stored peers: heap ${mb(filled.heapUsed)} (${mb(filled.heapUsed - first.heapUsed)} more than empty, ${((filled.heapUsed - first.heapUsed) / Math.max(1, filled.peers)).toFixed(1)} B/peer), rss ${mb(filled.rss)}`);

  // 2. the query mix
  const clients = await Promise.all(Array.from({ length: SOCKETS }, (_, i) => socket(`127.0.0.${10 + i}`)));
  for (const [label, make] of [
    ['get_peers (values from the store)', (i: number, id: Uint8Array) => q({ method: 'get_peers', infoHash: hashes[i % HASHES]! }, id)],
    ['find_node', (_: number, id: Uint8Array) => q({ method: 'find_node', target: randomBytes(20) }, id)],
    ['ping', (_: number, id: Uint8Array) => q({ method: 'ping' }, id)],
  ] as const) {
    const deadline = performance.now() + SECONDS * 1000;
    const start = performance.now();
    const counts = await Promise.all(clients.map((s, c) => {
      const id = randomBytes(20);
      let i = c;
      return pump(s, () => make(i++, id), deadline);
    }));
    const total = counts.reduce((a, b) => a + b, 0);
    const ms = performance.now() - start;
    console.log(`${label.padEnd(36)} ${String(total).padStart(8)} answered in ${(ms / 1000).toFixed(2)} s = ${String(Math.round((total * 1000) / ms)).padStart(7)} /s (${SOCKETS} sockets x ${WINDOW} in flight)`);
  }
  const end = await ask();
  console.log(`node: ${end.answered} queries answered in all; heap ${mb(end.heapUsed)}, rss ${mb(end.rss)}`);
  for (const s of [announcer, ...clients]) s.close();
  worker.postMessage('stop');
  await new Promise((r) => worker.once('exit', r));
}
