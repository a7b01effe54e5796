import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Observable } from 'rxjs';
import { createError, type CreateError } from './createError.js';
import type { ContentFile } from './scanContent.js';

/** Hashing progress: bytes hashed so far out of the total. */
export interface HashProgress {
  readonly type: 'progress';
  readonly bytesHashed: number;
  readonly totalBytes: number;
}

/** The finished piece hashes (20 bytes each, concatenated). */
export interface HashDone {
  readonly type: 'hashed';
  readonly pieces: Uint8Array;
}

/** Read size: large enough for SHA-1 throughput, small enough to keep memory flat. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Computes the SHA-1 of every piece of the concatenated files (BEP 3: pieces span file
 * boundaries). Reads in fixed 1 MiB chunks through one reused buffer, so memory stays constant
 * whatever the content size (only the 20-byte-per-piece result grows).
 *
 * Emits `progress` after each chunk (monotonic, ending at `totalBytes`), then one `hashed`,
 * then completes. Errors with a {@link CreateError} if a file cannot be read or changes size.
 * Unsubscribing stops the reading.
 */
export function hashPieces(files: readonly ContentFile[], pieceLength: number): Observable<HashProgress | HashDone> {
  return new Observable<HashProgress | HashDone>((subscriber) => {
    let stopped = false;
    const totalBytes = files.reduce((s, f) => s + f.length, 0);
    const pieceCount = Math.ceil(totalBytes / pieceLength);
    const pieces = new Uint8Array(pieceCount * 20);
    let hash: Hash = createHash('sha1');
    let inPiece = 0;
    let pieceIndex = 0;
    let bytesHashed = 0;

    const finishPiece = (): void => {
      pieces.set(hash.digest(), pieceIndex * 20);
      pieceIndex++;
      hash = createHash('sha1');
      inPiece = 0;
    };
    const feed = (buf: Uint8Array): void => {
      let off = 0;
      while (off < buf.length) {
        const take = Math.min(buf.length - off, pieceLength - inPiece);
        hash.update(buf.subarray(off, off + take));
        inPiece += take;
        off += take;
        if (inPiece === pieceLength) finishPiece();
      }
    };

    const run = async (): Promise<void> => {
      const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(1, totalBytes)));
      for (const file of files) {
        if (file.length === 0) continue;
        let fh;
        try {
          fh = await open(file.absolutePath, 'r');
        } catch (e) {
          throw createError('read-failed', `${file.absolutePath}: ${(e as Error).message}`);
        }
        try {
          let pos = 0;
          while (pos < file.length) {
            if (stopped) return;
            const want = Math.min(buffer.length, file.length - pos);
            const { bytesRead } = await fh.read(buffer, 0, want, pos);
            if (bytesRead === 0) throw createError('changed', `${file.absolutePath}: file shrank while it was being hashed`);
            feed(buffer.subarray(0, bytesRead));
            pos += bytesRead;
            bytesHashed += bytesRead;
            subscriber.next({ type: 'progress', bytesHashed, totalBytes });
          }
          const st = await fh.stat();
          if (st.size !== file.length) throw createError('changed', `${file.absolutePath}: file changed size while it was being hashed`);
        } finally {
          await fh.close();
        }
      }
      if (inPiece > 0) finishPiece();
      if (bytesHashed === 0) subscriber.next({ type: 'progress', bytesHashed, totalBytes });
      subscriber.next({ type: 'hashed', pieces });
      subscriber.complete();
    };
    run().catch((e: unknown) => {
      if (stopped) return;
      const err: CreateError =
        typeof e === 'object' && e !== null && (e as CreateError)._tag === 'CreateError'
          ? (e as CreateError)
          : createError('read-failed', (e as Error).message);
      subscriber.error(err);
    });
    return () => {
      stopped = true;
    };
  });
}
