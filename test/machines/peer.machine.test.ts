import { describe, expect, it } from 'vitest';
import { peerMachine } from '../../machines/peer.machine.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { activePeer, ourId, plainHandshake, startPeer, theirHandshake } from './peerMachineFixtures.js';

const FOUR_STATES = { amChoking: 'choking', amInterested: 'notInterested', peerChoking: 'choking', peerInterested: 'notInterested', snubbing: 'idle', extensions: 'offered' };

describe('peer machine: handshake (one path for both directions)', () => {
  it('dials, handshakes, and becomes active with every region at its BEP 3 start', () => {
    const p = startPeer();
    expect(p.actor.getSnapshot().value).toBe('connecting');
    expect(p.tags()).toEqual([]);
    p.actor.send({ type: 'CONNECTED' });
    expect(p.fresh()).toEqual(['handshake']);
    p.actor.send({ type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake() });
    // fast extension on both sides, nothing to offer: have-none (BEP 6); then our extended handshake (BEP 10)
    expect(p.fresh()).toEqual(['ready', 'send:haveNone', 'send:extended']);
    expect(p.actor.getSnapshot().value).toEqual({ active: FOUR_STATES });
    expect(p.actor.getSnapshot().context.remotePeerId).toBe('22'.repeat(20));
    expect(p.gate).toMatchObject({ open: true, fast: true, mayRequest: false, mayUpload: false });
  });

  it('answers an incoming handshake only after reading it', () => {
    const p = startPeer({ outgoing: false });
    expect(p.actor.getSnapshot().value).toBe('handshaking');
    expect(p.tags()).toEqual([]);
    p.actor.send({ type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake() });
    expect(p.tags()).toEqual(['handshake', 'ready', 'send:haveNone', 'send:extended']);
  });

  it('decides the fast extension from both reserved fields (BEP 6), announcing our pieces accordingly', () => {
    const ours = new Bitfield(10);
    ours.set(3);
    const plain = activePeer({ ours, handshake: plainHandshake() });
    expect(plain.gate.fast).toBe(false);
    expect(plain.commands.at(-1)).toEqual({ type: 'send', message: { type: 'bitfield', bitfield: ours.toBytes() } });
    const none = activePeer({ handshake: plainHandshake() });
    expect(none.tags()).toEqual(['handshake', 'ready']); // BEP 3: no bitfield when we have nothing
    const seed = activePeer({ ours: Bitfield.full(10) });
    expect(seed.gate.fast).toBe(true);
    expect(seed.tags().slice(-2)).toEqual(['send:haveAll', 'send:extended']);
  });

  it('closes on a wrong info hash or on our own peer id, with a typed reason', () => {
    const wrong = startPeer({ outgoing: false });
    wrong.actor.send({ type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake({ infoHash: new Uint8Array(20) }) });
    expect(wrong.actor.getSnapshot().status).toBe('done');
    expect(wrong.actor.getSnapshot().context.closeReason).toMatchObject({ code: 'protocol', error: { tag: 'wrongInfoHash' } });
    expect(wrong.tags()).toEqual(['close']);
    const self = startPeer({ outgoing: false });
    self.actor.send({ type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake({ peerId: ourId }) });
    expect(self.actor.getSnapshot().context.closeReason).toMatchObject({ code: 'protocol', error: { tag: 'selfConnection' } });
  });
});

