import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent, TorrentProgress } from '../../src/session/types.js';
import { encodeHandshake, encodeMessage, type WireMessage } from '../../src/wire/index.js';
import { dialRaw, RawPeerServer, type RawConnection } from '../support/rawPeer.js';
import { writeSample } from '../support/sampleContent.js';
import { Conditions } from '../support/conditions.js';

const low = new Uint8Array(20).fill(0x11);
const high = new Uint8Array(20).fill(0xee);
const DUPLICATE = /^duplicate connection to peer eeeeeeeeeeeeeeee… \(kept 127\.0\.0\.1:\d+\)$/;

/**
 * Two raw connections presenting one peer id to one session (crossed dials, or one peer
 * dialling twice): the session keeps exactly one, closes the other with a reason, and blames
 * nobody (the rule: src/peers/duplicateConnection.ts).
 */
describe('session: one connection per peer id', () => {
  let dir: string;
  let metainfo: Metainfo;
  let server: RawPeerServer;
  let session: Session;
  const events: TorrentEvent[] = [];
  const wire: { id: string; direction: 'in' | 'out'; message: WireMessage }[] = [];
  let progress: TorrentProgress | undefined;

  /** Conditions waiting for what the session sends or reports next. */
  const conditions = new Conditions();
  const changed = (): void => conditions.changed();
  const until = (what: () => boolean): Promise<void> => conditions.until(what);

  beforeEach(async () => {
    events.length = 0;
    wire.length = 0;
    conditions.clear();
    dir = await mkdtemp(join(tmpdir(), 'st-dup-'));
    await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: 100_000 }]);
    const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: 32_768 })();
    if (E.isLeft(made)) throw new Error(made.left.message);
    metainfo = made.right.metainfo;
    server = await RawPeerServer.listen();
  });
  afterEach(async () => {
    await session?.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A session with peer id `peerId` running the torrent: seeding it, or downloading it from the raw server. */
  async function run(peerId: Uint8Array, role: 'seed' | 'leech'): Promise<void> {
    const s = await Session.start({ port: 0, host: '127.0.0.1', peerId });
    if (E.isLeft(s)) throw new Error(s.left);
    session = s.right;
    const t = await session.add({
      metainfo,
      useTrackers: false,
      ...(role === 'seed' ? { downloadDir: join(dir, 'src'), skipCheck: true } : { downloadDir: join(dir, 'out'), peers: [{ ip: '127.0.0.1', port: server.port }] }),
      onWire: (id, direction, message) => {
        wire.push({ id, direction, message });
        changed();
      },
    });
    if (E.isLeft(t)) throw new Error(t.left);
    t.right.events$.subscribe((e) => {
      events.push(e);
      changed();
    });
    t.right.progress$.subscribe((p) => {
      progress = p;
      changed();
    });
    if (role === 'seed') await t.right.completed; // seeding: incoming connections are accepted
  }

  const handshake = (peerId: Uint8Array): Uint8Array => encodeHandshake({ reserved: new Uint8Array(8), infoHash: metainfo.infoHash, peerId });
  const idOf = (c: RawConnection): string => `127.0.0.1:${c.socket.localPort}`;
  const connectedIds = (): string[] => events.flatMap((e) => (e.type === 'peerConnected' ? [e.id] : []));
  const closedIds = (): string[] => events.flatMap((e) => (e.type === 'peerClosed' ? [e.id] : []));
  const requests = (id: string): string[] => wire.flatMap((w) => (w.id === id && w.direction === 'out' && w.message.type === 'request' ? [`${w.message.index}@${w.message.begin}`] : []));

  it('the same peer dialling twice: the newer connection is closed with the reason, the older keeps working', async () => {
    await run(low, 'seed');
    const first = await dialRaw(session.port);
    const firstId = idOf(first);
    first.write(handshake(high));
    await until(() => connectedIds().includes(firstId));
    const second = await dialRaw(session.port);
    const secondId = idOf(second);
    second.write(handshake(high));
    await second.closed;
    await until(() => closedIds().includes(secondId));
    expect(events.find((e) => e.type === 'peerClosed')).toEqual({ type: 'peerClosed', id: secondId, reason: expect.stringMatching(DUPLICATE) });
    expect((events.find((e) => e.type === 'peerClosed') as { reason: string }).reason).toContain(`(kept ${firstId})`);
    // the older one is still served: it asks, and the choker gives it a slot
    first.write(encodeMessage({ type: 'interested' }));
    await until(() => wire.some((w) => w.id === firstId && w.direction === 'out' && w.message.type === 'unchoke'));
    progress = undefined;
    await until(() => progress !== undefined);
    expect(progress!.peers).toBe(1);
    expect(closedIds()).toEqual([secondId]);
    expect(first.socket.destroyed).toBe(false);
    expect(events.filter((e) => e.type === 'banned')).toEqual([]);
  });

  it('crossed dials: the connection dialled by the higher peer id survives; the other\'s requests go to it', async () => {
    await run(low, 'leech');
    // we dial the raw peer, which has every piece and unchokes us: requests go out on our dial
    const dialled = await server.accept();
    await dialled.read(68);
    dialled.write(handshake(high));
    dialled.write(encodeMessage({ type: 'bitfield', bitfield: new Uint8Array([0xf0]) }));
    dialled.write(encodeMessage({ type: 'unchoke' }));
    const ours = `127.0.0.1:${server.port}`;
    await until(() => requests(ours).length > 0);
    // it dials us too, under the same peer id; its id is the higher one, so its dial is kept
    const theirs = await dialRaw(session.port);
    const theirsId = idOf(theirs);
    theirs.write(handshake(high));
    await dialled.closed;
    await until(() => closedIds().includes(ours));
    expect(events.find((e) => e.type === 'peerClosed' && e.id === ours)).toEqual({ type: 'peerClosed', id: ours, reason: `duplicate connection to peer ${'ee'.repeat(8)}… (kept ${theirsId})` });
    // the blocks asked of the closed connection are back in the pool: the kept one is asked for them
    const asked = requests(ours);
    theirs.write(encodeMessage({ type: 'bitfield', bitfield: new Uint8Array([0xf0]) }));
    theirs.write(encodeMessage({ type: 'unchoke' }));
    await until(() => asked.every((b) => requests(theirsId).includes(b)));
    expect(closedIds()).toEqual([ours]);
    expect(theirs.socket.destroyed).toBe(false);
    expect(events.filter((e) => e.type === 'banned')).toEqual([]);
  });
});
