import type { Socket, OnReadOpts } from 'node:net';

/**
 * Bytes libuv reads at most at once into the shared buffer. Node's own reads are 64 KiB; one
 * read takes whatever the socket holds up to this. Measured (1 GiB from libtorrent seeders on
 * loopback, A/B in one run, 3-4 rounds): 256 KiB against 64 KiB cut wall time 10-15% and our
 * CPU 8-15% with 4 seeders, and the seeders' CPU ~10% (each of our reads made a wake-up for
 * them: finish_task_switch was their top symbol); 1 MiB was as good or a little better.
 */
const READ_BYTES = 1024 * 1024;

/**
 * One read buffer shared by every socket created with {@link reusedReadOptions}. Node allocates
 * a fresh off-heap buffer for each socket read otherwise: a GiB downloaded is 16k+ of
 * them, and that external memory is what drives V8's full garbage collections (tens per GiB).
 * Sharing is safe because each read is handed to its socket's handler synchronously, before
 * the next read into the buffer; handlers copy whatever they keep.
 */
const shared = Buffer.allocUnsafeSlow(READ_BYTES);

const ignore = (): void => undefined;
const handlers = new WeakMap<Socket, (chunk: Uint8Array) => void>();
/** Reads that arrived before a handler was registered, copied. */
const early = new WeakMap<Socket, Uint8Array[]>();
const reusing = new WeakSet<Socket>();

/** Node's `onread` option for `net.connect`: reads go into the shared buffer (pass the socket to {@link markReusedReads}). */
export const reusedReadOptions: OnReadOpts = {
  buffer: shared,
  callback(this: unknown, nread: number, buf: Uint8Array): boolean {
    // a plain Uint8Array: Buffer's slice() would be a view, not the copy consumers rely on
    handOver(this as Socket, new Uint8Array(buf.buffer, buf.byteOffset, nread), true);
    return true;
  },
};

/** Gives `chunk` to the socket's handler now, or keeps it (copied when `transient`: a view of the shared buffer) for the next one. */
function handOver(socket: Socket, chunk: Uint8Array, transient: boolean): void {
  const handler = handlers.get(socket);
  if (handler !== undefined) handler(chunk);
  else {
    const list = early.get(socket) ?? [];
    list.push(transient ? new Uint8Array(chunk) : chunk);
    early.set(socket, list);
  }
}

/** Records that `socket` was created with {@link reusedReadOptions} (it emits no 'data'). */
export function markReusedReads(socket: Socket): void {
  reusing.add(socket);
}

/** True when `socket` delivers reads through {@link onReusedRead} instead of 'data' events. */
export function usesReusedReads(socket: Socket): boolean {
  return reusing.has(socket);
}

/**
 * Sends `socket`'s reads to `handler`. A chunk is only valid during the call: it is a view of
 * the shared buffer, overwritten by the next read. Returns the function that unregisters it.
 */
export function onReusedRead(socket: Socket, handler: (chunk: Uint8Array) => void): () => void {
  handlers.set(socket, handler);
  const pending = early.get(socket);
  if (pending !== undefined) {
    early.delete(socket);
    // each to whoever reads now: a handler may let go midway (an MSE handshake that is over)
    for (const c of pending) handOver(socket, c, false);
  }
  return () => {
    // later reads are dropped, not collected as early ones
    if (handlers.get(socket) === handler) handlers.set(socket, ignore);
  };
}

/**
 * Stops handing `socket`'s reads to its current handler and keeps them (copied) for the next
 * {@link onReusedRead} instead: an MSE handshake reads the first bytes, the wire stack the rest.
 */
export function holdReusedReads(socket: Socket): void {
  handlers.delete(socket);
}
