import { Worker } from 'node:worker_threads';

/** One block to write: `view`'s bytes at `position` of open file descriptor `fd`. */
export interface WritePart {
  readonly fd: number;
  readonly position: number;
  readonly view: Uint8Array;
}

/** Why a {@link DiskWriter.write} failed: the system error's code (e.g. "ENOSPC") or message, and the part it stopped at (those before it were written). */
export interface WriteError {
  readonly error: string;
  readonly failed: number;
}

/**
 * The worker's program (plain JavaScript, so it runs the same from sources and from the build):
 * one synchronous pwrite per part, repeated for the rare short write, then the outcome.
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
  parentPort.postMessage({ id, error, failed: i / 5 });
});
`;

type Job = (outcome: WriteError | undefined) => void;

let shared: DiskWriter | undefined;

/**
 * An idle worker ends after this long. Its heap still views every slab it was sent until it
 * collects garbage, and idle it never does: a finished download kept its ~14 MiB of block
 * slabs alive for as long as the process ran. A new write starts a worker again, at 20-40 ms
 * of CPU: a minute keeps that negligible for a download slow enough to idle between pieces.
 */
const IDLE_MS = 60_000;

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
  /** Started by the first write after none was running (see {@link IDLE_MS}). */
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  private closed = false;
  private idleTimer: NodeJS.Timeout | undefined;

  /** One writer shared by the whole process, started on first use; idle, it does not keep the process alive. */
  static shared(): DiskWriter {
    return (shared ??= new DiskWriter());
  }

  /**
   * Writes `parts` in order; resolves with the error, if any. Their views must be of
   * SharedArrayBuffers (the block pool's slabs), read in place: leave those bytes alone, and
   * every `fd` open, until this settles.
   */
  write(parts: readonly WritePart[]): Promise<WriteError | undefined> {
    if (this.closed) return Promise.resolve({ error: 'disk writer closed', failed: 0 });
    const unshared = parts.findIndex((p) => !(p.view.buffer instanceof SharedArrayBuffer));
    if (unshared >= 0) return Promise.resolve({ error: 'not in shared memory', failed: unshared });
    const buffers: SharedArrayBuffer[] = [];
    const numbers = new Float64Array(parts.length * 5);
    for (let i = 0, at = 0; i < parts.length; i++, at += 5) {
      const { fd, position, view } = parts[i]!;
      const buffer = view.buffer as SharedArrayBuffer;
      let k = buffers.lastIndexOf(buffer); // consecutive blocks mostly share one slab
      if (k < 0) k = buffers.push(buffer) - 1;
      numbers[at] = fd;
      numbers[at + 1] = position;
      numbers[at + 2] = k;
      numbers[at + 3] = view.byteOffset;
      numbers[at + 4] = view.length;
    }
    clearTimeout(this.idleTimer);
    let worker: Worker;
    try {
      worker = this.worker ??= this.spawn();
    } catch (e) {
      // a thread can fail to start (ERR_WORKER_INIT_FAILED, no memory): a write failure, as a value
      const c = e as { code?: unknown; message?: unknown } | null;
      return Promise.resolve({ error: typeof c?.code === 'string' ? c.code : String(c?.message ?? e), failed: 0 });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (this.jobs.size === 0) worker.ref();
      this.jobs.set(id, resolve);
      worker.postMessage({ id, buffers, parts: numbers });
    });
  }

  /** Stops the worker; writes in flight resolve with an error. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    // stopped first: a write still running must not land after its caller closed the file
    await worker?.terminate();
    this.failAll('disk writer closed');
  }

  private spawn(): Worker {
    // its JavaScript allocates a few small objects per piece: a small heap keeps its RSS small
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    worker.unref();
    worker.on('message', (msg: { id: number; error: string | undefined; failed: number }) => {
      const job = this.jobs.get(msg.id);
      if (job === undefined) return;
      this.jobs.delete(msg.id);
      if (this.jobs.size === 0) {
        worker.unref();
        this.retireWhenIdle(worker);
      }
      job(msg.error === undefined ? undefined : { error: msg.error, failed: msg.failed });
    });
    // a crashed worker fails what it held (those buffers are gone); the next write starts another
    worker.on('error', (err) => this.replace(worker, String(err)));
    worker.on('exit', (code) => this.replace(worker, `disk writer exited (${code})`));
    return worker;
  }

  /** Ends `worker` once it has had nothing to do for {@link IDLE_MS}. */
  private retireWhenIdle(worker: Worker): void {
    clearTimeout(this.idleTimer);
    if (this.closed) return;
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker || this.jobs.size > 0) return;
      this.worker = undefined; // its 'exit' is then not a crash to replace
      void worker.terminate();
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private replace(worker: Worker, error: string): void {
    if (worker !== this.worker || this.closed) return; // already replaced ('error' then 'exit'), or closing
    this.failAll(error);
    this.worker = undefined; // the next write starts another
  }

  private failAll(error: string): void {
    for (const job of this.jobs.values()) job({ error, failed: 0 });
    this.jobs.clear();
  }
}
