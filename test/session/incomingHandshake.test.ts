import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { readIncomingInfoHash } from '../../src/session/incomingHandshake.js';
import { encodeHandshake } from '../../src/wire/index.js';

const infoHash = new Uint8Array(20).fill(0xab);
const handshake = Buffer.from(encodeHandshake({ reserved: new Uint8Array(8), infoHash, peerId: new Uint8Array(20).fill(1) }));

let server: Server | undefined;
afterEach(() => server?.close());

/** Accepts one connection, runs the reader on it, and feeds it `chunks` one write per event-loop turn. */
async function readFrom(chunks: Buffer[], timeoutMs = 2000): Promise<{ result: E.Either<string, string>; rest: Buffer; ticks: number }> {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer({ pauseOnConnect: true }, resolve);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server!.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  const socket = await accepted;
  const reading = readIncomingInfoHash(socket, timeoutMs);
  for (const c of chunks) {
    client.write(c);
    await new Promise((r) => setTimeout(r, 5));
  }
  const result = await reading;
  // what the reader put back must be exactly what was sent, for the wire stack to parse
  const rest = await new Promise<Buffer>((resolve) => {
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => {
      got.push(d);
      if (Buffer.concat(got).length >= chunks.reduce((n, c) => n + c.length, 0)) resolve(Buffer.concat(got));
    });
    if (chunks.length === 0 || E.isLeft(result)) resolve(Buffer.alloc(0));
  });
  clearInterval(ticker);
  client.destroy();
  socket.destroy();
  return { result, rest, ticks };
}

describe('readIncomingInfoHash', () => {
  it('reads a handshake that arrives in one piece and puts it back', async () => {
    const r = await readFrom([handshake]);
    expect(r.result).toEqual(E.right('ab'.repeat(20)));
    expect(r.rest.equals(handshake)).toBe(true);
  });

  it('reads a handshake split into tiny segments without spinning the event loop', async () => {
    const parts = [handshake.subarray(0, 1), handshake.subarray(1, 3), handshake.subarray(3, 40), handshake.subarray(40)];
    const r = await readFrom(parts);
    expect(r.result).toEqual(E.right('ab'.repeat(20)));
    expect(r.rest.equals(handshake)).toBe(true);
    expect(r.ticks).toBeGreaterThan(0); // timers kept running while we waited
  });

  it('times out on a peer that sends part of a handshake and stops', async () => {
    const r = await readFrom([handshake.subarray(0, 3)], 200);
    expect(r.result).toEqual(E.left('no handshake in time'));
    expect(r.ticks).toBeGreaterThan(10);
  });

  it('refuses a connection that does not start like a handshake', async () => {
    const r = await readFrom([Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
    expect(r.result).toEqual(E.left('not a BitTorrent handshake'));
  });
});
