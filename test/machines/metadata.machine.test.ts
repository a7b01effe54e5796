/**
 * The metadata exchange machine (BEP 9) against scripted peers on a simulated clock: each peer
 * answers the machine's `requestPiece` emits the way its script says (honest, lying, rejecting,
 * silent, wrong length). Answers are delivered by `pump()`, in request order, so every run is
 * deterministic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { metadataMachine, type MetadataEmitted, type MetadataMachineInput } from '../../machines/metadata.machine.js';
import { answerMetadataRequest } from '../../src/extensions/index.js';
import { sampleInfo } from '../extensions/sampleInfo.js';

type Script = 'honest' | 'liar' | 'rejecter' | 'silent' | 'short';

function harness(infoBytes: Uint8Array, input: MetadataMachineInput) {
  const clock = new SimulatedClock();
  const actor = createActor(metadataMachine, { input, clock });
  const emitted: MetadataEmitted[] = [];
  const pending: { peerId: string; piece: number }[] = [];
  actor.on('*', (e) => {
    emitted.push(e);
    if (e.type === 'requestPiece') pending.push({ peerId: e.peerId, piece: e.piece });
  });
  const scripts = new Map<string, Script>();
  actor.start();
  const answer = (peerId: string, piece: number): void => {
    const script = scripts.get(peerId);
    const a = answerMetadataRequest(infoBytes, piece);
    if (script === 'silent' || a.type !== 'data') return;
    if (script === 'rejecter') actor.send({ type: 'PIECE_REJECTED', peerId, piece });
    else if (script === 'short') actor.send({ type: 'PIECE_RECEIVED', peerId, piece, totalSize: a.totalSize, data: a.data.subarray(1) });
    else {
      const data = script === 'liar' ? a.data.map((b) => b ^ 0xff) : a.data;
      actor.send({ type: 'PIECE_RECEIVED', peerId, piece, totalSize: a.totalSize, data });
    }
  };
  return {
    actor,
    clock,
    emitted,
    join(peerId: string, script: Script, size = infoBytes.length) {
      scripts.set(peerId, script);
      actor.send({ type: 'PEER_HAS_METADATA', peerId, size });
    },
    /** Delivers answers to every request made so far (and to those the answers cause). */
    pump() {
      while (pending.length > 0) {
        const r = pending.shift()!;
        answer(r.peerId, r.piece);
      }
    },
    requestsTo: (peerId: string) => emitted.filter((e) => e.type === 'requestPiece' && e.peerId === peerId).map((e) => (e as { piece: number }).piece),
    penalties: () => emitted.filter((e): e is Extract<MetadataEmitted, { type: 'peerPenalised' }> => e.type === 'peerPenalised').map((e) => [e.peerId, e.reason]),
  };
}

const info = sampleInfo(2500); // 50 KB of hashes: 4 metadata pieces
const input: MetadataMachineInput = { infoHashHex: info.infoHashHex };

