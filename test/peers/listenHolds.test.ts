import { describe, expect, it } from 'vitest';
import { ListenHolds } from '../../src/peers/listenHolds.js';
import { PeerPool } from '../../src/peers/peerPool.js';

describe('ListenHolds', () => {
  it('holds an address while any connection naming it runs; a connection holds one address at a time', () => {
    const holds = new ListenHolds();
    holds.hold('127.0.0.2:50001', '127.0.0.2:6881');
    holds.hold('127.0.0.2:50002', '127.0.0.2:6881'); // it dialled us twice
    expect(holds.release('127.0.0.2:50001')).toBeUndefined();
    expect(holds.has('127.0.0.2:6881')).toBe(true);
    // a later handshake names another port: the first is let go
    expect(holds.hold('127.0.0.2:50002', '127.0.0.2:7000')).toBe('127.0.0.2:6881');
    expect(holds.has('127.0.0.2:6881')).toBe(false);
    expect(holds.hold('127.0.0.2:50002', '127.0.0.2:7000')).toBeUndefined(); // the same again
    expect(holds.release('127.0.0.2:50002')).toBe('127.0.0.2:7000');
    expect(holds.has('127.0.0.2:7000')).toBe(false);
    // our own dial to that very address holds nothing (it is marked connected in the pool)
    holds.hold('127.0.0.3:6881', '127.0.0.3:6881');
    expect(holds.has('127.0.0.3:6881')).toBe(false);
    expect(holds.release('127.0.0.3:6881')).toBeUndefined();
  });
});

describe('PeerPool listen addresses', () => {
  it('a held address is neither dialable nor handed out; released, it waits the retry delay', () => {
    const pool = new PeerPool([], { retryBaseMs: 1000 });
    pool.add([{ ip: '::1', port: 6881 }]);
    pool.holdListenAddress('[::1]:40000', 6881, 0);
    pool.holdListenAddress('[::1]:40001', 0, 0); // not a port: ignored
    expect(pool.dialable(0)).toBe(0);
    expect(pool.takeForDial(5, 0)).toEqual([]);
    pool.releaseListenAddress('[::1]:40000', 500);
    expect(pool.takeForDial(5, 1499)).toEqual([]);
    expect(pool.takeForDial(5, 1500)).toEqual([{ ip: '::1', port: 6881, source: 'tracker' }]);
  });

  it('a later handshake naming another port lets the first go after the retry delay; a pause lets it go at once', () => {
    const pool = new PeerPool([], { retryBaseMs: 1000 });
    pool.add([{ ip: '127.0.0.2', port: 6881 }]);
    pool.holdListenAddress('127.0.0.2:40000', 6881, 0);
    pool.holdListenAddress('127.0.0.2:40000', 6881, 100); // the same again: nothing changes
    pool.holdListenAddress('127.0.0.2:40000', 7000, 200);
    expect(pool.takeForDial(5, 1199)).toEqual([]);
    expect(pool.takeForDial(5, 1200)).toEqual([{ ip: '127.0.0.2', port: 6881, source: 'tracker' }]);
    pool.add([{ ip: '127.0.0.2', port: 7000 }]);
    expect(pool.dialable(5000)).toBe(0); // held by the connection still
    pool.releaseListenAddress('127.0.0.2:40000', 5000, false);
    expect(pool.takeForDial(5, 5000)).toEqual([{ ip: '127.0.0.2', port: 7000, source: 'tracker' }]);
  });
});
