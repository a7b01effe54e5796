import { describe, expect, it } from 'vitest';
import { createActor, initialTransition, SimulatedClock, transition, type SnapshotFrom } from 'xstate';
import { peerMachine, type PeerEvent } from '../../machines/peer.machine.js';
import { emittedTypes, input, ourId, theirHandshake, theirId } from './peerMachineFixtures.js';

type Snap = SnapshotFrom<typeof peerMachine>;

/** Runs events through XState's pure `transition`, collecting emitted event tags. */
const run = (start: Snap, events: readonly PeerEvent[]): { snap: Snap; emitted: string[] } => {
  let snap = start;
  const emitted: string[] = [];
  for (const e of events) {
    const [next, actions] = transition(peerMachine, snap, e);
    snap = next;
    emitted.push(...emittedTypes(actions));
  }
  return { snap, emitted };
};

const activeOutgoing = (): Snap => {
  const [s0] = initialTransition(peerMachine, input(true));
  return run(s0, [{ type: 'CONNECTED' }, { type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake() }]).snap;
};

describe('peer machine (pure transitions)', () => {
  it('dials, handshakes, and becomes active with all four regions at their BEP 3 start', () => {
    const [s0, a0] = initialTransition(peerMachine, input(true));
    expect(s0.value).toBe('connecting');
    expect(emittedTypes(a0)).toEqual([]);
    const { snap, emitted } = run(s0, [{ type: 'CONNECTED' }, { type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake() }]);
    expect(emitted).toEqual(['sendHandshake', 'handshakeComplete']);
    expect(snap.value).toEqual({
      active: { amChoking: 'choking', amInterested: 'notInterested', peerChoking: 'choking', peerInterested: 'notInterested' },
    });
    expect(snap.context.remotePeerId).toBe('22'.repeat(20));
  });

  it('answers an incoming handshake only after reading it', () => {
    const [s0, a0] = initialTransition(peerMachine, input(false));
    expect(s0.value).toBe('handshaking');
    expect(emittedTypes(a0)).toEqual([]);
    const { emitted } = run(s0, [{ type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake() }]);
    expect(emitted).toEqual(['sendHandshake', 'handshakeComplete']);
  });

  it('closes on a wrong info hash or on our own peer id, with a typed reason', () => {
    const [s0] = initialTransition(peerMachine, input(false));
    const wrong = run(s0, [{ type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake({ infoHash: new Uint8Array(20) }) }]);
    expect(wrong.snap.status).toBe('done');
    expect(wrong.snap.context.closeReason).toMatchObject({ code: 'protocol', error: { tag: 'wrongInfoHash' } });
    expect(wrong.emitted).toEqual(['closed']);
    const self = run(s0, [{ type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake({ peerId: ourId }) }]);
    expect(self.snap.context.closeReason).toMatchObject({ code: 'protocol', error: { tag: 'selfConnection' } });
  });

  it('sends choke/unchoke/interested/not-interested only on change', () => {
    const { snap, emitted } = run(activeOutgoing(), [
      { type: 'UNCHOKE' },
      { type: 'UNCHOKE' },
      { type: 'INTERESTED' },
      { type: 'INTERESTED' },
      { type: 'CHOKE' },
      { type: 'CHOKE' },
      { type: 'NOT_INTERESTED' },
    ]);
    expect(emitted).toEqual(['send:unchoke', 'send:interested', 'send:choke', 'send:notInterested']);
    expect(snap.matches({ active: { amChoking: 'choking', amInterested: 'notInterested' } })).toBe(true);
  });

  it('tracks the peer side and forwards availability', () => {
    const { snap, emitted } = run(activeOutgoing(), [
      { type: 'PEER_UNCHOKE' },
      { type: 'PEER_INTERESTED' },
      { type: 'PEER_HAVE', index: 3 },
      { type: 'PEER_BITFIELD', bitfield: new Uint8Array(2) },
      { type: 'PEER_HAVE_ALL' },
      { type: 'PEER_HAVE_NONE' },
      { type: 'PEER_NOT_INTERESTED' },
      { type: 'PEER_CHOKE' },
    ]);
    expect(emitted).toEqual([
      'peerUnchoked',
      'peerInterested',
      'peerHave',
      'peerBitfield',
      'peerHaveAll',
      'peerHaveNone',
      'peerNotInterested',
      'peerChoked',
    ]);
    expect(snap.matches({ active: { peerChoking: 'choking', peerInterested: 'notInterested' } })).toBe(true);
  });

  it('closes on a have beyond the last piece', () => {
    const { snap, emitted } = run(activeOutgoing(), [{ type: 'PEER_HAVE', index: 10 }]);
    expect(snap.status).toBe('done');
    expect(emitted).toEqual(['closed']);
    expect(snap.context.closeReason).toMatchObject({ code: 'protocol', error: { tag: 'pieceIndexOutOfRange', index: 10 } });
  });

  it('closes on protocol errors, socket ends and local CLOSE in any state', () => {
    const [s0] = initialTransition(peerMachine, input(true));
    for (const start of [s0, activeOutgoing()]) {
      const p = run(start, [{ type: 'PROTOCOL_ERROR', error: { tag: 'frameTooLong', length: 5e6, max: 1 << 20 } }]);
      expect(p.snap.context.closeReason).toMatchObject({ code: 'protocol', error: { tag: 'frameTooLong' } });
      const s = run(start, [{ type: 'SOCKET_CLOSED', reason: { code: 'remoteClosed', message: 'bye' } }]);
      expect(s.snap.context.closeReason).toEqual({ code: 'remoteClosed', message: 'bye' });
      const c = run(start, [{ type: 'CLOSE', message: 'banned' }]);
      expect(c.emitted).toEqual(['closed']);
      expect(c.snap.context.closeReason).toEqual({ code: 'local', message: 'banned' });
    }
    const failed = run(s0, [{ type: 'CONNECT_FAILED', message: 'ECONNREFUSED' }]);
    expect(failed.snap.context.closeReason).toEqual({ code: 'connectFailed', message: 'ECONNREFUSED' });
  });
});