describe('peer machine: flags', () => {
  it('sends choke/unchoke only on change and opens/closes the upload gate', () => {
    const p = activePeer();
    p.fresh();
    for (const type of ['UNCHOKE', 'UNCHOKE'] as const) p.actor.send({ type });
    expect(p.gate.mayUpload).toBe(true);
    for (const type of ['CHOKE', 'CHOKE'] as const) p.actor.send({ type });
    expect(p.fresh()).toEqual(['send:unchoke', 'uploadOpened', 'send:choke', 'uploadClosed']);
    expect(p.gate.mayUpload).toBe(false);
  });

  it('becomes interested from the peer pieces and not interested once we have them all', () => {
    const p = activePeer({ pieceCount: 10 });
    p.fresh();
    p.actor.send({ type: 'PEER_HAVES', indices: [3] });
    expect(p.fresh()).toEqual(['refill', 'send:interested', 'refill']);
    expect(p.pieces.interesting).toBe(1);
    expect(p.availability.of(3)).toBe(1);
    p.ours.set(3);
    p.actor.send({ type: 'PIECES_VERIFIED', indices: [3] });
    expect(p.fresh()).toEqual(['send:notInterested']); // it has the piece: no have (suppression)
    p.actor.send({ type: 'PIECES_VERIFIED', indices: [5] });
    expect(p.fresh()).toEqual(['sendHaves']);
    expect(p.commands.at(-1)).toEqual({ type: 'sendHaves', indices: [5] });
  });

  it('takes a batch of verified pieces in one event: one command with a have for each it lacks, interest for what is left', () => {
    const p = activePeer({ pieceCount: 10 });
    for (const index of [1, 2, 8]) p.actor.send({ type: 'PEER_HAVES', indices: [index] });
    expect(p.pieces.interesting).toBe(3);
    p.fresh();
    for (const i of [1, 2, 4, 6]) p.ours.set(i);
    p.actor.send({ type: 'PIECES_VERIFIED', indices: [1, 2, 4, 6] });
    expect(p.fresh()).toEqual(['sendHaves']);
    expect(p.commands.at(-1)).toEqual({ type: 'sendHaves', indices: [4, 6] });
    expect(p.pieces.interesting).toBe(1); // piece 8
    p.ours.set(8);
    p.actor.send({ type: 'PIECES_VERIFIED', indices: [8] });
    expect(p.fresh()).toEqual(['send:notInterested']);
  });

  it('counts interest exactly when the peer announces a piece between our verifying it and its batch', () => {
    const p = activePeer({ pieceCount: 10 });
    p.actor.send({ type: 'PEER_HAVES', indices: [1] });
    expect(p.pieces.interesting).toBe(1);
    // we verify 2 (in `have` at once; the batch comes later), then the peer announces 2
    p.ours.set(2);
    p.actor.send({ type: 'PEER_HAVES', indices: [2] });
    expect(p.pieces.interesting).toBe(1); // 2 was never wanted from it
    p.actor.send({ type: 'PIECES_VERIFIED', indices: [2] });
    expect(p.pieces.interesting).toBe(1); // still piece 1: 2 is not taken off twice
    expect(p.actor.getSnapshot().matches({ active: { amInterested: 'interested' } })).toBe(true);
  });

  it('wants a piece from a seed again once we lose our copy of it, and stops wanting it when repaired', () => {
    const ours = Bitfield.full(4);
    const p = activePeer({ pieceCount: 4, ours });
    p.actor.send({ type: 'PEER_HAVE_ALL' });
    expect(p.pieces.interesting).toBe(0);
    p.fresh();
    // our copy of piece 2 became unreadable: the data plane clears it, then tells each peer
    ours.clear(2);
    p.actor.send({ type: 'WE_LOST', index: 2 });
    expect(p.pieces.interesting).toBe(1);
    expect(p.fresh()).toEqual(['refill', 'send:interested', 'refill']);
    expect(p.actor.getSnapshot().matches({ active: { amInterested: 'interested' } })).toBe(true);
    ours.set(2);
    p.actor.send({ type: 'PIECES_VERIFIED', indices: [2] });
    expect(p.pieces.interesting).toBe(0);
    expect(p.fresh()).toEqual(['send:notInterested']); // it has the piece: no have
  });

  it('a lost piece the peer lacks changes nothing about our interest', () => {
    const ours = Bitfield.full(4);
    const p = activePeer({ pieceCount: 4, ours });
    p.actor.send({ type: 'PEER_HAVES', indices: [1] });
    p.fresh();
    ours.clear(2);
    p.actor.send({ type: 'WE_LOST', index: 2 });
    expect(p.pieces.interesting).toBe(0);
    expect(p.fresh()).toEqual(['refill']);
    expect(p.actor.getSnapshot().matches({ active: { amInterested: 'notInterested' } })).toBe(true);
  });

  it('tracks the peer side: choke gate, interest for the choker', () => {
    const p = activePeer();
    p.fresh();
    p.actor.send({ type: 'PEER_UNCHOKE' });
    expect(p.gate.mayRequest).toBe(true);
    p.actor.send({ type: 'PEER_INTERESTED' });
    expect(p.gate.wantsUpload).toBe(true);
    p.actor.send({ type: 'PEER_NOT_INTERESTED' });
    p.actor.send({ type: 'PEER_CHOKE' });
    expect(p.gate).toMatchObject({ mayRequest: false, wantsUpload: false });
    expect(p.fresh()).toEqual(['refill', 'candidacyChanged', 'candidacyChanged', 'release']);
  });
});

