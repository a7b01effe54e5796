import { connect, createServer, type Server, type Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CRYPTO_PLAINTEXT, CRYPTO_RC4, dhKeyPair, MseInitiator, req2Hash, type EncryptionPolicy } from '../../src/mse/index.js';
import { readIncoming, type IncomingRoute } from '../../src/session/incomingHandshake.js';
import { driveMse } from '../../streams/mseHandshake.js';
import { encodeHandshake } from '../../src/wire/index.js';

const infoHash = new Uint8Array(20).fill(0xab);
const req2 = Buffer.from(req2Hash(infoHash)).toString('hex');
const findInfoHash = (r: Uint8Array): Uint8Array | undefined => (Buffer.from(r).toString('hex') === req2 ? infoHash : undefined);
const handshake = encodeHandshake({ reserved: new Uint8Array(8), infoHash, peerId: new Uint8Array(20).fill(1) });

let server: Server | undefined;
const clients: Socket[] = [];
afterEach(() => {
  for (const c of clients) c.destroy();
  clients.length = 0;
  server?.close();
});

/** Accepts one connection and runs readIncoming on it; `client` is the dialling side. */
async function accept(encryption: EncryptionPolicy, timeoutMs = 2000): Promise<{ client: Socket; route: Promise<E.Either<string, IncomingRoute>>; accepted: Socket }> {
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer({ pauseOnConnect: true }, resolve);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const client = connect((server!.address() as { port: number }).port, '127.0.0.1');
  clients.push(client);
  const socket = await accepted;
  return { client, accepted: socket, route: readIncoming(socket, { timeoutMs, encryption, findInfoHash }) };
}

describe('readIncoming: plain or MSE, by policy', () => {
  it('runs the responder for MSE and hands on the initial payload (IA) in the clear (plaintext selected), split into small writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 5 }), async (cuts) => {
        const { client, route } = await accept('accept');
        const init = new MseInitiator({ infoHash, provide: CRYPTO_PLAINTEXT | CRYPTO_RC4, ia: handshake });
        // the client's writes are cut as `cuts` says, one piece per event-loop turn, in order
        const origWrite = client.write.bind(client);
        let chain = Promise.resolve();
        let k = 0;
        client.write = ((data: Uint8Array) => {
          for (let at = 0; at < data.length; ) {
            const piece = data.subarray(at, at + cuts[k++ % cuts.length]!);
            at += piece.length;
            chain = chain.then(async () => {
              origWrite(piece);
              await new Promise((r) => setImmediate(r));
            });
          }
          return true;
        }) as typeof client.write;
        await new Promise((r) => client.once('connect', r));
        client.write(init.start());
        const dialled = driveMse(client, init);
        const r = await route;
        if (E.isLeft(r)) throw new Error(r.left);
        const d = await dialled;
        expect(E.isRight(d) && d.right.crypto).toBe('plaintext');
        expect(r.right.infoHashHex).toBe('ab'.repeat(20));
        expect(r.right.transport.encryption).toBe('mse-plaintext');
        expect(r.right.transport.prefix).toEqual(handshake);
        client.destroy();
        server?.close();
      }),
      { numRuns: 5 },
    );
  });

  it('times out on an MSE peer that stops after Ya', async () => {
    const { client, route } = await accept('accept', 200);
    client.write(dhKeyPair().publicKey);
    expect(await route).toEqual(E.left('no handshake in time'));
  });

  it('refuses random bytes once past the sync bound, and an unknown torrent', async () => {
    const { client, route } = await accept('accept');
    client.write(new Uint8Array(700).fill(0x5a));
    expect(await route).toEqual(E.left('encrypted handshake: no HASH(req1, S) within 628 bytes (not MSE, or a broken peer)'));
    const other = await accept('accept');
    await new Promise((r) => other.client.once('connect', r));
    const init = new MseInitiator({ infoHash: new Uint8Array(20).fill(1), provide: CRYPTO_RC4 });
    other.client.write(init.start());
    void driveMse(other.client, init);
    expect(await other.route).toEqual(E.left('encrypted handshake: for a torrent we do not serve'));
  });

  it('"off" refuses MSE, "require" refuses a plain handshake, "accept" takes it and puts it back', async () => {
    const off = await accept('off');
    off.client.write(dhKeyPair().publicKey);
    expect(await off.route).toEqual(E.left('not a BitTorrent handshake'));
    const strict = await accept('require');
    strict.client.write(handshake);
    expect(await strict.route).toEqual(E.left('plain BitTorrent handshake refused: encryption is required'));
    const plain = await accept('accept');
    plain.client.write(handshake);
    const r = await plain.route;
    expect(E.isRight(r) && r.right.transport.encryption).toBe('none');
    const back = await new Promise<Buffer>((resolve) => plain.accepted.once('data', resolve));
    expect(new Uint8Array(back)).toEqual(handshake);
  });
});
