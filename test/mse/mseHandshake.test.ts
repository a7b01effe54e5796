import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/mse/mseRole.js';
import {
  CRYPTO_PLAINTEXT,
  CRYPTO_RC4,
  dhKeyPair,
  MAX_IA,
  mseCiphers,
  MseInitiator,
  MseResponder,
  req1Hash,
  req2Hash,
  skeyMask,
  type MseError,
  type MseEstablished,
  type MseProgress,
} from '../../src/mse/index.js';

const INFO_HASH = new Uint8Array(20).fill(7);
const OTHER_HASH = new Uint8Array(20).fill(9);
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** The session's lookup: HASH('req2', info hash) → info hash, for the torrents it serves. */
const lookupFor = (...hashes: Uint8Array[]) => {
  const m = new Map(hashes.map((h) => [hexOf(req2Hash(h)), h]));
  return (req2: Uint8Array) => m.get(hexOf(req2));
};

interface Side {
  done?: MseEstablished;
  error?: MseError;
  /** Clear payload received after the handshake (IA included on B). */
  received: Uint8Array[];
}

/**
 * Runs our initiator against our responder: each direction is a byte queue delivered in
 * `cuts`-sized fragments, alternating sides. Once a side is done it sends `appA`/`appB` through
 * its negotiated cipher (so it may arrive glued to the handshake's last bytes).
 */
function runPair(o: {
  provide: number;
  allowed: number;
  ia: Uint8Array;
  pads: { PadA: number; PadB: number; PadC: number; PadD: number };
  cuts: readonly number[];
  appA: Uint8Array;
  appB: Uint8Array;
  serve?: Uint8Array[];
}): { a: Side; b: Side } {
  const pad = (w: 'PadA' | 'PadB' | 'PadC' | 'PadD') => o.pads[w];
  const init = new MseInitiator({ infoHash: INFO_HASH, provide: o.provide, ia: o.ia, random: { padLength: pad } });
  const resp = new MseResponder({ findInfoHash: lookupFor(...(o.serve ?? [INFO_HASH])), allowed: o.allowed, random: { padLength: pad } });
  const a: Side = { received: [] };
  const b: Side = { received: [] };
  let toB: Uint8Array = init.start();
  let toA: Uint8Array = new Uint8Array(0);
  const sendFrom = (side: Side, app: Uint8Array): Uint8Array => {
    const c = side.done!.encrypt;
    return c === undefined ? app : c.process(app);
  };
  const take = (side: Side, r: E.Either<MseError, MseProgress>, role: 'a' | 'b', chunk: Uint8Array): void => {
    if (side.done !== undefined) {
      const copy = new Uint8Array(chunk);
      side.done.decrypt?.processInPlace(copy);
      side.received.push(copy);
      return;
    }
    if (E.isLeft(r)) {
      side.error = r.left;
      return;
    }
    const out = concatBytes(r.right.send);
    if (role === 'a') toB = concatBytes([toB, out]);
    else toA = concatBytes([toA, out]);
    if (r.right.done !== undefined) {
      side.done = r.right.done;
      side.received.push(r.right.done.payload);
      const app = sendFrom(side, role === 'a' ? o.appA : o.appB);
      if (role === 'a') toB = concatBytes([toB, app]);
      else toA = concatBytes([toA, app]);
    }
  };
  let k = 0;
  for (let rounds = 0; rounds < 10_000 && (toA.length > 0 || toB.length > 0) && a.error === undefined && b.error === undefined; rounds++) {
    const cut = o.cuts.length > 0 ? o.cuts[k++ % o.cuts.length]! : 1 << 20;
    if (toB.length > 0) {
      const chunk = toB.subarray(0, cut);
      toB = toB.subarray(chunk.length);
      take(b, b.done === undefined ? resp.feed(chunk) : E.right({ send: [] }), 'b', chunk);
    }
    if (toA.length > 0) {
      const chunk = toA.subarray(0, cut);
      toA = toA.subarray(chunk.length);
      take(a, a.done === undefined ? init.feed(chunk) : E.right({ send: [] }), 'a', chunk);
    }
  }
  return { a, b };
}