describe('peer machine: piece announcements (real clients send more than one)', () => {
  it('a later bitfield, have-all or have-none replaces the set; availability stays exact', () => {
    const p = activePeer({ pieceCount: 10 });
    p.actor.send({ type: 'PEER_HAVE_NONE' });
    p.actor.send({ type: 'PEER_BITFIELD', bitfield: Uint8Array.of(0b1100_0000, 0) }); // aria2: have-none, then a bitfield
    expect([p.availability.of(0), p.availability.of(1), p.availability.of(2)]).toEqual([1, 1, 0]);
    expect(p.pieces.interesting).toBe(2);
    p.actor.send({ type: 'PEER_HAVES', indices: [1] }); // already had it: counted once
    expect(p.availability.of(1)).toBe(1);
    p.actor.send({ type: 'PEER_HAVE_ALL' });
    expect(p.availability.of(9)).toBe(1);
    expect(p.availability.of(0)).toBe(1);
    expect(p.pieces.interesting).toBe(10);
    p.actor.send({ type: 'PEER_BITFIELD', bitfield: Uint8Array.of(0b0100_0000, 0) });
    expect([p.availability.of(0), p.availability.of(1), p.availability.of(9)]).toEqual([0, 1, 0]);
    expect(p.actor.getSnapshot().matches({ active: { amInterested: 'interested' } })).toBe(true);
    p.actor.send({ type: 'CLOSE', message: 'done' });
    expect(p.availability.of(1)).toBe(0); // its share went back on close
  });

  it('never counts a re-announcement that adds pieces (aria2 sends a bitfield instead of many haves)', () => {
    const p = activePeer({ pieceCount: 16, maxAnnouncements: 2 });
    p.actor.send({ type: 'PEER_HAVE_NONE' });
    for (let k = 1; k <= 16; k++) {
      const bits = new Uint8Array(2);
      for (let i = 0; i < k; i++) bits[i >> 3]! |= 0x80 >> (i & 7);
      p.actor.send({ type: 'PEER_BITFIELD', bitfield: bits }); // one more piece each time
    }
    expect(p.actor.getSnapshot().status).toBe('active');
    expect(p.availability.of(15)).toBe(1);
  });

  it('closes a peer that re-announces past the cap without adding pieces, and on a have beyond the last piece', () => {
    const p = activePeer({ maxAnnouncements: 2 });
    p.actor.send({ type: 'PEER_HAVE_NONE' }); // the first counts
    p.actor.send({ type: 'PEER_HAVE_ALL' }); // adds pieces: not counted
    p.actor.send({ type: 'PEER_HAVE_NONE' }); // adds nothing: counted (2)
    expect(p.actor.getSnapshot().status).toBe('active');
    p.actor.send({ type: 'PEER_HAVE_NONE' });
    expect(p.actor.getSnapshot().context.closeReason).toEqual({ code: 'local', message: 'peer announced its pieces more than 2 times' });
    expect(p.availability.of(0)).toBe(0);
    const q = activePeer();
    q.actor.send({ type: 'PEER_HAVES', indices: [10] });
    expect(q.actor.getSnapshot().context.closeReason).toMatchObject({ code: 'protocol', error: { tag: 'pieceIndexOutOfRange', index: 10 } });
    expect(q.tags().at(-1)).toBe('close');
  });
});

describe('peer machine: closing', () => {
  it('closes on protocol errors, socket ends and local CLOSE in any state', () => {
    for (const active of [false, true]) {
      const start = () => (active ? activePeer() : startPeer());
      const p = start();
      p.actor.send({ type: 'PROTOCOL_ERROR', error: { tag: 'frameTooLong', length: 5e6, max: 1 << 20 } });
      expect(p.actor.getSnapshot().context.closeReason).toMatchObject({ code: 'protocol', error: { tag: 'frameTooLong' } });
      const s = start();
      s.actor.send({ type: 'SOCKET_CLOSED', reason: { code: 'remoteClosed', message: 'bye' } });
      expect(s.actor.getSnapshot().context.closeReason).toEqual({ code: 'remoteClosed', message: 'bye' });
      const c = start();
      c.actor.send({ type: 'CLOSE', message: 'banned' });
      expect(c.commands.at(-1)).toEqual({ type: 'close', reason: { code: 'local', message: 'banned' } });
      expect(c.gate.open).toBe(false);
    }
    const failed = startPeer();
    failed.actor.send({ type: 'CONNECT_FAILED', message: 'ECONNREFUSED' });
    expect(failed.actor.getSnapshot().context.closeReason).toEqual({ code: 'connectFailed', message: 'ECONNREFUSED' });
  });
});

