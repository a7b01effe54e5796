import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerCommand } from '../../machines/peer.machine.js';
import { BLOCK_SIZE } from '../../src/pieces/pieceGeometry.js';
import { MAX_PIPELINE_DEPTH } from '../../src/pieces/pipelineDepth.js';
import { READ_HOLD_FACTOR } from '../../streams/downloadFlow.js';
import { activePeer } from '../machines/peerMachineFixtures.js';
import { dataPlane, type FakePeer } from './dataPlaneHarness.js';
import { holdDiskWrites, type HeldDisk } from '../support/heldDisk.js';

type Plane = Awaited<ReturnType<typeof dataPlane>>;
let plane: Plane | undefined;
let disk: HeldDisk | undefined;
afterEach(async () => {
  disk?.restore(); // held writes run, so close() can flush
  disk = undefined;
  await plane?.close();
  plane = undefined;
});

const PIECE = 4 * BLOCK_SIZE;
/** Small marks so a 2 MiB torrent crosses them many times: high 256 KiB, low 128 KiB. */
const HIGH = 16 * BLOCK_SIZE;
const storage = { maxQueuedBytes: HIGH, maxStagedBytes: HIGH };
const requestsIn = (sent: readonly { type: string }[]): number => sent.filter((m) => m.type === 'request').length;

/** Peers whose deepest pipeline is recorded at every request we send them. */
const tracked = (p: Plane, ids: readonly string[], options: Parameters<Plane['addPeer']>[2] = {}) => {
  const deepest = new Map<string, number>();
  const peers = ids.map((id) => {
    const fp = p.addPeer(id, undefined, options);
    const send = fp.record.send;
    fp.record.send = (m) => {
      send(m);
      if (m.type === 'request') deepest.set(id, Math.max(deepest.get(id) ?? 0, p.picker.outstanding(id)));
    };
    return fp;
  });
  /** The high mark plus every peer's deepest pipeline: what the held bytes must stay within. */
  const bound = (): number => HIGH + [...deepest.values()].reduce((a, b) => a + b, 0) * BLOCK_SIZE;
  return { peers, deepest, bound };
};

/** Finishes the download: peers answer everything, the disk writes everything, until all pieces are verified. */
const finish = async (p: Plane, d: HeldDisk, peers: readonly FakePeer[], check: () => void): Promise<void> => {
  for (let round = 0; round < 2_000 && p.verified.length < p.metainfo.pieceCount; round++) {
    p.clock.t += 2_000;
    for (const fp of peers) {
      fp.deliverAll();
      check();
    }
    await d.drain(p.storage);
    check();
  }
  await p.verifiedCount(p.metainfo.pieceCount);
};

