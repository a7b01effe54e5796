import { truncate } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { MIN_PIPELINE_DEPTH, refillThreshold } from '../../src/pieces/pipelineDepth.js';
import { MAX_QUEUED_REQUESTS, MAX_REFUSED_REQUESTS } from '../../streams/uploadFlow.js';
import { dataPlane } from './dataPlaneHarness.js';

type Plane = Awaited<ReturnType<typeof dataPlane>>;
let plane: Plane | undefined;
afterEach(async () => {
  await plane?.close();
  plane = undefined;
});

const requestsIn = (sent: readonly { type: string }[]): number => sent.filter((m) => m.type === 'request').length;

describe('download flow with scripted peers (simulated clock)', () => {
  it('pipelining: fills the pipeline on unchoke, refills in batches, never past the depth', async () => {
    plane = await dataPlane({ length: 16 * 65_536 }); // 64 blocks
    const p = plane.addPeer('a');
    plane.download.refill(p.record);
    expect(requestsIn(p.sent)).toBe(0); // choked: the gate is closed
    plane.unchokeUs(p);
    expect(p.outstanding()).toHaveLength(MIN_PIPELINE_DEPTH);
    expect(p.notified).toEqual(['REQUESTS_PENDING']); // one edge, not one per request
    const [first] = p.outstanding();
    p.deliver(first!.index, first!.begin);
    // one block back: below the batch threshold, nothing new yet
    expect(p.outstanding()).toHaveLength(MIN_PIPELINE_DEPTH - 1);
    for (const r of p.outstanding().slice(0, refillThreshold(MIN_PIPELINE_DEPTH) - 1)) p.deliver(r.index, r.begin);
    expect(p.outstanding()).toHaveLength(MIN_PIPELINE_DEPTH); // a batch's worth went out at once
    for (let round = 0; round < 20 && p.outstanding().length > 0; round++) {
      plane.clock.t += 100;
      p.deliverAll();
      expect(p.outstanding().length).toBeLessThanOrEqual(500);
    }
    await plane.verifiedCount(plane.metainfo.pieceCount);
    expect(p.notified.at(-1)).toBe('REQUESTS_DRAINED');
    expect(plane.misbehaved).toEqual([]);
  });

  it('endgame: the last blocks go to a second peer too, and the first copy cancels the other', async () => {
    plane = await dataPlane({ length: 65_536, pieceLength: 65_536 }); // 4 blocks, one piece
    const a = plane.addPeer('a');
    const b = plane.addPeer('b');
    plane.unchokeUs(a);
    expect(a.outstanding()).toHaveLength(4); // every block requested from a
    plane.unchokeUs(b);
    expect(plane.picker.endgame).toBe(true);
    expect(b.outstanding().length).toBeGreaterThan(0); // the same blocks again
    const dup = b.outstanding()[0]!;
    b.deliver(dup.index, dup.begin);
    expect(a.sent).toContainEqual({ type: 'cancel', index: dup.index, begin: dup.begin, length: dup.length });
    a.deliver(dup.index, dup.begin); // the late copy crossing our cancel is dropped, not counted twice
    for (const r of a.outstanding()) if (!(r.index === dup.index && r.begin === dup.begin)) a.deliver(r.index, r.begin);
    await plane.verifiedCount(1);
    expect(plane.verified).toEqual([0]);
    expect(plane.misbehaved).toEqual([]);
  });

  it('reject: a rejected block goes back to the pool and is asked of another peer', async () => {
    plane = await dataPlane({ length: 65_536, pieceLength: 65_536 });
    const a = plane.addPeer('a');
    plane.unchokeUs(a);
    const r = a.outstanding()[0]!;
    a.reject(r.index, r.begin, r.length);
    const b = plane.addPeer('b');
    plane.unchokeUs(b);
    expect(b.outstanding()).toContainEqual(r);
  });

  it('choke mid-pipeline: our requests go to another peer at once; late blocks from the choker are dropped', async () => {
    plane = await dataPlane({ length: 2 * 65_536 });
    const a = plane.addPeer('a');
    const b = plane.addPeer('b');
    plane.unchokeUs(a);
    plane.unchokeUs(b);
    const fromA = a.outstanding();
    expect(fromA.length).toBeGreaterThan(0);
    plane.chokeUs(a);
    expect(a.notified.at(-1)).toBe('REQUESTS_DRAINED');
    const sentToB = new Set(b.outstanding().map((r) => `${r.index}:${r.begin}`));
    for (const r of fromA) expect(sentToB.has(`${r.index}:${r.begin}`)).toBe(true);
    const late = fromA[0]!;
    const before = a.record.down.total;
    a.deliver(late.index, late.begin); // crossed the choke: not ours any more
    expect(a.record.down.total).toBe(before);
    b.deliverAll();
    b.deliverAll();
    await plane.verifiedCount(2);
    expect(plane.misbehaved).toEqual([]);
  });
});

