import { connect, createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerMachine } from '../../machines/peer.machine.js';
import {
  emptyReserved,
  encodeHandshake,
  encodeMessage,
  generatePeerId,
  ourReserved,
  type Handshake,
} from '../../src/wire/index.js';
import { startPeerLink, type PeerLink } from '../../streams/peerLink.js';
import { dialRaw, RawPeerServer, type RawConnection } from '../support/rawPeer.js';

const infoHash = new Uint8Array(20).fill(0x5a);
const ourId = generatePeerId();
const rawId = new TextEncoder().encode('-XX0001-rawpeer00000');
const pieceCount = 20; // bitfield: 3 bytes, 4 spare bits
const theirs = (over: Partial<Handshake> = {}): Uint8Array =>
  encodeHandshake({ reserved: ourReserved(), infoHash, peerId: rawId, ...over });

let server: RawPeerServer;
beforeAll(async () => {
  server = await RawPeerServer.listen();
});
afterAll(async () => {
  await server.close();
});

/** Our full stack (socket → frames → machine) dialling the raw peer. */
const dialUs = async (machine = peerMachine): Promise<{ link: PeerLink; raw: RawConnection }> => {
  const socket = connect({ host: '127.0.0.1', port: server.port });
  const link = startPeerLink({ socket, input: { infoHash, peerId: ourId, pieceCount, outgoing: true }, machine });
  const raw = await server.accept();
  const ours = await raw.read(68); // our handshake comes first on an outgoing connection
  expect(Array.from(ours.subarray(28, 48))).toEqual(Array.from(infoHash));
  return { link, raw };
};

/** Resolves once the peer actor's snapshot satisfies `ok` (an event, not polling). */
const until = (link: PeerLink, ok: (s: ReturnType<PeerLink['actor']['getSnapshot']>) => boolean): Promise<void> =>
  new Promise((resolve) => {
    if (ok(link.actor.getSnapshot())) return resolve();
    const sub = link.actor.subscribe((s) => {
      if (!ok(s)) return;
      sub.unsubscribe();
      resolve();
    });
  });

const FLOOD = 8 * 1024 * 1024;
const garbage = new Uint8Array(64 * 1024).fill(0xee);

/** Sends `offence` after a valid handshake, keeps flooding, and checks how we hung up. */
const expectClosedFor = async (offence: Uint8Array, tag: string, handshake = theirs()): Promise<void> => {
  const { link, raw } = await dialUs();
  raw.write(handshake);
  raw.write(offence);
  const flooded = raw.flood(garbage, FLOOD);
  const reason = await link.closed;
  expect(reason).toMatchObject({ code: 'protocol', error: { tag } });
  expect(reason.message).toMatch(/\S/);
  await raw.closed;
  // we stopped reading at the offending prefix: far less than what the peer pushed at us
  expect(await flooded).toBeGreaterThan(1024 * 1024);
  expect(link.wire.bytesIn).toBeLessThan(512 * 1024);
};

const prefix = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

