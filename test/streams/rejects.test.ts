import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_REJECTS_IN_A_ROW } from '../../streams/downloadFlow.js';
import { dataPlane } from './dataPlaneHarness.js';

type Plane = Awaited<ReturnType<typeof dataPlane>>;
let plane: Plane | undefined;
afterEach(async () => {
  await plane?.close();
  plane = undefined;
});

describe('BEP 6 rejects: every request gets one answer, and no request/reject loop', () => {
  it('does not re-ask the peer that rejected a block at once; another peer takes it', async () => {
    plane = await dataPlane({ length: 65_536, pieceLength: 65_536 });
    const a = plane.addPeer('a');
    plane.unchokeUs(a);
    const r = a.outstanding()[0]!;
    const before = a.sent.length;
    a.reject(r.index, r.begin, r.length);
    expect(a.sent.slice(before).filter((m) => m.type === 'request')).toEqual([]);
    // a second peer unchoking us picks the released block up
    const b = plane.addPeer('b');
    plane.unchokeUs(b);
    expect(b.outstanding()).toContainEqual(r);
    // the rejecting peer gets new work when a block of it arrives
    const next = a.outstanding()[0]!;
    a.deliver(next.index, next.begin);
    expect(a.sent.length).toBeGreaterThan(before);
  });

  it('drops a peer that rejects whatever we ask, after a bounded number of rejects', async () => {
    plane = await dataPlane({ length: 65_536, pieceLength: 65_536 });
    const a = plane.addPeer('a');
    plane.unchokeUs(a);
    const r = a.outstanding()[0]!;
    let reRequested = 0;
    for (let k = 0; k < 3 * MAX_REJECTS_IN_A_ROW; k++) {
      const before = a.sent.length;
      a.reject(r.index, r.begin, r.length);
      if (a.sent.slice(before).some((m) => m.type === 'request')) reRequested++;
    }
    expect(reRequested).toBe(0);
    expect(plane.misbehaved).toEqual([`rejected ${MAX_REJECTS_IN_A_ROW} requests in a row`]);
  });

  it('answers the request whose disk read was in flight when we choked (reject, not silence)', async () => {
    plane = await dataPlane({ length: 65_536, pieceLength: 65_536, seed: true });
    const p = plane.addPeer('a', []);
    p.record.gate.mayUpload = true;
    for (const begin of [0, 16_384, 32_768]) plane.upload.onRequest(p.record, { index: 0, begin, length: 16_384 });
    await Promise.resolve(); // reads start once the burst is queued (a microtask later)
    expect(p.record.uploadQueue).toEqual([]); // all three left the queue for the read: onChoked cannot answer them
    // the choker takes the slot while that read is in flight
    p.record.gate.mayUpload = false;
    plane.upload.onChoked(p.record);
    const answered = (): string[] => p.sent.filter((m) => m.type === 'piece' || m.type === 'reject').map((m) => `${m.type}:${(m as { begin: number }).begin}`);
    await vi.waitFor(() => expect(answered()).toHaveLength(3)); // the read settled and was answered
    expect(answered().sort()).toEqual(['reject:0', 'reject:16384', 'reject:32768']);
  });

  it('answers a cancelled queued request with a reject (BEP 6: exactly one answer per request)', async () => {
    plane = await dataPlane({ length: 65_536, pieceLength: 65_536, seed: true });
    const p = plane.addPeer('a', []);
    p.record.gate.mayUpload = true;
    p.setWritable(false); // nothing is served yet: the requests stay queued
    for (const begin of [0, 16_384]) plane.upload.onRequest(p.record, { index: 0, begin, length: 16_384 });
    plane.upload.onCancel(p.record, { index: 0, begin: 16_384, length: 16_384 });
    expect(p.sent).toContainEqual({ type: 'reject', index: 0, begin: 16_384, length: 16_384 });
    // a cancel crossing a piece already sent matches nothing and gets no answer
    plane.upload.onCancel(p.record, { index: 0, begin: 49_152, length: 16_384 });
    expect(p.sent.filter((m) => m.type === 'reject')).toHaveLength(1);
  });
});
