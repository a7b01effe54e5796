import { firstValueFrom, take, toArray } from 'rxjs';
import { createActor, createMachine, raise, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { BLOCK_SIZE } from '../../src/pieces/pieceGeometry.js';
import { PiecePicker } from '../../src/pieces/piecePicker.js';
import { RateMeter } from '../../src/stats/rateMeter.js';
import { TorrentInspection, type InspectedPeerRecord } from '../../src/session/torrentInspection.js';

/** A stand-in peer machine with the real one's region names (the inspector reads flags from them). */
const peerLike = createMachine({
  id: 'peer',
  initial: 'active',
  states: {
    active: {
      type: 'parallel',
      states: {
        amChoking: { initial: 'choking', states: { choking: { on: { UNCHOKE: 'unchoked' } }, unchoked: {} } },
        amInterested: { initial: 'notInterested', states: { notInterested: { on: { INTERESTED: 'interested' } }, interested: {} } },
        // compound, as in the real machine: `unchoked` has substates of its own
        peerChoking: { initial: 'choking', states: { choking: { on: { PEER_UNCHOKE: 'unchoked' } }, unchoked: { initial: 'idle', states: { idle: {} } } } },
        peerInterested: { initial: 'notInterested', states: { notInterested: {}, interested: {} } },
        snubbing: { initial: 'idle', states: { idle: { on: { SNUBBED: 'snubbed' } }, snubbed: {} } },
      },
    },
  },
});

/** The torrent's root with the peer as a child under its system id, as the real torrent spawns peers. */
const torrentLike = createMachine({
  id: 'torrent',
  initial: 'active',
  states: {
    active: {
      invoke: { src: peerLike, id: '127.0.0.2:6881', systemId: '127.0.0.2:6881' },
      // a delayed event the machine raises itself: its timer
      on: { KICK: { actions: raise({ type: 'TICK' }, { delay: 10 }) }, TICK: {} },
    },
  },
});

/** Two pieces of two blocks, four pieces in all, and one peer `127.0.0.2:6881` that has all four. */
function setup() {
  const pieceLength = 2 * BLOCK_SIZE;
  const picker = new PiecePicker(pieceLength, 4 * pieceLength);
  const have = new Bitfield(4);
  const clock = new SimulatedClock();
  const actor = createActor(torrentLike, { clock });
  /** Sends to the peer child (started with the root). */
  const peer = { send: (event: { type: string }) => actor.system.get('127.0.0.2:6881')!.send(event) };
  const bitfield = Bitfield.full(4);
  picker.availability.addPeer(bitfield);
  const record: InspectedPeerRecord = { id: '127.0.0.2:6881', endpoint: { ip: '127.0.0.2', port: 6881 }, outgoing: true, bitfield, down: new RateMeter(), up: new RateMeter() };
  const inspection = new TorrentInspection({
    infoHashHex: 'ab'.repeat(20),
    name: 'x',
    pieceCount: 4,
    actor,
    records: new Map([[record.id, record]]),
    picker,
    have,
    downTotal: new RateMeter(),
    upTotal: new RateMeter(),
    manualPeers: [{ ip: '127.0.0.2', port: 6881 }],
    now: () => 1000,
  });
  return { picker, have, actor, clock, peer, record, inspection };
}

describe('TorrentInspection', () => {
  it('maps pieces to missing, requested, partial, complete, verified and failed, with availability', () => {
    const { picker, have, record, inspection } = setup();
    expect(inspection.snapshot().pieces).toEqual({ states: '....', availability: [1, 1, 1, 1] });
    const requests = picker.pick(record, 5); // pieces in flight: two whole ones and one block of a third
    const pieces = [...new Set(requests.map((r) => r.index))].sort();
    expect(pieces).toHaveLength(3);
    const [a, b, c] = pieces as [number, number, number];
    picker.onBlockReceived(record.id, a, 0);
    picker.onBlockReceived(record.id, a, BLOCK_SIZE); // a: every block in, waiting for its hash
    picker.onBlockReceived(record.id, b, 0); // b: one block in
    const states = (): string => inspection.snapshot().pieces.states;
    expect(states()[a]).toBe('c');
    expect(states()[b]).toBe('p');
    expect(states()[c]).toBe('r');
    have.set(a);
    picker.onPieceVerified(a);
    expect(states()[a]).toBe('v');
    const d = [0, 1, 2, 3].find((i) => !pieces.includes(i))!;
    inspection.onEvent({ type: 'pieceFailed', index: d });
    expect(states()[d]).toBe('f');
    inspection.onEvent({ type: 'pieceVerified', index: d });
    expect(states()[d]).toBe('.');
  });

  it('reads the four flags and snubbing from the peer machine, the rest from the data plane', () => {
    const { actor, peer, record, inspection } = setup();
    actor.start();
    inspection.onEvent({ type: 'peerConnected', id: record.id, client: 'libtorrent 2.0.8.0' });
    const row = () => inspection.snapshot().peers[0]!;
    expect(row()).toMatchObject({ id: '127.0.0.2:6881', client: 'libtorrent 2.0.8.0', source: 'manual', amChoking: true, amInterested: false, peerChoking: true, peerInterested: false, snubbed: false, pieces: 4, strikes: 0, banned: false });
    peer.send({ type: 'UNCHOKE' });
    peer.send({ type: 'INTERESTED' });
    peer.send({ type: 'PEER_UNCHOKE' });
    expect(row()).toMatchObject({ amChoking: false, amInterested: true, peerChoking: false });
    peer.send({ type: 'SNUBBED' });
    expect(row().snubbed).toBe(true);
    expect(inspection.snapshot().machines.map((m) => [m.actor, m.machine])).toEqual([
      ['torrent', 'torrent'],
      ['127.0.0.2:6881', 'peer'],
    ]);
    actor.stop();
  });

  it('streams each machine step with what was behind it, only while watched', async () => {
    const { actor, clock, peer, inspection } = setup();
    actor.start();
    peer.send({ type: 'INTERESTED' }); // nobody watching: not streamed
    const watched = firstValueFrom(inspection.steps$.pipe(take(4), toArray()));
    peer.send({ type: 'PEER_UNCHOKE' }); // from outside the system: the wire's unchoke
    actor.send({ type: 'KICK' }); // the root's own step
    actor.system.get('127.0.0.2:6881')!.send({ type: 'UNCHOKE' });
    clock.increment(10);
    const steps = await watched;
    expect(steps.map((s) => [s.actor, s.machine, s.event.type, s.cause])).toEqual([
      ['127.0.0.2:6881', 'peer', 'PEER_UNCHOKE', { kind: 'wire', message: 'unchoke' }],
      ['torrent', 'torrent', 'KICK', { kind: 'runtime' }],
      ['127.0.0.2:6881', 'peer', 'UNCHOKE', { kind: 'runtime' }],
      ['torrent', 'torrent', 'TICK', { kind: 'timer' }],
    ]);
    expect(steps[2]!.value).toMatchObject({ active: { amChoking: 'unchoked', amInterested: 'interested', peerChoking: { unchoked: 'idle' } } });
    actor.stop();
  });
});