describe('upload flow with scripted peers', () => {
  const served = (sent: readonly { type: string }[]): number => sent.filter((m) => m.type === 'piece').length;
  const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('backpressure: serves while the socket is writable, waits for drain, rejects past the queue bound', async () => {
    plane = await dataPlane({ length: 4 * 65_536, seed: true });
    const p = plane.addPeer('leech', []);
    p.record.gate.mayUpload = true;
    p.setWritable(false);
    for (let i = 0; i < MAX_QUEUED_REQUESTS + 10; i++) plane.upload.onRequest(p.record, { index: i % 4, begin: 0, length: 16_384 });
    await drain();
    expect(served(p.sent)).toBe(0); // socket full: nothing read or sent
    expect(p.sent.filter((m) => m.type === 'reject')).toHaveLength(10); // queue bound (BEP 6 peer)
    expect(p.record.uploadQueue).toHaveLength(MAX_QUEUED_REQUESTS);
    // drained once: it serves again, one disk read at a time, until told the socket is full
    let writes = 0;
    p.record.writable = () => ++writes <= 3;
    const send = p.record.send;
    const third = new Promise<void>((resolve) => {
      p.record.send = (m) => {
        send(m);
        if (served(p.sent) === 3) resolve();
      };
    });
    plane.upload.onWritable(p.record);
    await third;
    await drain();
    expect(served(p.sent)).toBe(3);
    expect(p.record.uploadReads).toEqual([]); // no disk read in flight or unsent: it stopped at the full socket
    expect(p.sent.filter((m) => m.type === 'reject')).toHaveLength(10); // not at an error: a failed read is refused with a reject
    expect(p.record.uploadQueue).toHaveLength(MAX_QUEUED_REQUESTS - 3);
  });

  it('choked: queued requests are rejected; requests keep being rejected only up to the bound, then the peer is dropped', async () => {
    plane = await dataPlane({ length: 4 * 65_536, seed: true });
    const p = plane.addPeer('leech', []);
    p.record.gate.mayUpload = true;
    p.setWritable(false);
    for (let i = 0; i < 5; i++) plane.upload.onRequest(p.record, { index: i % 4, begin: 0, length: 16_384 });
    p.record.gate.mayUpload = false; // the machine's CHOKE
    plane.upload.onChoked(p.record);
    expect(p.sent.filter((m) => m.type === 'reject')).toHaveLength(5);
    for (let i = 0; i < 3 * MAX_REFUSED_REQUESTS; i++) plane.upload.onRequest(p.record, { index: 0, begin: 0, length: 16_384 });
    expect(p.sent.filter((m) => m.type === 'reject')).toHaveLength(5 + MAX_REFUSED_REQUESTS);
    expect(plane.misbehaved).toEqual([`kept requesting after ${MAX_REFUSED_REQUESTS} refused requests`]);
  });

  it('a seeded file truncated under us: the lost pieces are refused and no longer offered, never sent in part', async () => {
    plane = await dataPlane({ length: 4 * 65_536, seed: true });
    await truncate(plane.filePath, 2 * 65_536 + 40_000); // piece 2 ends early, piece 3 is gone
    const p = plane.addPeer('leech', []);
    p.record.gate.mayUpload = true;
    const answered = new Promise<void>((resolve) => {
      const send = p.record.send;
      p.record.send = (m) => {
        send(m);
        if (p.sent.filter((x) => x.type === 'piece' || x.type === 'reject').length === 4) resolve();
      };
    });
    for (const [index, begin] of [[3, 0], [3, 16_384], [2, 3 * 16_384], [0, 0]] as const) plane.upload.onRequest(p.record, { index, begin, length: 16_384 });
    await answered;
    expect(p.sent.map((m) => (m.type === 'piece' || m.type === 'reject' ? `${m.type} ${m.index}/${m.begin}` : m.type))).toEqual([
      'reject 3/0',
      'reject 3/16384',
      'reject 2/49152',
      'piece 0/0',
    ]);
    expect(plane.lost.map((l) => l.index)).toEqual([3, 2]); // each reported once
    expect(plane.lost[0]!.message).toMatch(/file ends before byte/);
    expect([0, 1, 2, 3].map((i) => plane!.have.has(i))).toEqual([true, true, false, false]);
    // later requests for a lost piece are refused at once, without touching the disk
    plane.upload.onRequest(p.record, { index: 2, begin: 0, length: 16_384 });
    expect(p.sent.at(-1)).toMatchObject({ type: 'reject', index: 2, begin: 0 });
  });
});