describe('metadata machine', () => {
  it('fetches all pieces from one honest peer, reports progress, outputs the verified bytes', () => {
    const h = harness(info.infoBytes, input);
    expect(h.actor.getSnapshot().value).toBe('waitingForPeers');
    h.join('A', 'honest');
    expect(h.actor.getSnapshot().value).toBe('requesting');
    h.pump();
    const snap = h.actor.getSnapshot();
    expect(snap.status).toBe('done');
    expect(Buffer.from(snap.output?.infoBytes ?? []).equals(Buffer.from(info.infoBytes))).toBe(true);
    expect(h.requestsTo('A')).toEqual([0, 1, 2, 3]);
    expect(h.emitted.filter((e) => e.type === 'metadataProgress')).toEqual([1, 2, 3, 4].map((received) => ({ type: 'metadataProgress', received, total: 4 })));
    expect(h.penalties()).toEqual([]);
  });

  it('spreads requests over peers (two outstanding per peer)', () => {
    const h = harness(info.infoBytes, input);
    h.join('A', 'honest');
    h.join('B', 'honest');
    expect(h.requestsTo('A')).toEqual([0, 1]);
    expect(h.requestsTo('B')).toEqual([2, 3]);
    h.pump();
    expect(h.actor.getSnapshot().status).toBe('done');
  });

  it.each([
    ['liar first', ['L', 'H']],
    ['honest first', ['H', 'L']],
  ])('a liar beside an honest peer (%s): completes, the liar alone is penalised', (_name, order) => {
    const h = harness(info.infoBytes, input);
    for (const id of order) h.join(id!, id === 'L' ? 'liar' : 'honest');
    h.pump();
    const snap = h.actor.getSnapshot();
    expect(snap.status).toBe('done');
    expect(Buffer.from(snap.output?.infoBytes ?? []).equals(Buffer.from(info.infoBytes))).toBe(true);
    expect(h.penalties()).toEqual([['L', 'wrong-metadata']]);
  });

  it('a sole liar is penalised and the machine waits; an honest peer then completes it', () => {
    const h = harness(info.infoBytes, input);
    h.join('L', 'liar');
    h.pump();
    expect(h.actor.getSnapshot().value).toBe('waitingForPeers');
    expect(h.penalties()).toEqual([['L', 'wrong-metadata']]);
    h.join('L', 'liar'); // a penalised peer is not asked again
    expect(h.actor.getSnapshot().value).toBe('waitingForPeers');
    h.join('H', 'honest');
    h.pump();
    expect(h.actor.getSnapshot().status).toBe('done');
  });

  it('a silent peer times out after requestTimeout (simulated clock) and its pieces go to another', () => {
    const h = harness(info.infoBytes, input);
    h.join('S', 'silent');
    h.join('H', 'honest');
    h.pump();
    expect(h.actor.getSnapshot().value).toBe('requesting');
    h.clock.increment(19_999);
    expect(h.penalties()).toEqual([]);
    h.clock.increment(1);
    expect(h.penalties()).toEqual([['S', 'timeout']]); // one penalty, not one per open request
    h.pump();
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.requestsTo('H').sort()).toEqual([0, 1, 2, 3]);
  });

  it('a timer of an answered request never fires', () => {
    const h = harness(info.infoBytes, { ...input, maxRequestsPerPeer: 4 });
    h.join('A', 'honest');
    h.pump();
    h.clock.increment(60_000);
    expect(h.penalties()).toEqual([]);
  });

  it('a rejecting peer is penalised; alone, the machine goes back to waiting', () => {
    const h = harness(info.infoBytes, input);
    h.join('R', 'rejecter');
    h.pump();
    expect(h.penalties()).toEqual([['R', 'rejected']]);
    expect(h.actor.getSnapshot().value).toBe('waitingForPeers');
    h.join('H', 'honest');
    h.pump();
    expect(h.actor.getSnapshot().status).toBe('done');
  });

  it('a piece of the wrong length is penalised and re-requested elsewhere', () => {
    const h = harness(info.infoBytes, input);
    h.join('W', 'short');
    h.join('H', 'honest');
    h.pump();
    expect(h.penalties()).toEqual([['W', 'wrong-piece']]);
    expect(h.actor.getSnapshot().status).toBe('done');
  });

  it('an unrequested piece is penalised; a late answer from a penalised peer is ignored', () => {
    const h = harness(info.infoBytes, input);
    h.join('A', 'honest');
    const piece3 = answerMetadataRequest(info.infoBytes, 3);
    if (piece3.type !== 'data') throw new Error('unreachable');
    h.actor.send({ type: 'PIECE_RECEIVED', peerId: 'A', piece: 3, totalSize: piece3.totalSize, data: piece3.data });
    expect(h.penalties()).toEqual([['A', 'wrong-piece']]);
    h.pump(); // A's answers to pieces 0 and 1 now come from a penalised peer
    expect(h.actor.getSnapshot().value).toBe('waitingForPeers');
    expect(h.penalties()).toHaveLength(1);
  });

  it('ignores a claimed metadata_size of 2^40 without allocating anything', () => {
    const h = harness(info.infoBytes, input);
    h.join('X', 'honest', 2 ** 40);
    expect(h.actor.getSnapshot().value).toBe('waitingForPeers');
    expect(h.actor.getSnapshot().context.assembly).toBeNull();
    expect(h.penalties()).toEqual([['X', 'bad-size']]);
  });

  it('a peer that leaves hands its open requests to the others', () => {
    const h = harness(info.infoBytes, input);
    h.join('A', 'silent');
    h.join('B', 'honest');
    h.actor.send({ type: 'PEER_GONE', peerId: 'A' });
    h.pump();
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.penalties()).toEqual([]);
    expect(h.requestsTo('B').sort()).toEqual([0, 1, 2, 3]);
  });

  it('a peer claiming another size is only used once nobody of the first size is left', () => {
    const h = harness(info.infoBytes, input);
    h.join('odd', 'silent', info.infoBytes.length + 1);
    h.join('H', 'honest');
    expect(h.requestsTo('H')).toEqual([]); // the assembly follows the first claim
    h.clock.increment(20_000); // odd times out
    h.pump();
    expect(h.penalties()).toEqual([['odd', 'timeout']]);
    expect(h.actor.getSnapshot().status).toBe('done');
  });

  it('property: with one honest peer among any mix of bad ones, in any order, it completes and never blames the honest one', () => {
    const bad = fc.constantFrom<Script>('liar', 'rejecter', 'silent', 'short');
    fc.assert(
      fc.property(fc.array(bad, { maxLength: 4 }), fc.nat(), fc.integer({ min: 1, max: 4 }), (badScripts, at, perPeer) => {
        const scripts: Script[] = [...badScripts];
        scripts.splice(at % (scripts.length + 1), 0, 'honest');
        const h = harness(info.infoBytes, { ...input, maxRequestsPerPeer: perPeer });
        scripts.forEach((s, i) => h.join(`${s}${i}`, s));
        for (let round = 0; round < 20 && h.actor.getSnapshot().status !== 'done'; round++) {
          h.pump();
          h.clock.increment(20_000);
        }
        // Buffer.equals: a deep toEqual of 40 KB per run would dominate the property's time
        expect(Buffer.from(h.actor.getSnapshot().output?.infoBytes ?? []).equals(Buffer.from(info.infoBytes))).toBe(true);
        expect(h.penalties().filter(([p]) => p!.startsWith('honest'))).toEqual([]);
        // every bad peer that was asked something is penalised at most once
        const counts = new Map<string, number>();
        for (const [p] of h.penalties()) counts.set(p!, (counts.get(p!) ?? 0) + 1);
        expect([...counts.values()].every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
