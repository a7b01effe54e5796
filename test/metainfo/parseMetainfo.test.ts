import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { parseMetainfo, type Metainfo } from '../../src/metainfo/index.js';
import { ascii, fakePieces, multiInfo, PIECE, singleInfo, torrent } from './torrentFixtures.js';

const ok = (bytes: Uint8Array): Metainfo => {
  const r = parseMetainfo(bytes);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe('parseMetainfo on valid torrents', () => {
  it('reads a single-file torrent', () => {
    const m = ok(torrent(singleInfo({ private: 1 }), { comment: 'hi', 'created by': 'me', 'creation date': 1700000000 }));
    expect(m.name).toBe('file.bin');
    expect(m.multiFile).toBe(false);
    expect(m.pieceLength).toBe(PIECE);
    expect(m.pieceCount).toBe(3);
    expect(m.pieces).toEqual(fakePieces(3));
    expect(m.totalLength).toBe(40000);
    expect(m.files).toEqual([{ path: ['file.bin'], length: 40000, offset: 0, padding: false }]);
    expect(m.announceList).toEqual([['http://127.0.0.1:6969/announce']]);
    expect(m.private).toBe(true);
    expect(m.comment).toBe('hi');
    expect(m.createdBy).toBe('me');
    expect(m.creationDate).toBe(1700000000);
  });

  it('places multi-file entries at running offsets under the torrent name, with BEP 47 padding', () => {
    const info = multiInfo([['a.bin'], ['.pad', '0'], ['sub', 'b.bin'], ['empty']], [20000, 12768, 7232, 0]);
    const files = info.files as { length: number; path: string[]; attr?: string }[];
    files[1]!.attr = 'p';
    files[2]!.attr = 'x';
    const m = ok(torrent(info));
    expect(m.multiFile).toBe(true);
    expect(m.files).toEqual([
      { path: ['folder', 'a.bin'], length: 20000, offset: 0, padding: false },
      { path: ['folder', '.pad', '0'], length: 12768, offset: 20000, padding: true },
      { path: ['folder', 'sub', 'b.bin'], length: 7232, offset: 32768, padding: false },
      { path: ['folder', 'empty'], length: 0, offset: 40000, padding: false },
    ]);
    expect(m.totalLength).toBe(40000);
  });

  it('hashes the original info bytes, even with unsorted keys and unknown fields', () => {
    const pieces = fakePieces(1);
    const infoText = Buffer.concat([
      ascii('d6:pieces20:'), pieces, ascii('4:name1:x12:piece lengthi16384e6:lengthi5e7:x-extrali1ei2eee'),
    ]);
    const bytes = Buffer.concat([ascii('d4:info'), infoText, ascii('e')]);
    const m = ok(bytes);
    expect(m.infoHashHex).toBe(createHash('sha1').update(infoText).digest('hex'));
    expect(Buffer.from(m.infoBytes).equals(infoText)).toBe(true);
    expect(Buffer.from(m.infoHash).toString('hex')).toBe(m.infoHashHex);
  });

  it('prefers valid name.utf-8 and path.utf-8, and ignores invalid ones', () => {
    const latin1Name = new Uint8Array([0x63, 0x61, 0x66, 0xe9]); // "café" in latin1: not UTF-8
    const info = multiInfo([['x']], [40000], { name: latin1Name, 'name.utf-8': 'café' });
    (info.files as { 'path.utf-8'?: unknown }[])[0]!['path.utf-8'] = ['ünï', 'cödé'];
    const m = ok(torrent(info));
    expect(m.name).toBe('café');
    expect(m.files[0]!.path).toEqual(['café', 'ünï', 'cödé']);

    const bad = multiInfo([['plain']], [40000], { 'name.utf-8': new Uint8Array([0xff, 0xfe]) });
    (bad.files as { 'path.utf-8'?: unknown }[])[0]!['path.utf-8'] = [new Uint8Array([0xc3])];
    const m2 = ok(torrent(bad));
    expect(m2.name).toBe('folder');
    expect(m2.files[0]!.path).toEqual(['folder', 'plain']);
  });

  it('replaces invalid UTF-8 in names instead of rejecting them', () => {
    const m = ok(torrent(singleInfo({ name: new Uint8Array([0x61, 0xff, 0x62]) })));
    expect(m.name).toBe('a\ufffdb');
  });

  it('takes tiers from announce-list (BEP 12), dropping empty URLs, repeats and empty tiers', () => {
    const m = ok(
      torrent(singleInfo(), {
        'announce-list': [['http://a/ann', 'http://b/ann'], [], ['', 'http://a/ann'], ['udp://c:1']],
      }),
    );
    expect(m.announceList).toEqual([['http://a/ann', 'http://b/ann'], ['udp://c:1']]);
    expect(ok(torrent(singleInfo(), { announce: undefined })).announceList).toEqual([]);
  });

  it('accepts url-list as one URL or a list (BEP 19)', () => {
    expect(ok(torrent(singleInfo(), { 'url-list': 'http://ws/' })).urlList).toEqual(['http://ws/']);
    expect(ok(torrent(singleInfo(), { 'url-list': ['http://a/', '', 'http://b/'] })).urlList).toEqual(['http://a/', 'http://b/']);
    expect(ok(torrent(singleInfo(), { 'url-list': '' })).urlList).toEqual([]);
  });

  it('drops descriptive fields of the wrong type rather than the torrent', () => {
    const m = ok(torrent(singleInfo({ private: 0 }), { comment: 5, 'created by': ['x'], 'creation date': 2n ** 70n }));
    expect(m.comment).toBeUndefined();
    expect(m.createdBy).toBeUndefined();
    expect(m.creationDate).toBeUndefined();
    expect(m.private).toBe(false);
  });

  it('accepts a piece length that is not a power of two and a last piece that is short', () => {
    const m = ok(torrent(singleInfo({ 'piece length': 12345, length: 24691, pieces: fakePieces(3) })));
    expect(m.pieceCount).toBe(3);
  });
});
