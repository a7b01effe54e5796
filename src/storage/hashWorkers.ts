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
 * and from the built package: it reads the ranges itself (1 MiB at a time into one reused
 * buffer) and hashes them, so neither file reads nor SHA-1 touch the main thread.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.alloc(1024 * 1024);
parentPort.on('message', ({ id, ranges }) => {
  const hash = createHash('sha1');
  try {
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
  readonly ranges: readonly HashRange[];
  readonly resolve: (r: E.Either<string, Uint8Array>) => void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | undefined;
}

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

  /** SHA-1 of the concatenated ranges, or the reason they could not be read (e.g. "ENOENT"). */
  hash(ranges: readonly HashRange[]): Promise<E.Either<string, Uint8Array>> {
    if (this.closed) return Promise.resolve(E.left('hash workers closed'));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, ranges, resolve });
      this.dispatch();
    });
  }

  /** Stops the workers; queued and running jobs resolve with an error. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(E.left('hash workers closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        s.job?.resolve(E.left('hash workers closed'));
        s.job = undefined;
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (msg: { id: number; digest?: Uint8Array; error?: string }) => {
      const job = slot.job;
      if (job === undefined || job.id !== msg.id) return;
      slot.job = undefined;
      worker.unref();
      job.resolve(msg.digest !== undefined ? E.right(new Uint8Array(msg.digest)) : E.left(msg.error ?? 'unknown error'));
      this.dispatch();
    });
    worker.on('error', (err) => {
      // A crashed worker fails its job and is replaced, so one bad read never stalls hashing.
      slot.job?.resolve(E.left(String(err)));
      slot.job = undefined;
      if (this.closed) return;
      const at = this.slots.indexOf(slot);
      if (at !== -1) this.slots[at] = this.spawn();
      this.dispatch();
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job !== undefined) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, ranges: job.ranges });
    }
  }
}
