import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { createActor, getStateNodes, SimulatedClock, type AnyStateMachine, type AnyStateNode, type SnapshotFrom, type StateValue } from 'xstate';
import { peerMachine, type PeerEvent } from '../../machines/peer.machine.js';
import { input, ourId, plainHandshake, theirHandshake } from './peerMachineFixtures.js';

type Snap = SnapshotFrom<typeof peerMachine>;

// Delayed transitions appear to the graph as XState's internal `xstate.after.<delay>.<node>` events.
const AFTER = {
  connectTimeout: 'xstate.after.handshakeTimeout.peer.connecting',
  handshakeTimeout: 'xstate.after.handshakeTimeout.peer.handshaking',
  requestTimeout: 'xstate.after.requestTimeout.peer.active.snubbing.waiting',
  pexQuiet: 'xstate.after.pexInterval.peer.active.extensions.negotiated.pexQuiet',
} as const;
const DELAY_OF: Record<string, number> = {
  [AFTER.connectTimeout]: 20_000,
  [AFTER.handshakeTimeout]: 20_000,
  [AFTER.requestTimeout]: 60_000,
  // far from the 60 s request timer, so a path that takes one never also fires the other
  [AFTER.pexQuiet]: 1e9,
};

const events = [
  { type: 'CONNECTED' },
  { type: 'CONNECT_FAILED', message: 'refused' },
  { type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake() },
  { type: 'HANDSHAKE_RECEIVED', handshake: theirHandshake({ peerId: ourId }) },
  // without the BEP 10 bit the extensions region stays in `none`
  { type: 'HANDSHAKE_RECEIVED', handshake: plainHandshake() },
  // no reqq: it is written to the gate, a core shared by every explored path
  { type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: { m: new Map([['ut_pex', 3]]), dropped: [] } },
  { type: 'PEER_PEX', message: { added: [], dropped: [] } },
  { type: 'PEER_CHOKE' },
  { type: 'PEER_UNCHOKE' },
  { type: 'PEER_INTERESTED' },
  { type: 'PEER_NOT_INTERESTED' },
  // announcements that change the peer's pieces are left out: the graph explores pure
  // transitions over one shared PeerPieces core, so their effect would leak between paths
  // (peer.machine.test.ts and the coverage test drive them on fresh actors)
  { type: 'PEER_HAVES', indices: [99] },
  { type: 'ACTIVITY' },
  { type: 'DATA_RECEIVED' },
  { type: 'CHOKE' },
  { type: 'UNCHOKE' },
  { type: 'REQUESTS_PENDING' },
  { type: 'REQUESTS_DRAINED' },
  { type: 'KEEPALIVE_DUE' },
  { type: 'IDLE_TIMEOUT' },
  { type: 'PROTOCOL_ERROR', error: { tag: 'bitfieldSpareBits' } },
  { type: 'SOCKET_CLOSED', reason: { code: 'remoteClosed', message: 'bye' } },
  { type: 'CLOSE', message: 'done' },
  ...Object.values(AFTER).map((type) => ({ type })),
] as PeerEvent[];

const allStateNodeIds = (node: AnyStateNode): string[] => [node.id, ...Object.values(node.states).flatMap(allStateNodeIds)];
const activeIds = (s: Snap): string[] => getStateNodes(peerMachine.root, s.value).map((n) => n.id);
const regionValue = (v: StateValue, region: string): unknown =>
  typeof v === 'object' && 'active' in v ? (v.active as Record<string, unknown>)[region] : undefined;

const REGIONS = ['amChoking', 'amInterested', 'peerChoking', 'peerInterested', 'snubbing'] as const;

describe('peer machine model (@xstate/graph)', () => {
  for (const outgoing of [true, false]) {
    const options = { events, input: input(outgoing) };

    it(`reaches every state node (${outgoing ? 'outgoing' : 'incoming'})`, () => {
      const paths = getShortestPaths(peerMachine, options);
      const reached = new Set(paths.flatMap((p) => activeIds(p.state)));
      const expected = allStateNodeIds(peerMachine.root).filter(
        (id) => (outgoing || id !== 'peer.connecting') && id !== 'peer.active.amInterested.interested' && id !== 'peer.greeting', // transient (eventless)
      );
      expect([...expected].filter((id) => !reached.has(id))).toEqual([]);
    });
  }

  it('changes each region with each of its events somewhere in the graph', () => {
    const edges = adjacencyMapToArray(getAdjacencyMap(peerMachine as AnyStateMachine, { events, input: input(true) }));
    const moved = new Map<string, Set<string>>(REGIONS.map((r) => [r, new Set()]));
    for (const { state, event, nextState } of edges) {
      for (const r of REGIONS) {
        const before = regionValue(state.value, r);
        const after = regionValue(nextState.value, r);
        if (before !== undefined && after !== undefined && JSON.stringify(before) !== JSON.stringify(after)) {
          moved.get(r)!.add(event.type);
        }
      }
    }
    expect([...moved.get('amChoking')!].sort()).toEqual(['CHOKE', 'UNCHOKE']);
    expect([...moved.get('amInterested')!]).toEqual([]); // only the peer's pieces move it (left out above)
    expect([...moved.get('peerChoking')!].sort()).toEqual(['PEER_CHOKE', 'PEER_UNCHOKE']);
    expect([...moved.get('snubbing')!].sort()).toEqual(['DATA_RECEIVED', 'PEER_CHOKE', 'REQUESTS_DRAINED', 'REQUESTS_PENDING', AFTER.requestTimeout].sort());
    expect([...moved.get('peerInterested')!].sort()).toEqual(['PEER_INTERESTED', 'PEER_NOT_INTERESTED']);
  });

  it('a live actor on a simulated clock follows every shortest path to the same state', () => {
    const paths = getShortestPaths(peerMachine, { events, input: input(true) });
    expect(paths.length).toBeGreaterThan(30);
    for (const path of paths) {
      const clock = new SimulatedClock();
      const actor = createActor(peerMachine.provide({ delays: { pexInterval: 1e9 } }), { input: input(true), clock });
      actor.start();
      for (const step of path.steps) {
        const delay = DELAY_OF[step.event.type];
        if (delay !== undefined) clock.increment(delay);
        else if (!step.event.type.startsWith('xstate.')) actor.send(step.event);
      }
      const snap = actor.getSnapshot();
      expect(snap.value).toEqual(path.state.value);
      expect(snap.context.closeReason?.code).toEqual(path.state.context.closeReason?.code);
      expect(snap.context.remotePeerId).toBe(path.state.context.remotePeerId);
      actor.stop();
    }
  });
});
