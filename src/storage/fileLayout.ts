import type { FileEntry } from '../metainfo/types.js';

/** A run of bytes inside one file. */
export interface FileSegment {
  /** Index into the torrent's `files`. */
  readonly fileIndex: number;
  /** Byte offset inside that file. */
  readonly fileOffset: number;
  readonly length: number;
  /** BEP 47 padding: never written, reads as zeros. */
  readonly padding: boolean;
}

/**
 * Maps byte ranges of the torrent's concatenated content (BEP 3: pieces run across file
 * boundaries in file order) to file segments. Zero-length files hold no bytes and never appear.
 */
export class FileLayout {
  readonly files: readonly FileEntry[];
  readonly pieceLength: number;
  readonly totalLength: number;
  /** Start offsets of the non-empty files, for binary search. */
  private readonly starts: Float64Array;
  /** Indices (into `files`) of the non-empty files, parallel to {@link starts}. */
  private readonly fileIdx: Int32Array;

  constructor(files: readonly FileEntry[], pieceLength: number) {
    this.files = files;
    this.pieceLength = pieceLength;
    const nonEmpty: number[] = [];
    let total = 0;
    files.forEach((f, i) => {
      if (f.offset !== total) throw new RangeError(`file ${i} offset ${f.offset} does not follow the previous file (expected ${total})`);
      total += f.length;
      if (f.length > 0) nonEmpty.push(i);
    });
    this.totalLength = total;
    this.fileIdx = Int32Array.from(nonEmpty);
    this.starts = Float64Array.from(nonEmpty, (i) => files[i]!.offset);
  }

  /** Segments covering `length` bytes at absolute content offset `offset`, in order; [] when out of range. */
  segments(offset: number, length: number): FileSegment[] {
    const out: FileSegment[] = [];
    if (!(offset >= 0 && length >= 0 && offset + length <= this.totalLength) || length === 0) return out;
    // Last non-empty file starting at or before `offset`.
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    let pos = offset;
    let left = length;
    for (let k = lo; left > 0 && k < this.starts.length; k++) {
      const fileIndex = this.fileIdx[k]!;
      const f = this.files[fileIndex]!;
      const fileOffset = pos - f.offset;
      const n = Math.min(left, f.length - fileOffset);
      out.push({ fileIndex, fileOffset, length: n, padding: f.padding });
      pos += n;
      left -= n;
    }
    return out;
  }

  /** Segments of `length` bytes at `begin` within piece `index`. */
  pieceSegments(index: number, begin: number, length: number): FileSegment[] {
    return this.segments(index * this.pieceLength + begin, length);
  }
}
