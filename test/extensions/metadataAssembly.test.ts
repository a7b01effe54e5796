import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { answerMetadataRequest, MAX_METADATA_SIZE, MetadataAssembly } from '../../src/extensions/index.js';
import { magnetLink, metainfoFromMetadata, parseMagnet } from '../../src/magnet/index.js';
import { sampleInfo } from './sampleInfo.js';

const assemblyOf = (size: number): MetadataAssembly => {
  const r = MetadataAssembly.create(size);
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};
const piece = (info: Uint8Array, i: number): Uint8Array => {
  const a = answerMetadataRequest(info, i);
  if (a.type !== 'data') throw new Error('beyond the end');
  return a.data;
};

describe('MetadataAssembly', () => {
  it('refuses a claimed size of 0, 2^40 or over the 8 MiB bound without allocating', () => {
    for (const size of [0, -5, 2 ** 40, MAX_METADATA_SIZE + 1, 1.5]) expect(E.isLeft(MetadataAssembly.create(size))).toBe(true);
    expect(E.isRight(MetadataAssembly.create(MAX_METADATA_SIZE))).toBe(true);
  });

  it('assembles pieces from two peers and verifies the SHA-1 against the info hash', () => {
    const { infoBytes, infoHashHex } = sampleInfo(2000);
    const a = assemblyOf(infoBytes.length);
    expect(a.pieceCount).toBe(3);
    expect(a.unrequested()).toEqual([0, 1, 2]);
    a.markRequested(0, 'A');
    a.markRequested(1, 'B');
    a.markRequested(2, 'A');
    expect(a.requestedOf('A')).toEqual([0, 2]);
    expect(a.unrequested()).toEqual([]);
    for (const [p, i] of [['A', 0], ['B', 1], ['A', 2]] as const) {
      expect(a.fault(p, i, infoBytes.length, piece(infoBytes, i))).toBeUndefined();
      a.store(p, i, piece(infoBytes, i));
    }
    expect(a.isComplete()).toBe(true);
    expect(a.matches(infoHashHex)).toBe(true);
    expect(a.contributors().sort()).toEqual(['A', 'B']);
    expect(Buffer.from(a.bytes()).equals(Buffer.from(infoBytes))).toBe(true);
  });

  it('names every fault of a data message', () => {
    const { infoBytes } = sampleInfo(2000);
    const a = assemblyOf(infoBytes.length);
    a.markRequested(0, 'A');
    a.markRequested(2, 'A');
    expect(a.fault('B', 0, infoBytes.length, piece(infoBytes, 0))).toBe('unrequested');
    expect(a.fault('A', 1, infoBytes.length, piece(infoBytes, 1))).toBe('unrequested');
    expect(a.fault('A', 9, infoBytes.length, new Uint8Array(1))).toBe('unrequested');
    expect(a.fault('A', 0, infoBytes.length + 1, piece(infoBytes, 0))).toBe('wrong-total-size');
    expect(a.fault('A', 0, infoBytes.length, new Uint8Array(100))).toBe('wrong-length');
    expect(a.fault('A', 2, infoBytes.length, new Uint8Array(16384))).toBe('wrong-length'); // the last piece is shorter
    a.release('A', 0);
    expect(a.requestedOf('A')).toEqual([2]);
    a.release('A');
    expect(a.unrequested()).toEqual([0, 1, 2]);
  });

  it('after a failed mixed attempt, the verified copy shows which peer lied', () => {
    const { infoBytes, infoHashHex } = sampleInfo(2000);
    const bad = assemblyOf(infoBytes.length);
    for (const [p, i] of [['honest', 0], ['liar', 1], ['honest', 2]] as const) {
      bad.markRequested(i, p);
      bad.store(p, i, p === 'liar' ? piece(infoBytes, i).map((x) => x ^ 1) : piece(infoBytes, i));
    }
    expect(bad.matches(infoHashHex)).toBe(false);
    const witnesses = bad.witnesses();
    const good = assemblyOf(infoBytes.length);
    for (let i = 0; i < 3; i++) {
      good.markRequested(i, 'honest');
      good.store('honest', i, piece(infoBytes, i));
    }
    expect(good.matches(infoHashHex)).toBe(true);
    expect(good.liarsAmong(witnesses)).toEqual(['liar']);
  });
});

describe('metainfoFromMetadata', () => {
  it('builds the torrent from the info bytes and the magnet trackers, with the same info hash', () => {
    const { infoBytes, infoHashHex } = sampleInfo(5, 'movie.mkv');
    const magnet = E.getOrElseW(() => { throw new Error('bad link'); })(
      parseMagnet(`magnet:?xt=urn:btih:${infoHashHex}&dn=x&tr=http://127.0.0.1:6969/announce&tr=udp://127.0.0.1:6969&ws=http://127.0.0.1/seed`),
    );
    const r = metainfoFromMetadata(infoBytes, magnet);
    if (E.isLeft(r)) throw new Error(r.left.message);
    const m = r.right.metainfo;
    expect(m.infoHashHex).toBe(infoHashHex);
    expect(m.infoBytes).toEqual(infoBytes);
    expect(m.name).toBe('movie.mkv');
    expect(m.announceList).toEqual([['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969']]);
    expect(m.urlList).toEqual(['http://127.0.0.1/seed']);
    expect(magnetLink(m)).toBe(
      `magnet:?xt=urn:btih:${infoHashHex}&dn=movie.mkv&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&tr=udp%3A%2F%2F127.0.0.1%3A6969&ws=http%3A%2F%2F127.0.0.1%2Fseed`,
    );
  });

  it('keeps the private flag and works without trackers', () => {
    const { infoBytes, infoHashHex } = sampleInfo(1, 'p', true);
    const r = metainfoFromMetadata(infoBytes, { infoHashHex, trackers: [], webSeeds: [] });
    expect(E.isRight(r) && r.right.metainfo.private).toBe(true);
    expect(E.isRight(r) && r.right.metainfo.announceList).toEqual([]);
  });

  it('refuses metadata for another torrent, and info bytes the metainfo parser rejects', () => {
    const { infoBytes } = sampleInfo(1);
    const other = metainfoFromMetadata(infoBytes, { infoHashHex: '0'.repeat(40), trackers: [], webSeeds: [] });
    expect(E.isLeft(other) && other.left.message).toMatch(/not the magnet's 0{40}/);
    const broken = metainfoFromMetadata(new TextEncoder().encode('d4:name1:xe'), { infoHashHex: '0'.repeat(40), trackers: [], webSeeds: [] });
    expect(E.isLeft(broken) && broken.left.code).toBe('structure');
  });
});
