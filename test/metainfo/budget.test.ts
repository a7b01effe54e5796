import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { encode } from '../../src/bencode/index.js';
import { MAX_ITEM_ERRORS } from '../../src/metainfo/bencodeDecoders.js';
import { MAX_TORRENT_BYTES, parseMetainfo } from '../../src/metainfo/index.js';
import { multiInfo, torrent } from './torrentFixtures.js';

const fill = (prefix: string, unit: string, count: number, suffix: string): Uint8Array => {
  const out = Buffer.alloc(prefix.length + unit.length * count + suffix.length);
  out.write(prefix, 0, 'latin1');
  let at = prefix.length;
  for (let i = 0; i < count; i++) at += out.write(unit, at, 'latin1');
  out.write(suffix, at, 'latin1');
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
};

/** A valid single-file torrent of about `bytes` bytes (a long `pieces` string). */
const bigTorrent = (bytes: number): Uint8Array => {
  const pieces = Math.floor(bytes / 20);
  return encode({ info: { length: pieces * 16384, name: 'big', 'piece length': 16384, pieces: new Uint8Array(pieces * 20) } });
};

describe('a .torrent is decoded within a budget', () => {
  it('the 6 MB torrent of 3M empty dictionaries from issue 10 is refused early, with one line', () => {
    const bytes = fill('l', 'de', 3_000_000, 'e');
    const r = parseMetainfo(bytes);
    if (E.isRight(r)) throw new Error('accepted');
    expect(r.left.code).toBe('bencode');
    expect(r.left.message).toMatch(/^invalid torrent: too complex to decode: more than 1500000 values \(the budget for 6000002 input bytes\) at byte \d+$/);
    // 300,000 dictionaries in, a tenth of the input: the work is bounded by the budget
    expect(r.left.bencode!.offset).toBeLessThan(bytes.length / 8);
  });

  it('a files list of empty dictionaries is refused by the budget, not by a million io-ts errors', () => {
    const bytes = fill('d4:infod5:filesl', 'de', 3_000_000, 'e4:name1:x12:piece lengthi16384e6:pieces0:ee');
    const r = parseMetainfo(bytes);
    expect(E.isLeft(r) && r.left.message).toMatch(/too complex to decode: more than 1500000 values/);
  });

  it('a list of bad file entries reports the first few problems only', () => {
    const files = Array.from({ length: 300 }, () => ({}));
    const r = parseMetainfo(torrent(multiInfo([['a']], [1], { files })));
    if (E.isRight(r)) throw new Error('accepted');
    expect(r.left.code).toBe('structure');
    expect(r.left.message).toMatch(/^invalid torrent: info > files\[0\] > length: missing .*\(and \d+ more problems\)$/);
    expect(r.left.tree!.match(/optional item \d+/g)!.length).toBe(MAX_ITEM_ERRORS);
  });

  it('refuses a torrent over 10 MB unless the limit is raised, which raises the item cap too', () => {
    const bytes = bigTorrent(MAX_TORRENT_BYTES + 1000);
    const r = parseMetainfo(bytes);
    if (E.isRight(r)) throw new Error('accepted');
    expect(r.left.code).toBe('too-large');
    expect(r.left.message).toBe(`invalid torrent: ${bytes.length} bytes is over the 10000000-byte limit for a .torrent`);
    expect(E.isRight(parseMetainfo(bytes, { maxBytes: 20_000_000 }))).toBe(true);
    // 2M integers (2M items) in a 12 MB torrent: the cap is 1.5M items per 10 MB of limit
    const many = fill('d1:al', 'i1234e', 2_000_000, `e4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:${'p'.repeat(20)}ee`);
    const tooMany = parseMetainfo(many, { maxBytes: many.length }); // cap 1.8M
    expect(E.isLeft(tooMany) && tooMany.left.bencode?.code).toBe('too-many-items');
    expect(E.isRight(parseMetainfo(many, { maxBytes: 20_000_000 }))).toBe(true); // cap 3M
    expect(E.isLeft(parseMetainfo(many, { maxBytes: 20_000_000, maxItems: 1_000_000 }))).toBe(true);
  });
});
