import { filter, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionInput } from '../../machines/peer.machine.js';
import { PeerGate } from '../../src/peers/peerGate.js';
import { PeerPieces } from '../../src/peers/peerPieces.js';
import { ourReserved, type BlockRef, type WireMessage } from '../../src/wire/index.js';
import type { FrameEvent } from '../../streams/frames.js';
import type { ConnectionPlane } from '../../streams/peerConnection.js';
import type { PeerRecord } from '../../streams/peerRecord.js';
import { attachPeerTraffic } from '../../streams/peerTraffic.js';
import { wrapWireSocket, type IncomingEvent } from '../../streams/wireSocket.js';
import { loopbackSocketPairs } from '../support/socketPairs.js';
import { dataPlane } from './dataPlaneHarness.js';

const { pair } = loopbackSocketPairs();

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const B = 16_384;

/**
 * The real data plane (picker, storage, flows) joined by `attachPeerTraffic` to a real loopback
 * connection, with a trace hook; the remote end only parses what we send.
 */
const setUp = async () => {
  const plane = await dataPlane(); // 4 pieces of 4 blocks, nothing on disk yet
  const { client, remote } = await pair();
  const frames = { pieceCount: plane.metainfo.pieceCount, ourReserved: ourReserved() };
  const wire = wrapWireSocket(client, { frames });
  const remoteWire = wrapWireSocket(remote, { frames });
  const parsed = lastValueFrom(remoteWire.incoming$.pipe(toArray()));
  const gate = new PeerGate();
  gate.open = true;
  gate.fast = true;
  const pieces = new PeerPieces(plane.have, plane.picker.availability);
  pieces.replaceWithAll();
  const endpoint = { ip: '127.0.0.1', port: remote.localPort ?? 0 };
  const input: ConnectionInput = { outgoing: true, endpoint, pieces, gate };
  const traced: WireMessage[] = [];
  let record: PeerRecord | undefined;
  const connection: ConnectionPlane = attachPeerTraffic('p', endpoint, {
    input,
    wire,
    frames$: wire.incoming$.pipe(filter((e: IncomingEvent): e is FrameEvent => e.kind !== 'end')),
    notify: () => undefined,
  }, {
    download: plane.download,
    upload: plane.upload,
    opened: (p) => {
      record = p;
      plane.peers.set(p.id, p);
    },
    ready: () => undefined,
    peersChanged: () => undefined,
    closed: (p) => plane.peers.delete(p.id),
    onSend: (m) => traced.push(m),
    now: () => plane.clock.t,
  });
  // the remote's parser wants a handshake first (ours announces the fast extension: rejects are legal)
  wire.sendHandshake({ reserved: ourReserved(), infoHash: plane.metainfo.infoHash, peerId: new Uint8Array(20).fill(7) });
  const writes = vi.spyOn(client, 'write');
  let ended = false;
  cleanup = async () => {
    if (!ended) client.destroy();
    remote.destroy();
    await plane.close();
  };
  return {
    plane, gate, pieces, connection, traced, writes,
    get peer(): PeerRecord {
      return record!;
    },
    /** Ends our side, closes the plane's connection and gives every message the remote parsed, in order. */
    finish: async (): Promise<WireMessage[]> => {
      ended = true;
      await new Promise<void>((resolve) => client.end(resolve));
      connection.closed({ code: 'local', message: 'test over' });
      return (await parsed).flatMap((e) => (e.kind === 'message' ? [e.message] : []));
    },
  };
};

/** The block reference a request, cancel or reject carries. */
const refOf = (m: WireMessage): BlockRef => {
  if (m.type !== 'request' && m.type !== 'cancel' && m.type !== 'reject') throw new Error(`not a block reference: ${m.type}`);
  return { index: m.index, begin: m.begin, length: m.length };
};

describe('attachPeerTraffic: batched block references and the trace hook', () => {
  it('a batch of requests and a batch of cancels each leave in one write, parsed in order by the peer, and onSend sees each message of them', async () => {
    const t = await setUp();
    // the peer machine's part on unchoke: open the request gate, refill
    t.gate.mayRequest = true;
    t.connection.command({ type: 'refill' });
    const requests = t.traced.slice();
    expect(requests.length).toBeGreaterThanOrEqual(8); // a fresh peer's pipeline (MIN_PIPELINE_DEPTH)
    expect(requests.every((m) => m.type === 'request' && m.length === B)).toBe(true);
    expect(new Set(requests.map((m) => JSON.stringify(refOf(m)))).size).toBe(requests.length);
    expect(t.writes).toHaveBeenCalledTimes(1); // the whole batch is one buffer, not one write per request

    // BEP 54: the peer lost the first requested piece (the machine takes it out of its pieces):
    // its outstanding requests are cancelled in one batch, then the pipeline is refilled elsewhere
    const lost = refOf(requests[0]!).index;
    const outstanding = requests.map(refOf).filter((r) => r.index === lost);
    expect(outstanding.length).toBeGreaterThan(1);
    t.pieces.lose(lost);
    t.connection.command({ type: 'peerLost', index: lost });
    const cancels = t.traced.slice(requests.length, requests.length + outstanding.length);
    expect(cancels.map((m) => m.type)).toEqual(outstanding.map(() => 'cancel'));
    expect(cancels.map(refOf)).toEqual(outstanding);
    const refilled = t.traced.slice(requests.length + outstanding.length);
    expect(refilled.length).toBe(outstanding.length);
    expect(refilled.every((m) => m.type === 'request' && refOf(m).index !== lost)).toBe(true);
    expect(t.writes).toHaveBeenCalledTimes(3); // one for the cancels, one for the new requests

    const all = t.traced.slice();
    expect(await t.finish()).toEqual(all);
  });

  it('a reject batch through the record is traced per message; an empty batch sends and traces nothing', async () => {
    const t = await setUp();
    const refs = [
      { index: 2, begin: 3 * B, length: B },
      { index: 0, begin: 0, length: B },
      { index: 3, begin: B, length: 1000 },
    ];
    t.peer.sendBlockRefs('cancel', []);
    t.peer.sendBlockRefs('request', []);
    t.peer.sendBlockRefs('reject', []);
    expect(t.traced).toEqual([]);
    expect(t.writes).not.toHaveBeenCalled();
    t.peer.sendBlockRefs('reject', refs);
    t.peer.sendBlockRefs('cancel', []);
    t.peer.sendBlockRefs('cancel', refs.slice(1));
    const expected: WireMessage[] = [...refs.map((r) => ({ type: 'reject' as const, ...r })), ...refs.slice(1).map((r) => ({ type: 'cancel' as const, ...r }))];
    expect(t.traced).toEqual(expected);
    expect(t.writes).toHaveBeenCalledTimes(2);
    expect(await t.finish()).toEqual(expected);
  });
});