describe('hostile peers against socket + frames + peer machine', () => {
  it('length prefix above the cap', () => expectClosedFor(prefix(0x7fffffff), 'frameTooLong'));

  it('fixed-size message with the wrong length', () => expectClosedFor(Uint8Array.of(0, 0, 0, 3, 4, 0, 1), 'badLength'));

  it('have index out of range', () => expectClosedFor(encodeMessage({ type: 'have', index: pieceCount }), 'pieceIndexOutOfRange'));

  it('bitfield of the wrong size', () =>
    expectClosedFor(encodeMessage({ type: 'bitfield', bitfield: new Uint8Array(4) }), 'bitfieldSize'));

  it('bitfield with spare bits set', () =>
    expectClosedFor(encodeMessage({ type: 'bitfield', bitfield: Uint8Array.of(0xff, 0xff, 0xf1) }), 'bitfieldSpareBits'));

  it('fast-extension message without negotiating it', () =>
    expectClosedFor(encodeMessage({ type: 'haveAll' }), 'fastNotNegotiated', theirs({ reserved: emptyReserved() })));

  it('wrong info hash in the handshake', () => expectClosedFor(new Uint8Array(0), 'wrongInfoHash', theirs({ infoHash: new Uint8Array(20) })));

  it('wrong protocol string', () => {
    const bad = theirs();
    bad.set(new TextEncoder().encode('BitTorrent protocoX'), 1);
    return expectClosedFor(new Uint8Array(0), 'badProtocol', bad);
  });

  it('not BitTorrent at all (HTTP)', () =>
    expectClosedFor(new Uint8Array(0), 'badProtocol', new TextEncoder().encode('GET /announce HTTP/1.1\r\n\r\n')));

  it('connection to ourselves (our own peer id)', () => expectClosedFor(new Uint8Array(0), 'selfConnection', theirs({ peerId: ourId })));

  it('ignores unknown message ids and keeps going (BEP 3 gives no rule; newer extensions use new ids)', async () => {
    const { link, raw } = await dialUs();
    raw.write(theirs());
    raw.write(Uint8Array.of(0, 0, 0, 3, 0x63, 1, 2));
    raw.write(encodeMessage({ type: 'unchoke' }));
    await until(link, (s) => s.matches({ active: { peerChoking: 'unchoked' } }));
    // fast extension negotiated and we have nothing: have-none is our announcement (BEP 6)
    expect(link.commands).toEqual(['handshake', 'ready', 'send:haveNone', 'refill']);
    link.actor.send({ type: 'CLOSE', message: 'test done' });
    expect(await link.closed).toEqual({ code: 'local', message: 'test done' });
    await raw.closed;
  });

  it('never completing the handshake (short provided timeout)', async () => {
    const { link, raw } = await dialUs(peerMachine.provide({ delays: { handshakeTimeout: 50 } }));
    raw.write(theirs().subarray(0, 30));
    expect((await link.closed).code).toBe('handshakeTimeout');
    await raw.closed;
  });

  it('peer hanging up mid-message ends the machine with remoteClosed, no exception', async () => {
    const { link, raw } = await dialUs();
    raw.write(theirs());
    raw.write(encodeMessage({ type: 'have', index: 1 }).subarray(0, 6));
    raw.end();
    expect((await link.closed).code).toBe('remoteClosed');
  });
});

describe('incoming connections', () => {
  let ours: Server;
  let port = 0;
  const links: PeerLink[] = [];
  beforeAll(async () => {
    ours = createServer((socket) => {
      links.push(startPeerLink({ socket, input: { infoHash, peerId: ourId, pieceCount, outgoing: false } }));
    });
    ours.listen(0, '127.0.0.1');
    await once(ours, 'listening');
    const a = ours.address();
    port = typeof a === 'object' && a !== null ? a.port : 0;
  });
  afterAll(() => {
    ours.close();
  });

  it('answers a valid handshake, then exchanges control messages', async () => {
    const raw = await dialRaw(port);
    raw.write(theirs());
    const answer = await raw.read(68);
    expect(Array.from(answer.subarray(48))).toEqual(Array.from(ourId));
    const link = links.at(-1)!;
    raw.write(encodeMessage({ type: 'interested' }));
    await until(link, (s) => s.matches({ active: { peerInterested: 'interested' } }));
    link.actor.send({ type: 'UNCHOKE' });
    // BEP 6: with nothing to offer, have-none is our announcement, right after the handshake
    expect(Array.from(await raw.read(5))).toEqual(Array.from(encodeMessage({ type: 'haveNone' })));
    expect(Array.from(await raw.read(5))).toEqual(Array.from(encodeMessage({ type: 'unchoke' })));
    raw.end();
    expect((await link.closed).code).toBe('remoteClosed');
  });

  it('does not answer a handshake for another torrent', async () => {
    const raw = await dialRaw(port);
    raw.write(theirs({ infoHash: new Uint8Array(20).fill(1) }));
    await raw.closed;
    const reason = await links.at(-1)!.closed;
    expect(reason).toMatchObject({ code: 'protocol', error: { tag: 'wrongInfoHash' } });
    expect(links.at(-1)!.wire.bytesOut).toBe(0);
  });
});
