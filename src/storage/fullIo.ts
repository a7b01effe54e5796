/** File reads and writes that repeat until every byte is done (the OS may do fewer per call). */
import type { FileHandle } from 'node:fs/promises';

/** `pwrite` until all `length` bytes are written (the OS may write fewer per call). */
export const writeFully = async (fh: FileHandle, data: Uint8Array, from: number, length: number, position: number): Promise<void> => {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await fh.write(data, from + done, length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
};

/** `pwritev` until every byte of `buffers` is written at `position` (the OS may write fewer per call). */
export const writevFully = async (fh: FileHandle, buffers: Uint8Array[], position: number): Promise<void> => {
  let bufs = buffers;
  let pos = position;
  for (;;) {
    let total = 0;
    for (const b of bufs) total += b.length;
    if (total === 0) return;
    const { bytesWritten } = await fh.writev(bufs, pos);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    if (bytesWritten === total) return;
    bufs = sliceBuffers(bufs, bytesWritten, total - bytesWritten);
    pos += bytesWritten;
  }
};

/** Views of bytes [from, from + length) of the concatenation of `buffers` (no copying). */
export const sliceBuffers = (buffers: readonly Uint8Array[], from: number, length: number): Uint8Array[] => {
  const out: Uint8Array[] = [];
  let skip = from;
  let left = length;
  for (const b of buffers) {
    if (left === 0) break;
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    const n = Math.min(b.length - skip, left);
    out.push(skip === 0 && n === b.length ? b : b.subarray(skip, skip + n));
    left -= n;
    skip = 0;
  }
  return out;
};

/** `pread` until `length` bytes or end of file; returns the bytes read. */
export const readFully = async (fh: FileHandle, out: Uint8Array, from: number, length: number, position: number): Promise<number> => {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, from + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
};
