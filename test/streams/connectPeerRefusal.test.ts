import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { Session } from '../../src/session/session.js';
import { connectPeer, connectPeerRetryingRefusal } from '../../streams/connectPeer.js';
import { seedingSession, smallSeed } from '../support/smallSeed.js';

/**
 * A real seeding session behind a door that hangs up on the first `refusals` connections as
 * soon as they send anything (our handshake, or Ya and PadA of MSE): what Transmission 3 does
 * while it still holds our previous connection from the same IP.
 */
async function door(seederPort: number, refusals: number): Promise<{ server: Server; port: number; connections: () => number }> {
  let n = 0;
  const server = createServer((socket: Socket) => {
    n++;
    if (n <= refusals) {
      socket.once('data', () => socket.destroy());
      socket.on('error', () => undefined);
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: seederPort });
    socket.pipe(upstream).pipe(socket);
    const drop = (): void => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, port: (server.address() as { port: number }).port, connections: () => n };
}

describe('probing a peer that refuses at first', () => {
  let dir = '';
  let metainfo: Metainfo;
  let session: Session;
  const servers: Server[] = [];
  beforeAll(async () => {
    ({ dir, metainfo } = await smallSeed('st-refusal-'));
    ({ session } = await seedingSession(metainfo, dir));
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await session.close();
    await rm(dir, { recursive: true, force: true });
  });
  const probe = (port: number) => ({ ip: '127.0.0.1', port, infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(7), pieceCount: metainfo.pieceCount, timeoutMs: 8000 });

  it('a hang-up in the middle of our MSE handshake is a refusal', async () => {
    const d = await door(session.port, Infinity);
    servers.push(d.server);
    const r = await connectPeer({ ...probe(d.port), encryption: 'require' });
    expect(E.isLeft(r) && r.left).toMatchObject({ code: 'refused', message: expect.stringMatching(/^hung up during the encrypted handshake/) });
  });

  it('retries while refused, over MSE after the plain attempt, and gets the answer on the third connection', async () => {
    const d = await door(session.port, 2); // the plain probe and the first MSE retry are refused
    servers.push(d.server);
    const r = await connectPeerRetryingRefusal(probe(d.port));
    expect(E.isRight(r) ? r.right.availability : r.left).toEqual({ kind: 'all' });
    expect(E.isRight(r) && r.right.encryption).not.toBe('none'); // the retries dial MSE
    expect(d.connections()).toBe(3);
  });

  it('gives up refused after two retries', async () => {
    const d = await door(session.port, Infinity);
    servers.push(d.server);
    const r = await connectPeerRetryingRefusal(probe(d.port));
    expect(E.isLeft(r) && r.left.code).toBe('refused');
    expect(d.connections()).toBe(3);
  });
});
