/**
 * Minimal tracker clients for tests: raw HTTP GETs with byte-exact percent-encoding, and
 * BEP 15 datagrams. Deliberately independent of the project's tracker client.
 */
import { request, type Agent } from 'node:http';
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import * as E from 'fp-ts/lib/Either.js';
import { decode, isDict, type BDict } from '../../../../src/bencode/index.js';

/** Percent-encodes every byte (valid for any binary value). */
export const pct = (b: Uint8Array): string => Array.from(b, (x) => `%${x.toString(16).padStart(2, '0')}`).join('');

/** Builds a query from [key, value] where bytes are percent-encoded and strings kept as-is. */
export function query(params: ReadonlyArray<readonly [string, string | Uint8Array]>): string {
  return params.map(([k, v]) => `${k}=${typeof v === 'string' ? v : pct(v)}`).join('&');
}

/** GETs `path` and returns status and raw body. */
export function httpGet(port: number, path: string, agent?: Agent): Promise<{ status: number; body: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', ...(agent === undefined ? {} : { agent }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** GETs `path` and decodes the bencoded dictionary it must return. */
export async function httpGetDict(port: number, path: string, agent?: Agent): Promise<BDict> {
  const { status, body } = await httpGet(port, path, agent);
  if (status !== 200) throw new Error(`status ${status}`);
  const v = decode(body);
  if (E.isLeft(v) || !isDict(v.right)) throw new Error(`not a bencoded dictionary: ${Buffer.from(body).toString('latin1')}`);
  return v.right;
}

/** A UDP socket bound on loopback that sends one datagram and waits for the next reply. */
export class UdpProbe {
  private constructor(readonly socket: Socket, private readonly target: { host: string; port: number }) {}

  static async open(port: number, host = '127.0.0.1'): Promise<UdpProbe> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new UdpProbe(socket, { host, port });
  }

  /** Sends `packet` and resolves with the reply, or `undefined` if none comes within `waitMs`. */
  exchange(packet: Uint8Array, waitMs = 2000): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const onMsg = (m: Buffer): void => { clearTimeout(t); resolve(m); };
      const t = setTimeout(() => { this.socket.off('message', onMsg); resolve(undefined); }, waitMs);
      this.socket.once('message', onMsg);
      this.socket.send(packet, this.target.port, this.target.host);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** BEP 15 connect request. */
export function udpConnect(tid: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(0x41727101980n, 0);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(tid, 12);
  return b;
}

/** BEP 15 announce request. `event`: 0 none, 1 completed, 2 started, 3 stopped. */
export function udpAnnounce(o: { connectionId: Uint8Array; tid: number; infoHash: Uint8Array; peerId: Uint8Array; left: bigint; event: number; port: number; numWant?: number; ip?: Uint8Array }): Buffer {
  const b = Buffer.alloc(98);
  b.set(o.connectionId, 0);
  b.writeUInt32BE(1, 8);
  b.writeUInt32BE(o.tid, 12);
  b.set(o.infoHash, 16);
  b.set(o.peerId, 36);
  b.writeBigInt64BE(0n, 56);
  b.writeBigInt64BE(o.left, 64);
  b.writeBigInt64BE(0n, 72);
  b.writeUInt32BE(o.event, 80);
  if (o.ip !== undefined) b.set(o.ip, 84);
  b.writeUInt32BE(0x1234, 88);
  b.writeInt32BE(o.numWant ?? -1, 92);
  b.writeUInt16BE(o.port, 96);
  return b;
}

/** BEP 15 scrape request. */
export function udpScrape(connectionId: Uint8Array, tid: number, hashes: readonly Uint8Array[]): Buffer {
  const b = Buffer.alloc(16 + 20 * hashes.length);
  b.set(connectionId, 0);
  b.writeUInt32BE(2, 8);
  b.writeUInt32BE(tid, 12);
  hashes.forEach((h, i) => b.set(h, 16 + 20 * i));
  return b;
}

/** 20 bytes derived from a label (SHA-1), binary like real info hashes and peer ids. */
export function id20(label: string | number): Uint8Array {
  return new Uint8Array(createHash('sha1').update(String(label)).digest());
}
