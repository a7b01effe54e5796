import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/** A received datagram and when (by `Date.now()`, fake or real) it arrived. */
export interface Received {
  readonly packet: Buffer;
  readonly from: RemoteInfo;
  readonly at: number;
}

/** A node:dgram server on loopback port 0; each test scripts replies or waits for packets. */
export interface ScriptedUdpTracker {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** Called for each packet; reply with `send`. */
  onPacket(h: (r: Received, send: (b: Uint8Array) => void) => void): void;
  /** Resolves when the `n`-th packet (1-based) has arrived. */
  packet(n: number): Promise<Received>;
  readonly socket: Socket;
  close(): Promise<void>;
}

export async function startScriptedUdpTracker(host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<ScriptedUdpTracker> {
  const socket = createSocket(host === '::1' ? 'udp6' : 'udp4');
  const received: Received[] = [];
  const waiters = new Map<number, (r: Received) => void>();
  let handler: (r: Received, send: (b: Uint8Array) => void) => void = () => undefined;
  socket.on('message', (packet, from) => {
    const r = { packet, from, at: Date.now() };
    received.push(r);
    handler(r, (b) => socket.send(b, from.port, from.address));
    waiters.get(received.length)?.(r);
  });
  await new Promise<void>((ok) => socket.bind(0, host, ok));
  const port = socket.address().port;
  return {
    url: `udp://${host === '::1' ? '[::1]' : host}:${port}/announce`,
    port,
    received,
    socket,
    onPacket: (h) => {
      handler = h;
    },
    packet: (n) => {
      const have = received[n - 1];
      return have ? Promise.resolve(have) : new Promise((ok) => waiters.set(n, ok));
    },
    close: () => new Promise<void>((ok) => socket.close(() => ok())),
  };
}

/** BEP 15 reply builders for scripted trackers. */
export const udpReply = {
  connect(tid: number, connectionId: Uint8Array): Uint8Array {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(0, 0);
    b.writeUInt32BE(tid, 4);
    b.set(connectionId, 8);
    return b;
  },
  announce(tid: number, interval: number, leechers: number, seeders: number, peers: Uint8Array): Uint8Array {
    const b = Buffer.alloc(20 + peers.length);
    b.writeUInt32BE(1, 0);
    b.writeUInt32BE(tid, 4);
    b.writeUInt32BE(interval, 8);
    b.writeUInt32BE(leechers, 12);
    b.writeUInt32BE(seeders, 16);
    b.set(peers, 20);
    return b;
  },
  error(tid: number, message: string): Uint8Array {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(3, 0);
    b.writeUInt32BE(tid, 4);
    return Buffer.concat([b, Buffer.from(message)]);
  },
};

/** Action and transaction id of a request. */
export const actionOf = (p: Buffer): number => p.readUInt32BE(8);
export const tidOf = (p: Buffer): number => p.readUInt32BE(12);
