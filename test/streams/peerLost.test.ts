import { afterEach, describe, expect, it } from 'vitest';
import { dataPlane } from './dataPlaneHarness.js';

type Plane = Awaited<ReturnType<typeof dataPlane>>;
let plane: Plane | undefined;
afterEach(async () => {
  await plane?.close();
  plane = undefined;
});

/**
 * BEP 54 lt_donthave in the data plane: a peer that says it lost a piece will not send it, so
 * our requests for that piece leave it at once (with a cancel each) and another peer that has
 * the piece takes them; the peer's other requests stay, and it is never asked for the piece again.
 */
describe('a peer that lost a piece we asked it for (lt_donthave)', () => {
  it('cancels its requests for that piece, keeps the rest, and another peer fetches the piece', async () => {
    plane = await dataPlane({ length: 8 * 65_536, pieceLength: 65_536 }); // 8 pieces of 4 blocks
    const { picker, download } = plane;
    const a = plane.addPeer('a');
    plane.unchokeUs(a);
    const asked = picker.requestsOf('a');
    const lost = asked[0]!.index;
    const forLost = asked.filter((r) => r.index === lost);
    expect(forLost.length).toBeGreaterThan(0);
    // b has only that piece: every block of it is already asked of a, so b gets nothing yet
    const b = plane.addPeer('b', [lost]);
    plane.unchokeUs(b);
    expect(picker.requestsOf('b')).toEqual([]);

    // what the peer machine does on PEER_DONT_HAVE: the bit goes, then the data plane hears it
    expect(a.record.pieces.lose(lost)).toBe(true);
    const before = a.sent.length;
    download.peerLost(a.record, lost);
    download.refill(a.record);

    const cancels = a.sent.slice(before).filter((m) => m.type === 'cancel');
    expect(cancels).toEqual(forLost.map((r) => ({ type: 'cancel', ...r })));
    expect(picker.requestsOf('a').some((r) => r.index === lost)).toBe(false);
    expect(picker.requestsOf('a')).toEqual(expect.arrayContaining(asked.filter((r) => r.index !== lost)));
    expect(picker.requestsOf('b')).toEqual(forLost);

    // a block a sends for it anyway (it crossed the lt_donthave) is not taken from it
    a.deliver(lost, forLost[0]!.begin);
    expect(picker.isRequestedFrom('b', lost, forLost[0]!.begin)).toBe(true);
    b.deliverAll();
    await plane.verifiedCount(1);
    expect(plane.verified).toEqual([lost]);
    expect(plane.misbehaved).toEqual([]);
  });

  it('changes nothing for a piece it was not asked for', async () => {
    plane = await dataPlane({ length: 8 * 65_536, pieceLength: 65_536 });
    const a = plane.addPeer('a');
    plane.unchokeUs(a);
    const asked = plane.picker.requestsOf('a');
    const other = [...Array(8).keys()].find((i) => !asked.some((r) => r.index === i))!;
    a.record.pieces.lose(other);
    const before = a.sent.length;
    plane.download.peerLost(a.record, other);
    expect(a.sent.length).toBe(before);
    expect(plane.picker.requestsOf('a')).toEqual(asked);
  });
});
