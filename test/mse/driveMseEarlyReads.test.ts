import { connect, createServer, type Server, type Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CRYPTO_RC4, MseInitiator, MseResponder, req2Hash, type MseRandom } from '../../src/mse/index.js';
import { driveMse } from '../../streams/mseHandshake.js';
import { markReusedReads, onReusedRead, reusedReadOptions } from '../../streams/reusedReads.js';

const infoHash = new Uint8Array(20).fill(0x5a);
const req2 = Buffer.from(req2Hash(infoHash)).toString('hex');
const findInfoHash = (r: Uint8Array): Uint8Array | undefined => (Buffer.from(r).toString('hex') === req2 ? infoHash : undefined);
/** Fixed keys and no pads: the responder's whole answer can be computed before the dial. */
const fixed = (k: number): MseRandom => ({ privateKey: new Uint8Array(20).fill(k), padLength: () => 0 });
const initiatorOf = (): MseInitiator => new MseInitiator({ infoHash, provide: CRYPTO_RC4, random: fixed(1) });

/** What a responder with key 2 sends to the initiator with key 1: Yb, then ENCRYPT(VC, crypto_select, len(PadD)). */
function responderStream(): Uint8Array {
  const a = initiatorOf();
  const b = new MseResponder({ findInfoHash, allowed: CRYPTO_RC4, random: fixed(2) });
  const yb = b.feed(a.start());
  if (E.isLeft(yb)) throw new Error(yb.left.tag);
  const toB = a.feed(Buffer.concat(yb.right.send));
  if (E.isLeft(toB)) throw new Error(toB.left.tag);
  const reply = b.feed(Buffer.concat(toB.right.send));
  if (E.isLeft(reply) || reply.right.done === undefined) throw new Error('responder did not finish');
  return Buffer.concat([...yb.right.send, ...reply.right.send]);
}

/** Resolves once `socket` has read `n` bytes (reads into the shared buffer emit no event of their own). */
const readAtLeast = (socket: Socket, n: number): Promise<void> =>
  new Promise((resolve) => {
    const check = (): void => (socket.bytesRead >= n ? resolve() : void setImmediate(check));
    check();
  });

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  server?.close();
});

describe('driveMse over a socket with reused reads', () => {
  it('reads that arrived before it started and follow the handshake are kept for the next reader, not dropped', async () => {
    const handshake = responderStream();
    const later = Buffer.from('bytes after the handshake, in a read of their own');
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer(resolve);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const client = connect({ port: (server!.address() as { port: number }).port, host: '127.0.0.1', onread: reusedReadOptions });
    markReusedReads(client);
    sockets.push(client);
    const peer = await accepted;
    sockets.push(peer);
    // two reads land before the handshake runs: the whole answer, then payload
    peer.write(handshake);
    await readAtLeast(client, handshake.length);
    peer.write(later);
    await readAtLeast(client, handshake.length + later.length);

    const r = await driveMse(client, initiatorOf());
    expect(E.isRight(r) && r.right.crypto).toBe('rc4');
    const next: Buffer[] = [];
    onReusedRead(client, (chunk) => next.push(Buffer.from(chunk)));
    expect(Buffer.concat(next).equals(later)).toBe(true);
  });
});
