import { Subject, Subscription, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { PeerEvent } from '../../machines/peer.machine.js';
import { encodeDontHave, LT_DONTHAVE, OUR_EXTENSION_IDS, UT_METADATA } from '../../src/extensions/index.js';
import { ourReserved, type WireMessage } from '../../src/wire/index.js';
import type { FrameEvent } from '../../streams/frames.js';
import { defaultSafeJsonLimits } from '../../src/trace/safeJson.js';
import { HAVE_BATCH_MS, MAX_HAVE_BATCH, toPeerEvents } from '../../streams/peerEvents.js';

const msg = (message: WireMessage): FrameEvent => ({ kind: 'message', message });
const block = new Uint8Array(16384);
const handshake: FrameEvent = {
  kind: 'handshake',
  handshake: { reserved: ourReserved(), infoHash: new Uint8Array(20), peerId: new Uint8Array(20) },
};

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('toPeerEvents', () => {
  it('passes control messages one by one and coalesces piece traffic to one DATA_RECEIVED per second', () => {
    const ts = scheduler();
    const got: string[] = [];
    ts.run(({ cold, flush }) => {
      // h@0 u@1 p@2 p@3 p@999 p@1999 (marble spaces are ignored; one character = 1 ms)
      const frames = cold<FrameEvent>('hupp 995ms p 999ms p', {
        h: handshake,
        u: msg({ type: 'unchoke' }),
        p: msg({ type: 'piece', index: 0, begin: 0, block }),
      });
      frames.pipe(toPeerEvents({ activityEvery: 1000 })).subscribe((e) => got.push(`${ts.now()}:${e.type}`));
      flush();
    });
    expect(got).toEqual(['0:HANDSHAKE_RECEIVED', '1:PEER_UNCHOKE', '1:ACTIVITY', '2:DATA_RECEIVED', '1999:DATA_RECEIVED']);
  });

  it('reports other traffic as at most one ACTIVITY per second, without payloads', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const frames = cold<FrameEvent>('k r x 997ms k', {
        k: msg({ type: 'keepAlive' }),
        r: msg({ type: 'request', index: 0, begin: 0, length: 16384 }),
        // an extended id we never advertised is ignored (BEP 10)
        x: msg({ type: 'extended', extendedId: 77, payload: new Uint8Array(3) }),
      });
      expectObservable(frames.pipe(toPeerEvents())).toBe('a - - 997ms a', { a: { type: 'ACTIVITY' } });
    });
  });

  it('maps have/bitfield/have-all/have-none/interest and protocol errors', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const frames = cold<FrameEvent>('(abcdefg)', {
        a: msg({ type: 'have', index: 3 }),
        b: msg({ type: 'bitfield', bitfield: Uint8Array.of(0x80) }),
        c: msg({ type: 'haveAll' }),
        d: msg({ type: 'haveNone' }),
        e: msg({ type: 'interested' }),
        f: msg({ type: 'notInterested' }),
        g: { kind: 'protocolError', error: { tag: 'bitfieldSpareBits' } },
      });
      // the have waits for the bitfield after it (order kept); ACTIVITY needs no order
      expectObservable(frames.pipe(toPeerEvents())).toBe('(zABCDEFG)', {
        A: { type: 'PEER_HAVES', indices: [3] },
        z: { type: 'ACTIVITY' },
        B: { type: 'PEER_BITFIELD', bitfield: Uint8Array.of(0x80) },
        C: { type: 'PEER_HAVE_ALL' },
        D: { type: 'PEER_HAVE_NONE' },
        E: { type: 'PEER_INTERESTED' },
        F: { type: 'PEER_NOT_INTERESTED' },
        G: { type: 'PROTOCOL_ERROR', error: { tag: 'bitfieldSpareBits' } },
      });
    });
  });

  it('maps lt_donthave (BEP 54) under our id to PEER_DONT_HAVE, a bad one to EXTENSION_ERROR, and only where the pieces are known', () => {
    const dontHave = (payload: Uint8Array): FrameEvent => msg({ type: 'extended', extendedId: OUR_EXTENSION_IDS[LT_DONTHAVE], payload });
    const extensions = new Set([UT_METADATA, LT_DONTHAVE]);
    scheduler().run(({ cold, expectObservable }) => {
      const frames = cold<FrameEvent>('(ab)', { a: dontHave(encodeDontHave(7)), b: dontHave(encodeDontHave(8)) });
      expectObservable(frames.pipe(toPeerEvents({ extensions, pieceCount: 8 }))).toBe('(Aza)', {
        A: { type: 'PEER_DONT_HAVE', index: 7 },
        z: { type: 'ACTIVITY' },
        a: { type: 'EXTENSION_ERROR', error: { _tag: 'ExtensionError', code: 'out-of-range', message: 'peer sent a bad lt_donthave message: piece 8 of a torrent with 8 pieces' } },
      });
    });
    // a magnet link's metadata is still being fetched: no piece count to judge it by, ignored
    scheduler().run(({ cold, expectObservable }) => {
      const frames = cold<FrameEvent>('a', { a: dontHave(encodeDontHave(7)) });
      expectObservable(frames.pipe(toPeerEvents({ extensions, pieceCount: null, ignorePieceState: true }))).toBe('z', { z: { type: 'ACTIVITY' } });
    });
  });

  it('gathers have messages for 50 ms into one PEER_HAVES, sent before any later control event', () => {
    expect(HAVE_BATCH_MS).toBe(50);
    expect(MAX_HAVE_BATCH).toBeLessThanOrEqual(defaultSafeJsonLimits.items); // a trace keeps every batch whole
    const have = (index: number): FrameEvent => msg({ type: 'have', index });
    scheduler().run(({ cold, expectObservable }) => {
      // haves at 0, 10 and 49 ms go out together at 50; one at 60 waits for the choke at 70
      const frames = cold<FrameEvent>('a 9ms b 38ms c 10ms d 9ms x', { a: have(1), b: have(2), c: have(5), d: have(9), x: msg({ type: 'choke' }) });
      expectObservable(frames.pipe(toPeerEvents({ activityEvery: 10_000 }))).toBe('z 49ms H 19ms (IC)', {
        z: { type: 'ACTIVITY' },
        H: { type: 'PEER_HAVES', indices: [1, 2, 5] },
        I: { type: 'PEER_HAVES', indices: [9] },
        C: { type: 'PEER_CHOKE' },
      });
    });
    // a flood is delivered in bounded batches at once, not held; the end of the stream sends the rest
    scheduler().run(({ cold, expectObservable }) => {
      const many = Array.from({ length: MAX_HAVE_BATCH + 2 }, (_, i) => i);
      const flood = cold<FrameEvent>(`(${'a'.repeat(many.length)}|)`, { a: have(7) });
      expectObservable(flood.pipe(toPeerEvents())).toBe('(zBR|)', {
        z: { type: 'ACTIVITY' },
        B: { type: 'PEER_HAVES', indices: Array(MAX_HAVE_BATCH).fill(7) },
        R: { type: 'PEER_HAVES', indices: [7, 7] },
      });
    });
  });

  it('drops its pending timer when unsubscribed, and sends what it gathered before an error', () => {
    const timers: Subscription[] = [];
    const held: SchedulerLike = {
      now: () => 0,
      schedule: () => {
        const timer = new Subscription();
        timers.push(timer);
        return timer;
      },
    };
    const frames = new Subject<FrameEvent>();
    const got: PeerEvent[] = [];
    const sub = frames.pipe(toPeerEvents({ scheduler: held })).subscribe((e) => got.push(e));
    frames.next(msg({ type: 'have', index: 1 }));
    expect(timers.map((t) => t.closed)).toEqual([false]);
    sub.unsubscribe();
    expect(timers.map((t) => t.closed)).toEqual([true]);

    const failing = new Subject<FrameEvent>();
    let failed: unknown;
    failing.pipe(toPeerEvents({ scheduler: held })).subscribe({ next: (e) => got.push(e), error: (e: unknown) => (failed = e) });
    failing.next(msg({ type: 'have', index: 2 }));
    failing.error(new Error('socket reset'));
    expect(got.filter((e) => e.type === 'PEER_HAVES')).toEqual([{ type: 'PEER_HAVES', indices: [2] }]);
    expect(failed).toEqual(new Error('socket reset'));
  });
});
