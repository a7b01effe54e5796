import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, formatMagnet, parseMagnet, type MagnetLink } from '../../src/magnet/index.js';

const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
const hashBytes = Uint8Array.from(Buffer.from(HEX, 'hex'));

const ok = (text: string): MagnetLink => {
  const r = parseMagnet(text);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
const fail = (text: string) => {
  const r = parseMagnet(text);
  if (E.isRight(r)) throw new Error(`expected an error for ${text}`);
  return r.left;
};

describe('parseMagnet', () => {
  it('reads a hex info hash, name, several trackers, peers and web seeds', () => {
    const m = ok(
      `magnet:?xt=urn:btih:${HEX.toUpperCase()}&dn=Big+Buck%20Bunny%26co&tr=udp%3A%2F%2Ftracker.example%3A80&tr.1=http://a.example/announce` +
        '&tr=http://a.example/announce&x.pe=127.0.0.2:6881&x.pe=[::1]:51413&ws=http%3A%2F%2Fseed.example%2Fbbb&foo=bar',
    );
    expect(m.infoHashHex).toBe(HEX);
    expect(m.infoHash).toEqual(hashBytes);
    expect(m.name).toBe('Big Buck Bunny&co');
    expect(m.trackers).toEqual(['udp://tracker.example:80', 'http://a.example/announce']);
    expect(m.peers).toEqual([{ ip: '127.0.0.2', port: 6881 }, { ip: '::1', port: 51413 }]);
    expect(m.webSeeds).toEqual(['http://seed.example/bbb']);
    expect(m.warnings).toEqual([]);
  });

  it('reads a base32 info hash (either case) as the same hash', () => {
    const b32 = base32Encode(hashBytes);
    expect(b32).toHaveLength(32);
    expect(ok(`magnet:?xt=urn:btih:${b32}`).infoHashHex).toBe(HEX);
    expect(ok(`magnet:?xt=urn:btih:${b32.toLowerCase()}`).infoHashHex).toBe(HEX);
  });

  it('takes the v1 hash of a hybrid link and ignores other URNs', () => {
    const m = ok(`magnet:?xt=urn:btmh:1220${'ab'.repeat(32)}&xt=urn:ed2k:31D6CFE0D16AE931B73C59D7E0C089C0&xt=urn:btih:${HEX}`);
    expect(m.infoHashHex).toBe(HEX);
  });

  it('refuses a v2-only link with a message that says so', () => {
    const e = fail(`magnet:?xt=urn:btmh:1220${'ab'.repeat(32)}&dn=x`);
    expect(e.code).toBe('v2-only');
    expect(e.message).toMatch(/v2-only.*urn:btih:/);
  });

  it.each([
    ['http://example.com', 'not-magnet'],
    ['magnet:?dn=nohash', 'no-info-hash'],
    ['magnet:?xt=urn:btih:1234', 'bad-info-hash'],
    [`magnet:?xt=urn:btih:${'z'.repeat(40)}`, 'bad-info-hash'],
    [`magnet:?xt=urn:btih:${'1'.repeat(32)}`, 'bad-info-hash'], // '1' is not in the base32 alphabet
    [`magnet:?xt=urn:btih:${HEX}&xt=urn:btih:${'0'.repeat(40)}`, 'conflicting-info-hash'],
    [`magnet:?xt=urn:btih:${HEX}&dn=%E0%A4%A`, 'bad-encoding'],
    [`magnet:?xt=urn:btih:${HEX}&x.pe=127.0.0.1`, 'bad-peer'],
    [`magnet:?xt=urn:btih:${HEX}&x.pe=127.0.0.1:0`, 'bad-peer'],
    [`magnet:?xt=urn:btih:${HEX}&x.pe=127.0.0.1:70000`, 'bad-peer'],
    [`magnet:?xt=urn:btih:${HEX}&x.pe=::1:6881`, 'bad-peer'],
    [`magnet:?xt=urn:btih:${HEX}&dn=${'a'.repeat(70_000)}`, 'too-long'],
    [`magnet:?xt=urn:btih:${HEX}${Array.from({ length: 201 }, (_, i) => `&tr=http://t${i}.example/`).join('')}`, 'too-long'],
  ])('%s → %s', (text, code) => {
    expect(fail(text).code).toBe(code);
  });

  it('keeps a link whose peer is a host name, with a warning (we never resolve peer names)', () => {
    const m = ok(`magnet:?xt=urn:btih:${HEX}&x.pe=peer.example:6881`);
    expect(m.peers).toEqual([]);
    expect(m.warnings).toEqual(['peer "peer.example:6881" is a host name; only IP addresses are dialled']);
  });

  it('base32 rejects strings whose leftover bits are not zero', () => {
    expect(base32Decode('AB')).toBeUndefined(); // 10 bits: 2 left over, 'B' sets one
    expect(base32Decode('AA')).toEqual(new Uint8Array([0]));
  });
});

const textArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constantFrom('\ud800x', 'a\udfff', '\ud83d\ude00'));
const urlArb = fc.webUrl({ withQueryParameters: true, withFragments: true });
const peerArb = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => ({ ip, port })),
  fc.tuple(fc.constantFrom('::1', 'fe80::1', '2001:db8::42'), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => ({ ip, port })),
);

describe('magnet properties', () => {
  it('format → parse gives back every field', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        fc.option(textArb, { nil: undefined }),
        fc.uniqueArray(urlArb, { maxLength: 4 }),
        fc.uniqueArray(urlArb, { maxLength: 3 }),
        fc.uniqueArray(peerArb, { maxLength: 4, selector: (p) => `${p.ip}|${p.port}` }),
        (hash, name, trackers, webSeeds, peers) => {
          const infoHashHex = Buffer.from(hash).toString('hex');
          const link = formatMagnet({ infoHashHex, ...(name === undefined ? {} : { name }), trackers, webSeeds, peers });
          const m = ok(link);
          expect(m.infoHashHex).toBe(infoHashHex);
          // a lone UTF-16 surrogate has no UTF-8 form: it comes back as U+FFFD
          expect(m.name).toBe(name === undefined ? undefined : Buffer.from(name, 'utf8').toString('utf8'));
          expect(m.trackers).toEqual(trackers.filter((t) => t !== ''));
          expect(m.webSeeds).toEqual(webSeeds);
          expect(m.peers).toEqual(peers);
        },
      ),
    );
  });

  it('base32 encode → decode is the identity', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      expect(base32Decode(base32Encode(b))).toEqual(b);
    }));
  });

  it('never throws on random strings, with or without the magnet prefix', () => {
    const noisy = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((s) => `magnet:?${s}`),
      fc.array(fc.tuple(fc.constantFrom('xt', 'dn', 'tr', 'x.pe', 'ws', 'tr.1', 'xt.2'), fc.string({ unit: 'binary', maxLength: 50 })), { maxLength: 6 })
        .map((kv) => `magnet:?${kv.map(([k, v]) => `${k}=${v}`).join('&')}`),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF%:[]'), maxLength: 60 }).map((s) => `magnet:?xt=urn:btih:${s}&x.pe=${s}`),
    );
    fc.assert(
      fc.property(noisy, (s) => {
        const r = parseMagnet(s);
        if (E.isLeft(r)) expect(r.left.message).toMatch(/^invalid magnet link: /);
        else expect(r.right.infoHash).toHaveLength(20);
      }),
      { numRuns: 2000 },
    );
  });
});
