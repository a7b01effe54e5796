import { describe, expect, it } from 'vitest';
import { PeerIdentities, type IdentifiedConnection } from '../../src/peers/peerIdentities.js';

const ours = 'ee'.repeat(20); // higher than theirs: our dials survive crossed dials
const theirs = '11'.repeat(20);
const conn = (port: number, outgoing: boolean): IdentifiedConnection => ({ id: `127.0.0.2:${port}`, endpoint: { ip: '127.0.0.2', port }, outgoing });

describe('PeerIdentities', () => {
  it('keeps the first connection of a peer id and reports nothing to close', () => {
    const ids = new PeerIdentities();
    expect(ids.identify(conn(6881, true), theirs, ours)).toBeUndefined();
    expect(ids.isDuplicate('127.0.0.2:6881', theirs)).toBe(false);
    expect(ids.isDuplicate('127.0.0.2:50000', theirs)).toBe(true);
    expect(ids.isDuplicate('127.0.0.2:50000', ours)).toBe(false); // another peer id
    expect(ids.size).toBe(1);
  });

  it('crossed dials: closes the one the rule picks, keeps the other, and never both', () => {
    const ids = new PeerIdentities();
    ids.identify(conn(50000, false), theirs, ours);
    const verdict = ids.identify(conn(6881, true), theirs, ours);
    expect(verdict).toEqual({ close: conn(50000, false), keep: conn(6881, true) });
    expect(ids.size).toBe(1);
    // the closed one is reported closing, not kept: a third connection is compared with the kept one
    expect(ids.isDuplicate('127.0.0.2:50000', theirs)).toBe(false);
    expect(ids.identify(conn(50001, false), theirs, ours)).toEqual({ close: conn(50001, false), keep: conn(6881, true) });
  });

  it('a peer id copied from another IP: the newcomer closes, whatever the ids; nothing of the honest peer is held', () => {
    const ids = new PeerIdentities();
    const honest = conn(6881, true);
    const impostor: IdentifiedConnection = { id: '127.0.0.9:50000', endpoint: { ip: '127.0.0.9', port: 50_000 }, outgoing: false };
    ids.identify(honest, theirs, '00'.repeat(20)); // we are lower: crossed dials would keep their dial
    expect(ids.identify(impostor, theirs, '00'.repeat(20))).toEqual({ close: impostor, keep: honest });
    expect(ids.closed(impostor.id)).toEqual({ held: false, released: [] });
    expect(ids.closed(honest.id)).toEqual({ held: false, released: [] });
  });

  it('an incoming duplicate closes as a plain working connection: nothing held, nothing released', () => {
    const ids = new PeerIdentities();
    ids.identify(conn(6881, true), theirs, ours);
    ids.identify(conn(50000, false), theirs, ours);
    expect(ids.closed('127.0.0.2:50000')).toEqual({ held: false, released: [] });
    expect(ids.closed('127.0.0.2:6881')).toEqual({ held: false, released: [] });
    expect(ids.size).toBe(0);
  });

  it('a dialled duplicate stays held while the kept connection runs, and is released when it ends', () => {
    const ids = new PeerIdentities();
    // one peer under two addresses, both dialled by us: the newer closes
    const first = conn(6881, true);
    const second: IdentifiedConnection = { id: '127.0.0.3:6881', endpoint: { ip: '127.0.0.3', port: 6881 }, outgoing: true };
    ids.identify(first, theirs, ours);
    expect(ids.identify(second, theirs, ours)).toEqual({ close: second, keep: first });
    expect(ids.closed(second.id)).toEqual({ held: true, released: [] });
    expect(ids.closed(first.id)).toEqual({ held: false, released: [second.endpoint] });
  });

  it('a dialled duplicate whose kept connection ended first is not held (it closes like any other)', () => {
    const ids = new PeerIdentities();
    const kept = conn(50000, false);
    const dup = conn(6881, true);
    ids.identify(kept, theirs, '00'.repeat(20)); // we are lower: their dial survives, ours closes
    expect(ids.identify(dup, theirs, '00'.repeat(20))).toEqual({ close: dup, keep: kept });
    expect(ids.closed(kept.id)).toEqual({ held: false, released: [] }); // its duplicate is still closing
    expect(ids.closed(dup.id)).toEqual({ held: false, released: [] });
  });

  it('what a replaced connection held moves to the one that replaced it', () => {
    const ids = new PeerIdentities();
    const lower = '00'.repeat(20);
    const a = conn(6881, true);
    const b: IdentifiedConnection = { id: '127.0.0.3:6881', endpoint: { ip: '127.0.0.3', port: 6881 }, outgoing: true };
    const incoming = conn(50000, false);
    ids.identify(a, theirs, lower);
    ids.identify(b, theirs, lower); // b closes, held by a
    ids.closed(b.id);
    // their dial arrives; they are higher: it replaces a, and takes over what a held
    expect(ids.identify(incoming, theirs, lower)).toEqual({ close: a, keep: incoming });
    expect(ids.closed(a.id)).toEqual({ held: true, released: [] });
    expect(ids.closed(incoming.id)).toEqual({ held: false, released: [b.endpoint, a.endpoint] });
  });
});