describe('peer machine timers (simulated clock)', () => {
  const start = (machine = peerMachine) => {
    const clock = new SimulatedClock();
    const actor = createActor(machine, { input: input(true), clock });
    const emitted: string[] = [];
    actor.on('*', (e) => emitted.push(e.type === 'send' ? `send:${e.message.type}` : e.type));
    actor.start();
    return { clock, actor, emitted };
  };
  const handshake = (actor: ReturnType<typeof start>['actor']): void => {
    actor.send({ type: 'CONNECTED' });
    actor.send({ type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake() });
  };

  it('gives up on a handshake that does not arrive', () => {
    const { clock, actor } = start();
    actor.send({ type: 'CONNECTED' });
    clock.increment(19_999);
    expect(actor.getSnapshot().value).toBe('handshaking');
    clock.increment(1);
    expect(actor.getSnapshot().context.closeReason?.code).toBe('handshakeTimeout');
  });

  it('sends a keep-alive every two minutes and closes after four silent minutes', () => {
    const { clock, actor, emitted } = start();
    handshake(actor);
    clock.increment(119_000);
    expect(emitted.filter((e) => e === 'send:keepAlive')).toHaveLength(0);
    clock.increment(1_000);
    expect(emitted.filter((e) => e === 'send:keepAlive')).toHaveLength(1);
    actor.send({ type: 'ACTIVITY' }); // at 120 s: the idle timer restarts
    clock.increment(239_999);
    expect(actor.getSnapshot().status).toBe('active');
    expect(emitted.filter((e) => e === 'send:keepAlive')).toHaveLength(2);
    clock.increment(1);
    expect(actor.getSnapshot().context.closeReason?.code).toBe('idleTimeout');
    expect(emitted.at(-1)).toBe('closed');
  });

  it('marks the peer snubbed after 60 s without a block while we wait, and clears it on data', () => {
    const { clock, actor, emitted } = start();
    handshake(actor);
    actor.send({ type: 'INTERESTED' });
    actor.send({ type: 'PEER_UNCHOKE' });
    clock.increment(30_000);
    actor.send({ type: 'REQUESTS_PENDING' }); // the timer runs from here
    clock.increment(59_999);
    expect(emitted).not.toContain('snubbed');
    clock.increment(1);
    expect(emitted).toContain('snubbed');
    expect(actor.getSnapshot().matches({ active: { peerChoking: { unchoked: 'snubbed' } } })).toBe(true);
    actor.send({ type: 'DATA_RECEIVED' });
    expect(emitted.at(-1)).toBe('unsnubbed');
    expect(actor.getSnapshot().matches({ active: { peerChoking: { unchoked: 'receiving' } } })).toBe(true);
  });

  it('does not snub while data keeps arriving, or when nothing is requested, or when not interested', () => {
    const { clock, actor, emitted } = start();
    handshake(actor);
    actor.send({ type: 'INTERESTED' });
    actor.send({ type: 'PEER_UNCHOKE' });
    actor.send({ type: 'REQUESTS_PENDING' });
    for (let i = 0; i < 5; i++) {
      clock.increment(50_000);
      actor.send({ type: 'DATA_RECEIVED' });
    }
    actor.send({ type: 'REQUESTS_DRAINED' });
    clock.increment(61_000);
    actor.send({ type: 'NOT_INTERESTED' });
    actor.send({ type: 'REQUESTS_PENDING' });
    clock.increment(61_000);
    expect(emitted).not.toContain('snubbed');
    expect(actor.getSnapshot().status).toBe('active');
  });

  it('arms the snub timer when we become interested with requests already pending', () => {
    const { clock, actor, emitted } = start();
    handshake(actor);
    actor.send({ type: 'PEER_UNCHOKE' });
    actor.send({ type: 'REQUESTS_PENDING' });
    clock.increment(61_000); // not interested: no snub
    expect(emitted).not.toContain('snubbed');
    actor.send({ type: 'INTERESTED' });
    expect(emitted.at(-1)).toBe('send:interested');
    clock.increment(60_000);
    expect(emitted).toContain('snubbed');
  });

  it('takes its timer lengths from provide({ delays })', () => {
    const fast = peerMachine.provide({ delays: { handshakeTimeout: 50, keepAliveInterval: 10, idleTimeout: 25, requestTimeout: 5 } });
    const { clock, actor, emitted } = start(fast);
    handshake(actor);
    clock.increment(10);
    clock.increment(10);
    expect(emitted.filter((e) => e === 'send:keepAlive')).toHaveLength(2);
    clock.increment(5);
    expect(actor.getSnapshot().context.closeReason?.code).toBe('idleTimeout');
  });

  it('emits handshakeComplete with the peer id, reserved bytes and client name', () => {
    const { actor } = start();
    const seen: unknown[] = [];
    actor.on('handshakeComplete', (e) => seen.push(e));
    handshake(actor);
    expect(seen).toEqual([{ type: 'handshakeComplete', peerId: theirId, reserved: theirHandshake().reserved, client: expect.any(String) }]);
  });
});
