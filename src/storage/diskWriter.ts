import { Worker } from 'node:worker_threads';

/** One block to write: `view`'s bytes at `position` of open file descriptor `fd`. */
export interface WritePart {
  readonly fd: number;
  readonly position: number;
  readonly view: Uint8Array;
}

/** What a {@link DiskWriter.write} gives back: the blocks and the error, if any. */
export interface WriteOutcome {
  /** The written views, in `parts` order: views of shared memory as they were, others over their buffers as moved back. */
  readonly views: Uint8Array[];
  /** The system error's code (e.g. "ENOSPC") or message; undefined when every byte was written. */
  readonly error: string | undefined;
  /** With `error`, the index of the part that failed (parts before it were written). */
  readonly failed: number;
}

/**
 * The worker's program (plain JavaScript, so it runs the same from sources and from the build):
 * one synchronous pwrite per part, repeated for the rare short write, then the buffers go back.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
parentPort.on('message', ({ id, buffers, parts }) => {
  let error;
  let i = 0;
  try {
    for (; i < parts.length; i += 5) {
      const view = new Uint8Array(buffers[parts[i + 2]], parts[i + 3], parts[i + 4]);
      for (let done = 0; done < view.length; ) {
        const n = writeSync(parts[i], view, done, view.length - done, parts[i + 1] + done);
        if (n <= 0) throw new Error('write made no progress');
        done += n;
      }
    }
  } catch (e) {
    error = (e && e.code) || (e && e.message) || String(e);
  }
  // shared memory stays shared; other buffers move back
  parentPort.postMessage({ id, buffers, error, failed: i / 5 }, buffers.filter((b) => !(b instanceof SharedArrayBuffer)));
});
`;

interface Job {
  /** Per part: fd, position, buffer index, offset, length (a detached view reads 0 for the last two). */
  readonly numbers: Float64Array;
  /** The buffers sent, by index: shared ones are used again as they are (the worker's copy is another object). */
  readonly buffers: readonly ArrayBufferLike[];
  readonly resolve: (outcome: WriteOutcome) => void;
}

let shared: DiskWriter | undefined;

/**
 * Writes downloaded blocks on a worker thread, one synchronous 16 KiB `pwrite` at a time, the
 * blocks read in place from shared memory (the block pool's slabs; no copies). Measured on
 * this project's 2-core VM, 1 GiB: one 256 KiB `pwritev` per piece through libuv's pool, several in flight,
 * cost 0.6 s of kernel time when memory is warm and 2-4 s when the kernel must find fresh
 * page-cache memory (large writes get large folios from memory the hypervisor took back, and
 * the pool's threads spin on the file's inode lock); one thread writing 16 KiB at a time cost
 * 0.4-0.7 s either way, and a libuv request per block costs 3-5x that in hand-offs.
 */
export class DiskWriter {
  private worker: Worker;
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  private closed = false;

  constructor() {
    this.worker = this.spawn();
  }

  /** One writer shared by the whole process, started on first use; idle, it does not keep the process alive. */
  static shared(): DiskWriter {
    return (shared ??= new DiskWriter());
  }

  /**
   * Writes `parts` in order. Views of SharedArrayBuffers are read in place (leave those bytes
   * alone until this settles); other buffers are moved to the worker (detached here) and back,
   * and the outcome's views are the same bytes over the returned buffers. Views of one buffer
   * may appear in several parts. The caller keeps every `fd` open until this settles.
   */
  write(parts: readonly WritePart[]): Promise<WriteOutcome> {
    if (this.closed) return Promise.resolve({ views: parts.map((p) => p.view), error: 'disk writer closed', failed: 0 });
    const detached = parts.findIndex((p) => p.view.buffer.byteLength === 0);
    if (detached >= 0) return Promise.resolve({ views: parts.map((p) => p.view), error: 'buffer already moved away (detached)', failed: detached });
    const buffers: ArrayBufferLike[] = [];
    const moved: ArrayBuffer[] = [];
    const numbers = new Float64Array(parts.length * 5);
    for (let i = 0; i < parts.length; i++) {
      const { fd, position, view } = parts[i]!;
      const buffer = view.buffer;
      let at = buffers.lastIndexOf(buffer); // a block split over two files is two parts of one buffer
      if (at < 0) {
        at = buffers.push(buffer) - 1;
        if (!(buffer instanceof SharedArrayBuffer)) moved.push(buffer);
      }
      numbers.set([fd, position, at, view.byteOffset, view.length], i * 5);
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      try {
        this.worker.postMessage({ id, buffers, parts: numbers }, moved);
      } catch (e) {
        // e.g. a buffer that cannot be moved: nothing was sent, the views are as they were
        resolve({ views: parts.map((p) => p.view), error: e instanceof Error ? e.message : String(e), failed: 0 });
        return;
      }
      if (this.jobs.size === 0) this.worker.ref();
      this.jobs.set(id, { numbers, buffers, resolve });
    });
  }

  /** Stops the worker; writes in flight resolve with an error (their buffers are lost to the GC). */
  async close(): Promise<void> {
    this.closed = true;
    // stopped first: a write still running must not land after its caller closed the file
    await this.worker.terminate();
    this.failAll('disk writer closed');
  }

  private spawn(): Worker {
    // its JavaScript allocates a few small objects per piece: a small heap keeps its RSS small
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    worker.unref();
    worker.on('message', (msg: { id: number; buffers: ArrayBuffer[]; error: string | undefined; failed: number }) => {
      const job = this.jobs.get(msg.id);
      if (job === undefined) return;
      this.jobs.delete(msg.id);
      if (this.jobs.size === 0) worker.unref();
      const n = job.numbers;
      const views: Uint8Array[] = [];
      for (let i = 0; i < n.length; i += 5) {
        const k = n[i + 2]!;
        const sent = job.buffers[k]!;
        views.push(new Uint8Array(sent instanceof SharedArrayBuffer ? sent : msg.buffers[k]!, n[i + 3], n[i + 4]));
      }
      job.resolve({ views, error: msg.error, failed: msg.failed });
    });
    // a crashed worker fails what it held (those buffers are gone) and is replaced
    worker.on('error', (err) => this.replace(worker, String(err)));
    worker.on('exit', (code) => this.replace(worker, `disk writer exited (${code})`));
    return worker;
  }

  private replace(worker: Worker, error: string): void {
    if (worker !== this.worker || this.closed) return; // already replaced ('error' then 'exit'), or closing
    this.failAll(error);
    this.worker = this.spawn();
  }

  private failAll(error: string): void {
    for (const job of this.jobs.values()) job.resolve({ views: [], error, failed: 0 });
    this.jobs.clear();
  }
}
