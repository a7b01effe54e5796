import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FileLayout, type FileSegment } from '../../src/storage/index.js';
import type { FileEntry } from '../../src/metainfo/types.js';

const filesArb = fc
  .array(fc.record({ length: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })), padding: fc.boolean() }), { minLength: 1, maxLength: 8 })
  .map((specs) => {
    let offset = 0;
    return specs.map((s, i): FileEntry => {
      const e = { path: [`f${i}`], length: s.length, offset, padding: s.padding };
      offset += s.length;
      return e;
    });
  });

/** Byte-by-byte model: which (file, offset) holds each content byte, then merge runs. */
const naive = (files: readonly FileEntry[], offset: number, length: number): FileSegment[] => {
  const owner: [number, number][] = [];
  files.forEach((f, i) => {
    for (let b = 0; b < f.length; b++) owner.push([i, b]);
  });
  const out: FileSegment[] = [];
  for (let pos = offset; pos < offset + length; pos++) {
    const [fi, fo] = owner[pos]!;
    const last = out[out.length - 1];
    if (last !== undefined && last.fileIndex === fi) out[out.length - 1] = { ...last, length: last.length + 1 };
    else out.push({ fileIndex: fi, fileOffset: fo, length: 1, padding: files[fi]!.padding });
  }
  return out;
};

describe('FileLayout', () => {
  it('maps any in-range byte run exactly like a byte-by-byte model', () => {
    fc.assert(
      fc.property(filesArb, fc.nat(), fc.nat(), (files, a, b) => {
        const total = files.reduce((s, f) => s + f.length, 0);
        const layout = new FileLayout(files, 7);
        const offset = total === 0 ? 0 : a % (total + 1);
        const length = (total - offset === 0 ? 0 : b % (total - offset + 1));
        expect(layout.segments(offset, length)).toEqual(naive(files, offset, length));
      }),
      { numRuns: 500 },
    );
  });

  it('maps piece-relative ranges through the piece length, never zero-length files', () => {
    const files: FileEntry[] = [
      { path: ['a'], length: 5, offset: 0, padding: false },
      { path: ['empty'], length: 0, offset: 5, padding: false },
      { path: ['pad'], length: 3, offset: 5, padding: true },
      { path: ['b'], length: 10, offset: 8, padding: false },
    ];
    const layout = new FileLayout(files, 6);
    expect(layout.pieceSegments(0, 0, 6)).toEqual([
      { fileIndex: 0, fileOffset: 0, length: 5, padding: false },
      { fileIndex: 2, fileOffset: 0, length: 1, padding: true },
    ]);
    expect(layout.pieceSegments(1, 1, 5)).toEqual([
      { fileIndex: 2, fileOffset: 2, length: 1, padding: true },
      { fileIndex: 3, fileOffset: 0, length: 4, padding: false },
    ]);
  });

  it('returns nothing for out-of-range runs', () => {
    const layout = new FileLayout([{ path: ['a'], length: 5, offset: 0, padding: false }], 4);
    expect(layout.segments(3, 3)).toEqual([]);
    expect(layout.segments(-1, 2)).toEqual([]);
  });
});
