import { connect, type Socket } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom, ReplaySubject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { CRYPTO_PLAINTEXT, CRYPTO_RC4, MseInitiator, type MseEstablished } from '../../src/mse/index.js';
import { Session, type SessionOptions } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { decodeHandshake, encodeHandshake } from '../../src/wire/index.js';
import { connectPeer } from '../../streams/connectPeer.js';
import { driveMse } from '../../streams/mseHandshake.js';
import { writeSample } from '../support/sampleContent.js';

/** Two statorrent sessions, and raw MSE initiators, against a seeding session on loopback. */
describe('MSE between sessions', () => {
  let dir: string;
  let metainfo: Metainfo;
  const sessions: Session[] = [];

  const start = async (o: SessionOptions): Promise<Session> => {
    const s = await Session.start({ port: 0, host: '127.0.0.1', ...o });
    if (E.isLeft(s)) throw new Error(s.left);
    sessions.push(s.right);
    return s.right;
  };
  const seeder = async (encryption: SessionOptions['encryption']): Promise<{ session: Session; events: TorrentEvent[]; events$: ReplaySubject<TorrentEvent> }> => {
    const session = await start(encryption === undefined ? {} : { encryption });
    const t = await session.add({ metainfo, downloadDir: join(dir, 'src'), useTrackers: false, skipCheck: true });
    if (E.isLeft(t)) throw new Error(t.left);
    const events: TorrentEvent[] = [];
    const events$ = new ReplaySubject<TorrentEvent>();
    t.right.events$.subscribe((e) => {
      events.push(e);
      events$.next(e);
    });
    await t.right.completed;
    return { session, events, events$ };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-mse-'));
    await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: 300_000 }]);
    const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: 32_768 })();
    if (E.isLeft(made)) throw new Error(made.left.message);
    metainfo = made.right.metainfo;
  });
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('a session with encryption "require" downloads from a default session over RC4, both sides say mse-rc4', async () => {
    const seed = await seeder(undefined);
    const leech = await start({ encryption: 'require' });
    const t = await leech.add({ metainfo, downloadDir: join(dir, 'out-rc4'), useTrackers: false, peers: [{ ip: '127.0.0.1', port: seed.session.port }] });
    if (E.isLeft(t)) throw new Error(t.left);
    const connected = firstValueFrom(t.right.events$.pipe(filter((e) => e.type === 'peerConnected')));
    await t.right.completed;
    expect(await connected).toMatchObject({ type: 'peerConnected', encryption: 'mse-rc4' });
    expect(await readFile(join(dir, 'out-rc4', 'f.bin'))).toEqual(await readFile(join(dir, 'src', 'f.bin')));
    expect(seed.events.find((e) => e.type === 'peerConnected')).toMatchObject({ encryption: 'mse-rc4', source: 'incoming' });
  });

  /** Our initiator over a raw socket, offering `provide`, with the BitTorrent handshake as IA. */
  const rawMse = async (port: number, provide: number): Promise<{ socket: Socket; result: E.Either<string, MseEstablished> }> => {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise((r) => socket.once('connect', r));
    const ia = encodeHandshake({ reserved: new Uint8Array(8), infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(0x41) });
    const init = new MseInitiator({ infoHash: metainfo.infoHash, provide, ia });
    socket.write(init.start());
    return { socket, result: await driveMse(socket, init) };
  };
  /** Reads `n` payload bytes after the handshake, deciphered as negotiated. */
  const readPayload = (socket: Socket, done: MseEstablished, n: number): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const got: Uint8Array[] = [done.payload];
      let have = done.payload.length;
      const check = (): void => {
        if (have >= n) resolve(Buffer.concat(got).subarray(0, n));
      };
      socket.on('data', (d: Buffer) => {
        done.decrypt?.processInPlace(d);
        got.push(d);
        have += d.length;
        check();
      });
      socket.once('close', () => reject(new Error('closed')));
      check();
    });

  it('selects plaintext payload when the initiator offers it, takes the BitTorrent handshake in IA and answers in the clear', async () => {
    const seed = await seeder('accept');
    const { socket, result } = await rawMse(seed.session.port, CRYPTO_PLAINTEXT | CRYPTO_RC4);
    if (E.isLeft(result)) throw new Error(result.left);
    expect(result.right.crypto).toBe('plaintext');
    const hs = decodeHandshake(await readPayload(socket, result.right, 68));
    expect(E.isRight(hs) && Buffer.from(hs.right.infoHash)).toEqual(Buffer.from(metainfo.infoHash));
    socket.destroy();
    const ev = await firstValueFrom(seed.events$.pipe(filter((e) => e.type === 'peerConnected')));
    expect(ev).toMatchObject({ encryption: 'mse-plaintext' });
  });

  it('answers in RC4 when only RC4 is offered', async () => {
    const seed = await seeder('accept');
    const { socket, result } = await rawMse(seed.session.port, CRYPTO_RC4);
    if (E.isLeft(result)) throw new Error(result.left);
    expect(result.right.crypto).toBe('rc4');
    const hs = decodeHandshake(await readPayload(socket, result.right, 68));
    expect(E.isRight(hs)).toBe(true);
    socket.destroy();
  });

  it('"require" refuses a plain handshake; "off" refuses MSE; an unknown torrent is refused', async () => {
    const strict = await seeder('require');
    const plain = await connectPeer({ ip: '127.0.0.1', port: strict.session.port, infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(2), pieceCount: metainfo.pieceCount, timeoutMs: 3000 });
    expect(E.isLeft(plain)).toBe(true);
    const enc = await connectPeer({ ip: '127.0.0.1', port: strict.session.port, infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(2), pieceCount: metainfo.pieceCount, timeoutMs: 3000, encryption: 'require' });
    expect(E.isRight(enc) && enc.right.availability.kind).toBe('all');

    const off = await seeder('off');
    const refused = await connectPeer({ ip: '127.0.0.1', port: off.session.port, infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(2), pieceCount: metainfo.pieceCount, timeoutMs: 3000, encryption: 'require' });
    expect(E.isLeft(refused) && refused.left.message).toMatch(/encrypted handshake|closed/);

    const unknown = await connectPeer({ ip: '127.0.0.1', port: strict.session.port, infoHash: new Uint8Array(20).fill(0xee), peerId: new Uint8Array(20).fill(2), pieceCount: 1, timeoutMs: 3000, encryption: 'require' });
    expect(E.isLeft(unknown)).toBe(true);
  });
});