describe('peer machine timers (simulated clock)', () => {
  it('gives up on a handshake that does not arrive', () => {
    const { clock, actor } = startPeer();
    actor.send({ type: 'CONNECTED' });
    clock.increment(19_999);
    expect(actor.getSnapshot().value).toBe('handshaking');
    clock.increment(1);
    expect(actor.getSnapshot().context.closeReason?.code).toBe('handshakeTimeout');
  });

  it('sends a keep-alive every two minutes and closes after four silent minutes', () => {
    const { clock, actor, tags } = activePeer();
    const keepAlives = () => tags().filter((e) => e === 'send:keepAlive').length;
    clock.increment(119_000);
    expect(keepAlives()).toBe(0);
    clock.increment(1_000);
    expect(keepAlives()).toBe(1);
    actor.send({ type: 'ACTIVITY' }); // at 120 s: the idle timer restarts
    clock.increment(239_999);
    expect(actor.getSnapshot().status).toBe('active');
    expect(keepAlives()).toBe(2);
    clock.increment(1);
    expect(actor.getSnapshot().context.closeReason?.code).toBe('idleTimeout');
    expect(tags().at(-1)).toBe('close');
  });

  it('marks the peer snubbed after 60 s without a block while requests are out, and clears it on data', () => {
    const { clock, actor, fresh, gate } = activePeer();
    actor.send({ type: 'PEER_UNCHOKE' });
    clock.increment(30_000);
    actor.send({ type: 'REQUESTS_PENDING' }); // the timer runs from here
    fresh();
    clock.increment(59_999);
    expect(gate.snubbed).toBe(false);
    clock.increment(1);
    expect(gate.snubbed).toBe(true);
    expect(fresh()).toEqual(['release', 'candidacyChanged']);
    expect(actor.getSnapshot().matches({ active: { snubbing: 'snubbed' } })).toBe(true);
    actor.send({ type: 'DATA_RECEIVED' });
    expect(fresh()).toEqual(['refill', 'candidacyChanged']);
    expect(gate.snubbed).toBe(false);
    expect(actor.getSnapshot().matches({ active: { snubbing: 'waiting' } })).toBe(true);
  });

  it('a snubbed peer whose last block drains our pipeline is not timed again (no snub without requests)', () => {
    const { clock, actor, gate } = activePeer();
    actor.send({ type: 'PEER_UNCHOKE' });
    actor.send({ type: 'REQUESTS_PENDING' });
    clock.increment(60_000);
    expect(gate.snubbed).toBe(true);
    // the data plane sees the late block first: nothing more to ask, so the pipeline drains
    actor.send({ type: 'REQUESTS_DRAINED' });
    actor.send({ type: 'DATA_RECEIVED' });
    expect(gate.snubbed).toBe(false);
    clock.increment(60_000); // nothing is outstanding, so nothing can be late
    expect(actor.getSnapshot().matches({ active: { snubbing: 'idle' } })).toBe(true);
    expect(gate.snubbed).toBe(false);
  });

  it('does not snub while data keeps arriving, or when nothing is requested', () => {
    const { clock, actor, gate } = activePeer();
    actor.send({ type: 'PEER_UNCHOKE' });
    actor.send({ type: 'REQUESTS_PENDING' });
    for (let i = 0; i < 5; i++) {
      clock.increment(50_000);
      actor.send({ type: 'DATA_RECEIVED' });
    }
    actor.send({ type: 'REQUESTS_DRAINED' });
    clock.increment(61_000);
    expect(gate.snubbed).toBe(false);
    expect(actor.getSnapshot().status).toBe('active');
  });

  it('a choke while snubbed ends snubbing (nothing is expected any more)', () => {
    const { clock, actor, gate } = activePeer();
    actor.send({ type: 'PEER_UNCHOKE' });
    actor.send({ type: 'REQUESTS_PENDING' });
    clock.increment(60_000);
    expect(gate.snubbed).toBe(true);
    actor.send({ type: 'PEER_CHOKE' });
    expect(gate.snubbed).toBe(false);
    expect(actor.getSnapshot().matches({ active: { snubbing: 'idle', peerChoking: 'choking' } })).toBe(true);
  });

  it('takes its timer lengths from provide({ delays })', () => {
    const fast = peerMachine.provide({ delays: { handshakeTimeout: 50, keepAliveInterval: 10, idleTimeout: 25, requestTimeout: 5 } });
    const { clock, actor, tags } = activePeer({ machine: fast });
    clock.increment(10);
    clock.increment(10);
    expect(tags().filter((e) => e === 'send:keepAlive')).toHaveLength(2);
    clock.increment(5);
    expect(actor.getSnapshot().context.closeReason?.code).toBe('idleTimeout');
  });

  it('tells the connection the client name and the peer id (hex, for the torrent\'s duplicate rule) when the handshake completes', () => {
    const { commands } = activePeer();
    expect(commands.find((c) => c.type === 'ready')).toEqual({ type: 'ready', client: expect.any(String), peerId: '22'.repeat(20) });
  });
});

describe('peer machine: a failing connection actor closes this peer only', () => {
  it('goes to closed with a local reason when its connection actor throws', () => {
    const p = activePeer({
      receive: (c) => {
        if (c.type === 'send' && c.message.type === 'interested') throw new Error('data plane bug');
      },
    });
    p.actor.send({ type: 'PEER_HAVES', indices: [1] }); // we want it: the machine sends interested
    const snap = p.actor.getSnapshot();
    expect(snap.status).toBe('done');
    expect(snap.context.closeReason).toEqual({ code: 'local', message: 'connection failed inside statorrent' });
  });
});