const pads = fc.record({
  PadA: fc.integer({ min: 0, max: 512 }),
  PadB: fc.integer({ min: 0, max: 512 }),
  PadC: fc.integer({ min: 0, max: 512 }),
  PadD: fc.integer({ min: 0, max: 512 }),
});

describe('MSE handshake: our initiator against our responder', () => {
  it.each([
    { label: 'plaintext + RC4 offered, both accepted: plaintext selected', provide: CRYPTO_PLAINTEXT | CRYPTO_RC4, allowed: CRYPTO_PLAINTEXT | CRYPTO_RC4, crypto: 'plaintext' },
    { label: 'RC4 only offered: RC4 selected', provide: CRYPTO_RC4, allowed: CRYPTO_PLAINTEXT | CRYPTO_RC4, crypto: 'rc4' },
    { label: 'both offered, responder requires RC4: RC4 selected', provide: CRYPTO_PLAINTEXT | CRYPTO_RC4, allowed: CRYPTO_RC4, crypto: 'rc4' },
  ] as const)('$label, over random fragmentation and pad lengths', ({ provide, allowed, crypto }) => {
    fc.assert(
      fc.property(
        pads,
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.uint8Array({ maxLength: 2000 }),
        (p, cuts, ia, appA, appB) => {
          const { a, b } = runPair({ provide, allowed, ia, pads: p, cuts, appA, appB, serve: [OTHER_HASH, INFO_HASH] });
          expect(a.error).toBeUndefined();
          expect(b.error).toBeUndefined();
          expect(a.done?.crypto).toBe(crypto);
          expect(b.done?.crypto).toBe(crypto);
          expect(b.done?.infoHash).toEqual(INFO_HASH);
          expect(a.done?.encrypt !== undefined).toBe(crypto === 'rc4');
          // B gets IA then A's payload, A gets B's payload: in the clear, in order, nothing lost
          expect(concatBytes(b.received)).toEqual(concatBytes([ia, appA]));
          expect(concatBytes(a.received)).toEqual(appB);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fails on both sides when there is no common crypto', () => {
    const { b } = runPair({ provide: CRYPTO_PLAINTEXT, allowed: CRYPTO_RC4, ia: new Uint8Array(0), pads: { PadA: 0, PadB: 0, PadC: 0, PadD: 0 }, cuts: [], appA: new Uint8Array(0), appB: new Uint8Array(0) });
    expect(b.error).toEqual({ tag: 'noCommonCrypto', offered: CRYPTO_PLAINTEXT });
  });

  it('refuses a torrent we do not serve (wrong SKEY)', () => {
    const { b } = runPair({ provide: CRYPTO_RC4, allowed: CRYPTO_RC4, ia: new Uint8Array(0), pads: { PadA: 100, PadB: 0, PadC: 0, PadD: 0 }, cuts: [], appA: new Uint8Array(0), appB: new Uint8Array(0), serve: [OTHER_HASH] });
    expect(b.error).toEqual({ tag: 'unknownTorrent' });
  });
});

/** A hand-built initiator whose every field a test chooses (to play a broken or hostile peer). */
function craftedStep3(o: { padA?: number; padC?: number; padCField?: number; iaField?: number; ia?: Uint8Array; vc?: Uint8Array; provide?: number; keyLabel?: 'a' | 'b' }) {
  const kp = dhKeyPair(new Uint8Array(20).fill(3));
  const responder = new MseResponder({ findInfoHash: lookupFor(INFO_HASH), allowed: CRYPTO_PLAINTEXT | CRYPTO_RC4, random: { padLength: () => 0 } });
  const first = responder.feed(concatBytes([kp.publicKey, new Uint8Array(o.padA ?? 0).fill(0x55)]));
  if (E.isLeft(first)) throw new Error('Ya refused');
  const yb = first.right.send[0]!.subarray(0, 96);
  const s = kp.secret(yb)!;
  const keys = mseCiphers(s, INFO_HASH);
  const padC = o.padC ?? 0;
  const ia = o.ia ?? new Uint8Array(0);
  const head = new Uint8Array(14 + padC + 2 + ia.length);
  head.set(o.vc ?? new Uint8Array(8), 0);
  Buffer.from(head.buffer).writeUInt32BE(o.provide ?? CRYPTO_RC4, 8);
  Buffer.from(head.buffer).writeUInt16BE(o.padCField ?? padC, 12);
  Buffer.from(head.buffer).writeUInt16BE(o.iaField ?? ia.length, 14 + padC);
  head.set(ia, 16 + padC);
  (o.keyLabel === 'b' ? keys.b : keys.a).processInPlace(head);
  return { responder, step3: concatBytes([req1Hash(s), skeyMask(INFO_HASH, s), head]) };
}

describe('MSE responder: hostile or broken initiators get typed errors within the bounds', () => {
  it('a stream with no HASH(req1, S) fails once 628 bytes are in, not before', () => {
    const r = new MseResponder({ findInfoHash: lookupFor(INFO_HASH), allowed: 3 });
    const ya = dhKeyPair(new Uint8Array(20).fill(5)).publicKey;
    expect(E.isRight(r.feed(ya))).toBe(true);
    expect(r.feed(new Uint8Array(627 - 96).fill(1))).toEqual(E.right({ send: [] }));
    expect(r.feed(new Uint8Array(1).fill(1))).toEqual(E.left({ tag: 'noReq1Sync' }));
    expect(r.feed(new Uint8Array(10))).toEqual(E.left({ tag: 'noReq1Sync' })); // stays failed
  });

  it('finds HASH(req1, S) after the longest PadA (512) but not one byte later', () => {
    const ok = craftedStep3({ padA: 512 });
    const r = ok.responder.feed(ok.step3);
    expect(E.isRight(r) && r.right.done !== undefined).toBe(true);
    const late = craftedStep3({ padA: 513 });
    expect(late.responder.feed(late.step3)).toEqual(E.left({ tag: 'noReq1Sync' }));
  });

  it('refuses a degenerate Ya', () => {
    const r = new MseResponder({ findInfoHash: lookupFor(INFO_HASH), allowed: 3 });
    const one = new Uint8Array(96);
    one[95] = 1;
    expect(r.feed(one)).toEqual(E.left({ tag: 'badPublicKey' }));
  });

  it('refuses PadC over 512, IA over the bound, a wrong VC or keys', () => {
    const padC = craftedStep3({ padCField: 513, padC: 0 });
    expect(padC.responder.feed(padC.step3)).toEqual(E.left({ tag: 'padTooLong', which: 'PadC', length: 513 }));
    const ia = craftedStep3({ iaField: MAX_IA + 1 });
    expect(ia.responder.feed(ia.step3)).toEqual(E.left({ tag: 'iaTooLong', length: MAX_IA + 1 }));
    const vc = craftedStep3({ vc: new Uint8Array(8).fill(1) });
    expect(vc.responder.feed(vc.step3)).toEqual(E.left({ tag: 'badVc' }));
    const keyB = craftedStep3({ keyLabel: 'b' });
    expect(keyB.responder.feed(keyB.step3)).toEqual(E.left({ tag: 'badVc' }));
  });

  it('takes the largest PadC and a full IA, returning IA in the clear', () => {
    const ia = new Uint8Array(68).map((_, i) => i);
    const c = craftedStep3({ padC: 512, ia, provide: CRYPTO_PLAINTEXT | CRYPTO_RC4 });
    const r = c.responder.feed(c.step3);
    expect(E.isRight(r) && r.right.done?.payload).toEqual(ia);
    expect(E.isRight(r) && r.right.done?.crypto).toBe('plaintext');
  });

  it('reports a stream cut anywhere in the handshake as truncated', () => {
    const c = craftedStep3({ ia: new Uint8Array(68) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: c.step3.length - 1 }), (n) => {
        const again = craftedStep3({ ia: new Uint8Array(68) });
        const r = again.responder.feed(again.step3.subarray(0, n));
        expect(E.isRight(r) && r.right.done).toBeFalsy();
        expect(again.responder.end()).toEqual({ tag: 'truncated' });
      }),
      { numRuns: 40 },
    );
  });
});

describe('MSE initiator: broken responders', () => {
  const start = () => {
    const init = new MseInitiator({ infoHash: INFO_HASH, provide: CRYPTO_PLAINTEXT | CRYPTO_RC4, random: { padLength: () => 0 } });
    init.start();
    return init;
  };
  it('fails without the VC within 616 bytes of Yb, not before', () => {
    const init = start();
    const yb = dhKeyPair(new Uint8Array(20).fill(8)).publicKey;
    const r = init.feed(yb);
    expect(E.isRight(r) && r.right.send.length).toBe(1);
    expect(init.feed(new Uint8Array(615 - 96).fill(2))).toEqual(E.right({ send: [] }));
    expect(init.feed(new Uint8Array(1).fill(2))).toEqual(E.left({ tag: 'noVcSync' }));
  });

  const withReply = (select: number, padD: number) => {
    const init = new MseInitiator({ infoHash: INFO_HASH, provide: CRYPTO_RC4, random: { padLength: () => 0 } });
    const ya = init.start().subarray(0, 96);
    const kb = dhKeyPair(new Uint8Array(20).fill(4));
    const s = kb.secret(ya)!;
    const keys = mseCiphers(s, INFO_HASH);
    const reply = new Uint8Array(14);
    Buffer.from(reply.buffer).writeUInt32BE(select, 8);
    Buffer.from(reply.buffer).writeUInt16BE(padD, 12);
    keys.b.processInPlace(reply);
    return init.feed(concatBytes([kb.publicKey, new Uint8Array(512).fill(9), reply]));
  };
  it('refuses a crypto_select it did not offer, or PadD over 512', () => {
    expect(withReply(CRYPTO_PLAINTEXT, 0)).toEqual(E.left({ tag: 'badSelect', selected: CRYPTO_PLAINTEXT }));
    expect(withReply(CRYPTO_RC4 | CRYPTO_PLAINTEXT, 0)).toEqual(E.left({ tag: 'badSelect', selected: 3 }));
    expect(withReply(CRYPTO_RC4, 513)).toEqual(E.left({ tag: 'padTooLong', which: 'PadD', length: 513 }));
    const ok = withReply(CRYPTO_RC4, 512);
    expect(E.isRight(ok) && ok.right.done).toBeFalsy(); // waits for the 512 bytes of PadD
  });
});

describe('MSE roles on random bytes', () => {
  it('never throw, and settle on an error or keep waiting within the bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 8 }), (bytes, cuts) => {
        for (const role of [new MseResponder({ findInfoHash: lookupFor(INFO_HASH), allowed: 3 }), new MseInitiator({ infoHash: INFO_HASH, provide: 3 })]) {
          if (role instanceof MseInitiator) role.start();
          let at = 0;
          let k = 0;
          let last: E.Either<MseError, MseProgress> = E.right({ send: [] });
          while (at < bytes.length) {
            const n = cuts[k++ % cuts.length]!;
            last = role.feed(bytes.subarray(at, at + n));
            at += n;
          }
          // random bytes never hold the sync hash: past the bound it is an error
          if (bytes.length >= 628) expect(E.isLeft(last)).toBe(true);
          expect(role.end()).toBeDefined();
        }
      }),
      { numRuns: 150 },
    );
  });
});
