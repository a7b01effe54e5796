/**
 * The peer machine's extensions region (BEP 10, with BEP 9 / BEP 11 messages routed through
 * it): our extended handshake goes out only when both set the bit, theirs gives the ids we send
 * under (held in the machine's context) and its reqq bounds our pipeline through the gate.
 */
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeExtendedHandshake, type DecodedExtendedHandshake } from '../../src/extensions/index.js';
import { RETRACTION_ALLOWANCE, type PeerCommand } from '../../machines/peer.machine.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { activePeer, plainHandshake } from './peerMachineFixtures.js';

const theirExtended = (m: Record<string, number>, extra: Partial<DecodedExtendedHandshake> = {}): DecodedExtendedHandshake => ({
  m: new Map(Object.entries(m)),
  dropped: [],
  ...extra,
});
const sent = (commands: readonly PeerCommand[]) =>
  commands.flatMap((c) => (c.type === 'send' && c.message.type === 'extended' ? [{ id: c.message.extendedId, payload: c.message.payload }] : []));

describe('peer machine: extension protocol (BEP 10)', () => {
  it('sends our extended handshake after our pieces when both set the bit, with metadata_size', () => {
    const p = activePeer({ extended: { m: { ut_metadata: 1, ut_pex: 2 }, metadataSize: 1234, reqq: 500 } });
    expect(p.tags().slice(-2)).toEqual(['send:haveNone', 'send:extended']);
    const [ours] = sent(p.commands);
    expect(ours!.id).toBe(0);
    const decoded = decodeExtendedHandshake(ours!.payload);
    expect(E.isRight(decoded) && decoded.right).toMatchObject({ metadataSize: 1234, reqq: 500, m: new Map([['ut_metadata', 1], ['ut_pex', 2]]) });
    expect(p.actor.getSnapshot().matches({ active: { extensions: 'offered' } })).toBe(true);
  });

  it('sends none to a peer without the bit, and ignores its extension messages', () => {
    const p = activePeer({ handshake: plainHandshake() });
    expect(sent(p.commands)).toEqual([]);
    p.actor.send({ type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: theirExtended({ ut_metadata: 3 }) });
    p.actor.send({ type: 'SEND_EXTENDED', extension: 'ut_metadata', payload: Uint8Array.of(1) });
    expect(sent(p.commands)).toEqual([]);
    expect(p.actor.getSnapshot().matches({ active: { extensions: 'none' } })).toBe(true);
  });

  it('tells a peer that takes lt_donthave about a piece we lost, under its id (BEP 54); others hear nothing', () => {
    const ours = Bitfield.full(8);
    const p = activePeer({ pieceCount: 8, ours });
    p.actor.send({ type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: theirExtended({ lt_donthave: 7 }) });
    p.fresh();
    ours.clear(5);
    p.actor.send({ type: 'WE_LOST', index: 5 });
    expect(sent(p.commands.slice(-2))).toEqual([{ id: 7, payload: Uint8Array.of(0, 0, 0, 5) }]);
    const other = activePeer({ pieceCount: 8, ours });
    other.actor.send({ type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: theirExtended({ ut_metadata: 3 }) });
    other.fresh();
    other.actor.send({ type: 'WE_LOST', index: 5 });
    expect(other.fresh()).toEqual(['refill']);
  });

  it('keeps the ids the peer gave, sends under them, drops what it never named; reqq bounds the gate', () => {
    const p = activePeer();
    p.actor.send({ type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: theirExtended({ ut_metadata: 3, lt_donthave: 7 }, { reqq: 16, metadataSize: 99 }) });
    const snap = p.actor.getSnapshot();
    expect(snap.matches({ active: { extensions: { negotiated: 'pexListening' } } })).toBe(true);
    expect([...snap.context.extensionIds]).toEqual([['ut_metadata', 3], ['lt_donthave', 7]]);
    expect(p.gate.reqq).toBe(16);
    expect(p.commands.at(-1)).toMatchObject({ type: 'extended', handshake: { metadataSize: 99 } });
    p.fresh();
    p.actor.send({ type: 'SEND_EXTENDED', extension: 'ut_metadata', payload: Uint8Array.of(9) });
    p.actor.send({ type: 'SEND_EXTENDED', extension: 'ut_pex', payload: Uint8Array.of(9) });
    expect(p.commands.at(-1)).toEqual({ type: 'send', message: { type: 'extended', extendedId: 3, payload: Uint8Array.of(9) } });
    expect(p.fresh()).toEqual(['send:extended']);
    // a later handshake may turn an extension off (id 0)
    p.actor.send({ type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: theirExtended({ ut_metadata: 0 }) });
    p.fresh();
    p.actor.send({ type: 'SEND_EXTENDED', extension: 'ut_metadata', payload: Uint8Array.of(9) });
    expect(p.fresh()).toEqual([]);
    expect(p.gate.reqq).toBe(16);
  });

  it('hands metadata messages to the connection, from any extension state', () => {
    const p = activePeer();
    p.actor.send({ type: 'PEER_METADATA', message: { type: 'request', piece: 0 } });
    expect(p.commands.at(-1)).toEqual({ type: 'metadataMessage', message: { type: 'request', piece: 0 } });
  });

  it('closes on a bad or oversized extension message', () => {
    const p = activePeer();
    p.actor.send({ type: 'EXTENSION_ERROR', error: { _tag: 'ExtensionError', code: 'too-large', message: 'peer sent a bad ut_metadata message: too big' } });
    expect(p.actor.getSnapshot().value).toBe('closed');
    expect(p.commands.at(-1)).toEqual({ type: 'close', reason: { code: 'extension', message: 'peer sent a bad ut_metadata message: too big' } });
  });

  it('PEX (BEP 11): one message a minute each way; a second within the minute is dropped, not fatal', () => {
    const p = activePeer({ extended: { m: { ut_metadata: 1, ut_pex: 2 } } });
    p.actor.send({ type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: theirExtended({ ut_pex: 5 }) });
    p.fresh();
    const pex = { added: [{ ip: '127.0.0.9', port: 6881, flags: 0 }], dropped: [] };
    p.actor.send({ type: 'PEER_PEX', message: pex });
    p.actor.send({ type: 'PEER_PEX', message: pex });
    expect(p.fresh()).toEqual(['pexMessage']);
    p.clock.increment(5_000);
    expect(p.fresh()).toEqual(['pexDue']); // our first message goes soon after the handshakes
    p.clock.increment(55_000);
    // the minute since theirs is up: it is taken again; ours is due a minute after our first
    expect(p.fresh()).toEqual([]);
    p.actor.send({ type: 'PEER_PEX', message: pex });
    expect(p.fresh()).toEqual(['pexMessage']);
    p.clock.increment(5_000);
    expect(p.fresh()).toEqual(['pexDue']);
    p.clock.increment(55_000);
    expect(p.fresh().filter((t) => t !== 'send:keepAlive')).toEqual([]);
    expect(p.actor.getSnapshot().value).not.toBe('closed');
  });

  it('never times PEX when we did not advertise ut_pex (private torrent, BEP 27)', () => {
    const p = activePeer({ extended: { m: { ut_metadata: 1 } } });
    p.actor.send({ type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: theirExtended({ ut_pex: 5 }) });
    p.fresh();
    p.clock.increment(180_000);
    expect(p.fresh().filter((t) => t === 'pexDue')).toEqual([]);
  });

  describe('lt_donthave from the peer (BEP 54)', () => {
    const offering = { m: { ut_metadata: 1, lt_donthave: 3 } };

    it('takes the piece out of its bitfield, availability and our interest, and sends our requests for it elsewhere', () => {
      const p = activePeer({ pieceCount: 8, extended: offering });
      p.actor.send({ type: 'PEER_HAVES', indices: [2] });
      p.actor.send({ type: 'PEER_HAVES', indices: [5] });
      expect(p.pieces.interesting).toBe(2);
      p.fresh();
      p.actor.send({ type: 'PEER_DONT_HAVE', index: 5 });
      expect(p.pieces.bitfield.has(5)).toBe(false);
      expect(p.availability.of(5)).toBe(0);
      expect(p.pieces.interesting).toBe(1);
      expect(p.commands.at(-1)).toEqual({ type: 'peerLost', index: 5 });
      expect(p.fresh()).toEqual(['peerLost']);
      expect(p.actor.getSnapshot().matches({ active: { amInterested: 'interested' } })).toBe(true);
      // its last piece we wanted: not interested any more (the existing `always` decides)
      p.actor.send({ type: 'PEER_DONT_HAVE', index: 2 });
      expect(p.fresh()).toEqual(['peerLost', 'send:notInterested']);
      expect(p.actor.getSnapshot().matches({ active: { amInterested: 'notInterested' } })).toBe(true);
      // announced again later: wanted again
      p.actor.send({ type: 'PEER_HAVES', indices: [2] });
      expect(p.pieces.interesting).toBe(1);
      expect(p.actor.getSnapshot().value).not.toBe('closed');
    });

    it('un-counts a piece of a seed that we already have without touching our interest', () => {
      const ours = new Bitfield(4);
      ours.set(0);
      const p = activePeer({ pieceCount: 4, ours, extended: offering });
      p.actor.send({ type: 'PEER_HAVE_ALL' });
      expect([p.pieces.interesting, p.availability.of(0)]).toEqual([3, 1]);
      p.fresh();
      p.actor.send({ type: 'PEER_DONT_HAVE', index: 0 });
      expect([p.pieces.interesting, p.availability.of(0), p.pieces.bitfield.count]).toEqual([3, 0, 3]);
      expect(p.fresh()).toEqual(['peerLost']);
    });

    it('ignores a retraction of a piece the peer never announced', () => {
      const p = activePeer({ pieceCount: 8, extended: offering });
      p.actor.send({ type: 'PEER_HAVES', indices: [2] });
      p.fresh();
      p.actor.send({ type: 'PEER_DONT_HAVE', index: 3 });
      expect(p.fresh()).toEqual([]);
      expect([p.pieces.interesting, p.availability.of(2)]).toEqual([1, 1]);
    });

    it('closes a peer that alternates have and lt_donthave past pieceCount + RETRACTION_ALLOWANCE retractions', () => {
      const pieceCount = 4;
      const cap = pieceCount + RETRACTION_ALLOWANCE;
      const p = activePeer({ pieceCount, extended: offering });
      for (let round = 0; round < cap; round++) {
        p.actor.send({ type: 'PEER_HAVES', indices: [round % pieceCount] });
        p.actor.send({ type: 'PEER_DONT_HAVE', index: round % pieceCount });
      }
      // at the cap: still open, every retraction applied
      expect(p.actor.getSnapshot().status).toBe('active');
      expect(p.actor.getSnapshot().context.retractions).toBe(cap);
      expect(p.commands.filter((c) => c.type === 'peerLost')).toHaveLength(cap);
      p.actor.send({ type: 'PEER_HAVES', indices: [0] });
      p.fresh();
      p.actor.send({ type: 'PEER_DONT_HAVE', index: 0 });
      const snap = p.actor.getSnapshot();
      expect(snap.value).toBe('closed');
      expect(snap.context.closeReason).toEqual({ code: 'local', message: `peer retracted pieces too often (more than ${cap})` });
      // closed without acting on it: no peerLost, the close goes to the connection
      expect(p.fresh()).toEqual(['close']);
      expect(p.availability.of(0)).toBe(0);
    });

    it('counts only retractions of announced pieces toward the cap', () => {
      const p = activePeer({ pieceCount: 4, extended: offering, extra: { maxRetractions: 1 } });
      for (let i = 0; i < 10; i++) p.actor.send({ type: 'PEER_DONT_HAVE', index: i % 4 });
      expect(p.actor.getSnapshot().context.retractions).toBe(0);
      p.actor.send({ type: 'PEER_HAVES', indices: [1] });
      p.actor.send({ type: 'PEER_DONT_HAVE', index: 1 });
      expect(p.actor.getSnapshot().status).toBe('active');
      p.actor.send({ type: 'PEER_DONT_HAVE', index: 1 });
      expect(p.actor.getSnapshot().value).toBe('closed');
    });

    it('ignores it when we did not advertise lt_donthave, or never sent our extended handshake', () => {
      const notOffered = activePeer({ pieceCount: 8, extended: { m: { ut_metadata: 1 } } });
      const noBit = activePeer({ pieceCount: 8, extended: offering, handshake: plainHandshake() });
      for (const p of [notOffered, noBit]) {
        p.actor.send({ type: 'PEER_HAVES', indices: [2] });
        p.fresh();
        p.actor.send({ type: 'PEER_DONT_HAVE', index: 2 });
        expect(p.fresh()).toEqual([]);
        expect([p.pieces.bitfield.has(2), p.pieces.interesting, p.availability.of(2)]).toEqual([true, 1, 1]);
      }
    });
  });
});