describe('disk backpressure (simulated clock, disk writes finishing when the test says)', () => {
  it('past 1.5x the high mark no socket is read until the queue drains: a hard cap on the bytes held', async () => {
    disk = await holdDiskWrites();
    plane = await dataPlane({ length: 32 * PIECE, pieceLength: PIECE, storage });
    const p = plane;
    const s = p.storage;
    const peers = ['a', 'b', 'c'].map((id) => p.addPeer(id));
    const paused = new Map<string, boolean>();
    for (const fp of peers) fp.record.pauseReads = (yes) => paused.set(fp.record.id, yes);
    const reading = (fp: FakePeer): boolean => paused.get(fp.record.id) !== true;
    for (const fp of peers) p.unchokeUs(fp);
    let most = 0;
    // each socket hands over one block at a time while it is read; the disk writes nothing yet
    for (let round = 0; round < 200 && peers.some(reading); round++) {
      p.clock.t += 2_000;
      for (const fp of peers) {
        for (const r of fp.outstanding()) {
          if (!reading(fp)) break;
          fp.deliver(r.index, r.begin);
          most = Math.max(most, s.queuedBytes);
        }
      }
    }
    expect(peers.some(reading)).toBe(false);
    // the block whose arrival crossed the cap is the last one taken
    expect(most).toBeGreaterThan(HIGH * READ_HOLD_FACTOR);
    expect(most).toBeLessThanOrEqual(HIGH * READ_HOLD_FACTOR + BLOCK_SIZE);
    // blocks were still asked for when reading stopped: without the hold they would be in memory now
    expect(peers.flatMap((fp) => fp.outstanding()).length).toBeGreaterThan(0);
    await disk.drain(s);
    expect(peers.every(reading)).toBe(true);
    await finish(p, disk, peers, () => undefined);
    expect(p.verified.length).toBe(p.metainfo.pieceCount);
  });

  it('stops topping up the pipeline while the disk queue is over the high mark, and refills on drain', async () => {
    disk = await holdDiskWrites();
    plane = await dataPlane({ length: 32 * PIECE, pieceLength: PIECE, storage });
    const s = plane.storage;
    expect(s.maxQueuedBytes).toBe(HIGH);
    expect(s.queueLowWater).toBe(HIGH / 2);
    const { peers: [a], bound } = tracked(plane, ['a']);
    plane.unchokeUs(a!);
    for (let round = 0; round < 50 && !s.queueFull; round++) {
      plane.clock.t += 2_000;
      a!.deliverAll();
    }
    expect(s.queueFull).toBe(true);
    // blocks already asked for still come and are taken; nothing new is asked
    const asked = requestsIn(a!.sent);
    a!.deliverAll();
    expect(requestsIn(a!.sent)).toBe(asked);
    expect(a!.outstanding()).toEqual([]);
    expect(a!.notified.at(-1)).toBe('REQUESTS_DRAINED');
    plane.download.refill(a!.record); // the machine asking again (e.g. a `have`) does not get past the disk
    expect(requestsIn(a!.sent)).toBe(asked);
    expect(s.queuedBytes).toBeGreaterThan(HIGH);
    expect(s.queuedBytes).toBeLessThanOrEqual(bound());
    // writes finish one by one: still nothing asked until the queue is down to the low mark
    for (let k = 0; k < 100 && s.queuedBytes > s.queueLowWater && s.backlogBytes > 0; k++) {
      expect(requestsIn(a!.sent)).toBe(asked);
      await disk.heldAtLeast(1);
      await disk.release(1);
    }
    expect(s.queuedBytes).toBeLessThanOrEqual(s.queueLowWater);
    // drained: the peer's pipeline is filled again at once
    expect(requestsIn(a!.sent)).toBeGreaterThan(asked);
    expect(a!.notified.at(-1)).toBe('REQUESTS_PENDING');
    await finish(plane, disk, [a!], () => expect(plane!.storage.queuedBytes).toBeLessThanOrEqual(bound()));
    expect(plane.misbehaved).toEqual([]);
  });

  it('a peer we hold back is not snubbed: its pipeline drained, so the peer machine times nothing', async () => {
    disk = await holdDiskWrites();
    plane = await dataPlane({ length: 32 * PIECE, pieceLength: PIECE, storage });
    const p = plane;
    // a real peer machine on a simulated clock, wired as the session wires it
    let record: FakePeer['record'] | undefined;
    const m = activePeer({
      pieceCount: p.metainfo.pieceCount,
      receive: (c: PeerCommand) => {
        if (record === undefined) return;
        if (c.type === 'refill') p.download.refill(record);
        if (c.type === 'release') {
          p.download.release(record);
          p.download.refill(record);
        }
      },
    });
    const { peers: [a] } = tracked(p, ['a'], { gate: m.gate, machine: (e) => m.actor.send(e) });
    record = a!.record;
    m.actor.send({ type: 'PEER_UNCHOKE' }); // opens the gate and refills
    expect(a!.outstanding().length).toBeGreaterThan(0);
    expect(m.actor.getSnapshot().matches({ active: { snubbing: 'waiting' } })).toBe(true);
    for (let round = 0; round < 50 && a!.outstanding().length > 0; round++) {
      p.clock.t += 2_000;
      a!.deliverAll();
      m.actor.send({ type: 'DATA_RECEIVED' });
    }
    expect(p.storage.queueFull).toBe(true);
    expect(a!.outstanding()).toEqual([]);
    // held back by us for longer than the request timeout: not the peer's fault
    m.clock.increment(120_000);
    expect(m.gate.snubbed).toBe(false);
    expect(m.actor.getSnapshot().matches({ active: { snubbing: 'idle' } })).toBe(true);
    expect(m.actor.getSnapshot().status).toBe('active');
    // the disk catches up: the peer is asked again and timed from then on
    await disk.drain(p.storage);
    expect(a!.outstanding().length).toBeGreaterThan(0);
    expect(m.actor.getSnapshot().matches({ active: { snubbing: 'waiting' } })).toBe(true);
    await finish(p, disk, [a!], () => undefined);
    expect(m.gate.snubbed).toBe(false);
    expect(p.misbehaved).toEqual([]);
  });

  it('bytes held never exceed the high mark plus the peers\' pipelines, with three peers and a stalled disk', async () => {
    disk = await holdDiskWrites();
    plane = await dataPlane({ length: 64 * PIECE, pieceLength: PIECE, storage }); // 4 MiB: 16x the high mark
    const { peers, bound, deepest } = tracked(plane, ['a', 'b', 'c']);
    for (const p of peers) plane.unchokeUs(p);
    let most = 0;
    // nothing is written for 30 rounds: without the bound every block would pile up in memory
    for (let round = 0; round < 30; round++) {
      plane.clock.t += 2_000;
      for (const p of peers) {
        p.deliverAll();
        most = Math.max(most, plane.storage.queuedBytes);
        expect(plane.storage.queuedBytes).toBeLessThanOrEqual(bound());
      }
    }
    expect(most).toBeGreaterThan(HIGH);
    expect(plane.storage.queuedBytes).toBeLessThan(plane.metainfo.totalLength / 4);
    expect(peers.every((p) => p.outstanding().length === 0)).toBe(true);
    for (const d of deepest.values()) expect(d).toBeLessThanOrEqual(MAX_PIPELINE_DEPTH);
    await finish(plane, disk, peers, () => expect(plane!.storage.queuedBytes).toBeLessThanOrEqual(bound()));
    expect(plane.misbehaved).toEqual([]);
  });

  it('property: whatever the write latencies, the download completes and the bound holds', async () => {
    disk = await holdDiskWrites();
    const d = disk;
    const step = fc.oneof(
      fc.record({ deliver: fc.nat(2), blocks: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ release: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ tick: fc.integer({ min: 1, max: 5_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 3 }), async (steps, peerCount) => {
        const p = await dataPlane({ length: 24 * PIECE - 1_000, pieceLength: PIECE, storage });
        try {
          const { peers, bound } = tracked(p, ['a', 'b', 'c'].slice(0, peerCount));
          for (const fp of peers) p.unchokeUs(fp);
          const check = (): void => expect(p.storage.queuedBytes).toBeLessThanOrEqual(bound());
          for (const s of steps) {
            if ('deliver' in s) {
              const fp = peers[s.deliver % peers.length]!;
              for (const r of fp.outstanding().slice(0, s.blocks)) {
                fp.deliver(r.index, r.begin);
                check();
              }
            } else if ('release' in s) await d.release(s.release);
            else p.clock.t += s.tick;
            check();
          }
          await finish(p, d, peers, check);
          expect(p.verified.length).toBe(p.metainfo.pieceCount);
          expect(p.misbehaved).toEqual([]);
        } finally {
          d.holding = false; // close() writes out what is still staged
          await p.close();
          d.holding = true;
        }
      }),
      { numRuns: 25 },
    );
  });
});
