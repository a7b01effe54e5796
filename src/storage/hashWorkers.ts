import { Worker } from 'node:worker_threads';
import * as E from 'fp-ts/lib/Either.js';

/** A byte range to hash: `length` bytes at `offset` of file `path`, or zeros when `path` is null (BEP 47 padding). */
export interface HashRange {
  readonly path: string | null;
  readonly offset: number;
  readonly length: number;
}

/**
 * The worker's program, as plain JavaScript so it runs the same from TypeScript sources (tests)
 * and from the built package. A job is either file ranges, which it reads itself (1 MiB at a
 * time into one reused buffer) and hashes, so neither file reads nor SHA-1 touch the main
 * thread; or bytes in memory shared with the main thread (`buffers` are SharedArrayBuffers or
 * copies, `parts` triples of buffer index, offset, length), hashed in place without a copy.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.alloc(1024 * 1024);
parentPort.on('message', ({ id, ranges, buffers, parts }) => {
  const hash = createHash('sha1');
  try {
    if (parts !== undefined) {
      for (let i = 0; i < parts.length; i += 3) hash.update(new Uint8Array(buffers[parts[i]], parts[i + 1], parts[i + 2]));
      parentPort.postMessage({ id, digest: hash.digest() });
      return;
    }
    for (const r of ranges) {
      if (r.path === null) {
        buf.fill(0);
        for (let done = 0; done < r.length; ) {
          const n = Math.min(buf.length, r.length - done);
          hash.update(buf.subarray(0, n));
          done += n;
        }
        continue;
      }
      const fd = openSync(r.path, 'r');
      try {
        for (let done = 0; done < r.length; ) {
          const n = readSync(fd, buf, 0, Math.min(buf.length, r.length - done), r.offset + done);
          if (n === 0) throw Object.assign(new Error('file ends early'), { code: 'short file' });
          hash.update(buf.subarray(0, n));
          done += n;
        }
      } finally {
        closeSync(fd);
      }
    }
    parentPort.postMessage({ id, digest: hash.digest() });
  } catch (e) {
    parentPort.postMessage({ id, error: (e && e.code) || String(e) });
  }
});
`;

interface Job {
  readonly id: number;
  /** What is posted to the worker: `{ ranges }` or `{ buffers, parts }` (see WORKER_SOURCE). */
  readonly body: { readonly ranges: readonly HashRange[] } | { readonly buffers: ArrayBufferLike[]; readonly parts: Float64Array };
  readonly resolve: (r: E.Either<string, Uint8Array>) => void;
}

let shared: HashWorkers | undefined;

interface Slot {
  readonly worker: Worker;
  /** Jobs posted to this worker, not yet answered (it runs them in order). */
  readonly jobs: Map<number, Job>;
}

/**
 * Jobs posted to one worker ahead of its answers: the worker must never idle waiting for a
 * busy main thread to hand it the next piece, yet queued work stays here, where a crashed
 * worker's share is known and the least busy worker gets the next job.
 */
const IN_FLIGHT_PER_WORKER = 16;

/**
 * A small pool of worker threads computing SHA-1 over file ranges (the piece hash check,
 * BEP 3), so a download at disk speed does not spend the main thread on hashing. Jobs queue
 * when every worker is busy. Workers keep the process alive only while they have work.
 */
export class HashWorkers {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;

  /** Starts `count` workers (default 1; SHA-1 of one piece at a time per worker). */
  constructor(count = 1) {
    for (let i = 0; i < Math.max(1, count); i++) this.slots.push(this.spawn());
  }

  /**
   * One worker shared by the whole process, started on first use and never closed (idle, it
   * does not keep the process alive), for storages that should not each start their own.
   */
  static shared(): HashWorkers {
    return (shared ??= new HashWorkers(1));
  }

  /** SHA-1 of the concatenated ranges, or the reason they could not be read (e.g. "ENOENT"). */
  hash(ranges: readonly HashRange[]): Promise<E.Either<string, Uint8Array>> {
    return this.submit({ ranges });
  }

  /**
   * SHA-1 of the concatenated `blocks`. Views of SharedArrayBuffers are hashed in place by the
   * worker (the caller must leave those bytes alone until this settles), as the storage's
   * block pool blocks are; other bytes are copied into the message.
   */
  hashBlocks(blocks: readonly Uint8Array[]): Promise<E.Either<string, Uint8Array>> {
    const buffers: ArrayBufferLike[] = [];
    const parts = new Float64Array(blocks.length * 3);
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      let at: number;
      if (b.buffer instanceof SharedArrayBuffer) {
        at = buffers.lastIndexOf(b.buffer); // consecutive blocks mostly share one slab
        if (at < 0) at = buffers.push(b.buffer) - 1;
        parts[i * 3 + 1] = b.byteOffset;
      } else {
        // a copy of exactly these bytes (Buffer#slice would be a view of its whole pool)
        at = buffers.push(Uint8Array.prototype.slice.call(b).buffer) - 1;
        parts[i * 3 + 1] = 0;
      }
      parts[i * 3] = at;
      parts[i * 3 + 2] = b.length;
    }
    return this.submit({ buffers, parts });
  }

  private submit(body: Job['body']): Promise<E.Either<string, Uint8Array>> {
    if (this.closed) return Promise.resolve(E.left('hash workers closed'));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, body, resolve });
      this.dispatch();
    });
  }

  /** Stops the workers; queued and running jobs resolve with an error. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(E.left('hash workers closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        for (const job of s.jobs.values()) job.resolve(E.left('hash workers closed'));
        s.jobs.clear();
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', (msg: { id: number; digest?: Uint8Array; error?: string }) => {
      const job = slot.jobs.get(msg.id);
      if (job === undefined) return;
      slot.jobs.delete(msg.id);
      if (slot.jobs.size === 0) worker.unref();
      job.resolve(msg.digest !== undefined ? E.right(new Uint8Array(msg.digest)) : E.left(msg.error ?? 'unknown error'));
      this.dispatch();
    });
    worker.on('error', (err) => {
      // A crashed worker fails its jobs and is replaced, so one bad read never stalls hashing.
      for (const job of slot.jobs.values()) job.resolve(E.left(String(err)));
      slot.jobs.clear();
      if (this.closed) return;
      const at = this.slots.indexOf(slot);
      if (at !== -1) this.slots[at] = this.spawn();
      this.dispatch();
    });
    return slot;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot: Slot | undefined;
      for (const s of this.slots) if (s.jobs.size < IN_FLIGHT_PER_WORKER && (slot === undefined || s.jobs.size < slot.jobs.size)) slot = s;
      if (slot === undefined) return;
      const job = this.queue.shift()!;
      if (slot.jobs.size === 0) slot.worker.ref();
      slot.jobs.set(job.id, job);
      slot.worker.postMessage({ id: job.id, ...job.body });
    }
  }
}
