import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/bencode/index.js';
import {
  decodeExtendedHandshake,
  decodeExtensionMessage,
  encodeExtendedHandshake,
  MAX_EXTENDED_HANDSHAKE_BYTES,
  MAX_EXTENSION_MESSAGE_BYTES,
  negotiatedIds,
  boundByReqq,
  OUR_EXTENSION_IDS,
} from '../../src/extensions/index.js';

const right = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe('extended handshake (BEP 10)', () => {
  it('round-trips every field we send', () => {
    const payload = encodeExtendedHandshake({
      m: { ut_metadata: 1, ut_pex: 2 },
      v: 'statorrent 0.1.0',
      p: 6881,
      reqq: 250,
      yourip: Uint8Array.of(127, 0, 0, 2),
      metadataSize: 31_337,
    });
    const h = right(decodeExtendedHandshake(payload));
    expect([...h.m]).toEqual([['ut_metadata', 1], ['ut_pex', 2]]);
    expect(h).toMatchObject({ v: 'statorrent 0.1.0', p: 6881, reqq: 250, yourip: '127.0.0.2', metadataSize: 31_337, dropped: [] });
  });

  it('reads what libtorrent sends: unknown keys and extensions, IPv6 yourip', () => {
    const payload = encode({
      m: { lt_donthave: 7, share_mode: 8, upload_only: 3, ut_holepunch: 4, ut_metadata: 2, ut_pex: 1 },
      metadata_size: 1234,
      reqq: 500,
      upload_only: 0,
      v: 'libtorrent/2.0.11.0',
      yourip: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
      complete_ago: -1,
    });
    const h = right(decodeExtendedHandshake(payload));
    expect(h.m.get('ut_metadata')).toBe(2);
    expect(h.m.get('ut_pex')).toBe(1);
    expect(h.yourip).toBe('::1');
    expect(h.metadataSize).toBe(1234);
  });

  it('drops fields of the wrong type instead of the handshake, and names them', () => {
    const payload = encode({ m: { ut_metadata: 'one', ut_pex: 300, ok: 5 }, p: 0, reqq: -1, v: 12, yourip: Uint8Array.of(1, 2, 3), metadata_size: 2n ** 70n });
    const h = right(decodeExtendedHandshake(payload));
    expect([...h.m]).toEqual([['ok', 5]]);
    expect([...h.dropped].sort()).toEqual(['m.ut_metadata', 'm.ut_pex', 'metadata_size', 'p', 'reqq', 'v', 'yourip'].sort());
    expect(h.metadataSize).toBeUndefined();
  });

  it('keeps a huge claimed metadata_size as a number (the assembly refuses it, nothing allocated here)', () => {
    const h = right(decodeExtendedHandshake(encode({ m: {}, metadata_size: 2 ** 40 })));
    expect(h.metadataSize).toBe(2 ** 40);
  });

  it.each([
    ['a list', encode([1, 2]), 'structure'],
    ['not bencode', new TextEncoder().encode('d1:m'), 'bencode'],
    ['too deep', new TextEncoder().encode(`d1:m${'l'.repeat(20)}${'e'.repeat(20)}e`), 'bencode'],
    ['over 64 KiB', encode({ v: 'x'.repeat(MAX_EXTENDED_HANDSHAKE_BYTES) }), 'too-large'],
  ])('refuses %s', (_what, payload, code) => {
    const r = decodeExtendedHandshake(payload);
    expect(E.isLeft(r) && r.left.code).toBe(code);
    expect(E.isLeft(r) && r.left.message).toMatch(/^peer sent a bad extended handshake: /);
  });

  it('negotiated ids follow later handshakes; id 0 disables an extension', () => {
    const first = negotiatedIds(new Map(), right(decodeExtendedHandshake(encode({ m: { ut_metadata: 3, ut_pex: 4 } }))));
    const second = negotiatedIds(first, right(decodeExtendedHandshake(encode({ m: { ut_pex: 0, ut_metadata: 9 } }))));
    expect([...second]).toEqual([['ut_metadata', 9]]);
  });

  it("the peer's reqq bounds our pipeline to it", () => {
    expect(boundByReqq(120, undefined)).toBe(120);
    expect(boundByReqq(120, 250)).toBe(120);
    expect(boundByReqq(120, 16)).toBe(16);
    expect(boundByReqq(8, 0)).toBe(1); // a decoded reqq is >= 1; still never 0
  });

  it('never throws on arbitrary payloads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const r = decodeExtendedHandshake(b);
        if (E.isLeft(r)) expect(r.left._tag).toBe('ExtensionError');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeExtensionMessage', () => {
  it('routes by our advertised ids and ignores ids we never advertised', () => {
    const pex = right(decodeExtensionMessage(OUR_EXTENSION_IDS.ut_pex, encode({ added: new Uint8Array(0) })));
    expect(pex.extension).toBe('ut_pex');
    const md = right(decodeExtensionMessage(OUR_EXTENSION_IDS.ut_metadata, encode({ msg_type: 0, piece: 0 })));
    expect(md).toEqual({ extension: 'ut_metadata', message: { type: 'request', piece: 0 } });
    expect(right(decodeExtensionMessage(77, new Uint8Array(3)))).toEqual({ extension: 'unknown', extendedId: 77 });
  });

  it('treats ut_pex as unknown when it was not advertised (private torrent)', () => {
    const r = right(decodeExtensionMessage(OUR_EXTENSION_IDS.ut_pex, encode({ added: Uint8Array.of(127, 0, 0, 1, 0x1a, 0xe1) }), new Set(['ut_metadata'])));
    expect(r).toEqual({ extension: 'unknown', extendedId: OUR_EXTENSION_IDS.ut_pex });
  });

  it('closes on a message over the 1 MiB budget, whatever its id', () => {
    const r = decodeExtensionMessage(99, new Uint8Array(MAX_EXTENSION_MESSAGE_BYTES + 1));
    expect(E.isLeft(r) && r.left.code).toBe('too-large');
  });
});
