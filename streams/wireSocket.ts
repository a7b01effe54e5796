import type { Socket } from 'node:net';
import { BehaviorSubject, concat, defer, Observable, of, share, tap } from 'rxjs';
import {
  describeWireError,
  encodeHandshake,
  encodeBlockRefs,
  encodeHaves,
  encodeMessageParts,
  type BlockRef,
  type BlockRefMessageType,
  type Handshake,
  type WireError,
  type WireMessage,
} from '../src/wire/index.js';
import { wireFrames, type FrameEvent, type FrameOptions } from './frames.js';
import { onReusedRead, usesReusedReads } from './reusedReads.js';
import type { WireTransport } from './wireTransport.js';
import type { PeerEncryption } from '../src/mse/mseTypes.js';

/** Why a connection ended, as a value (never a thrown error). Assignable to the machine's CloseReason. */
export type ConnectionEnd =
  | { readonly code: 'protocol'; readonly error: WireError; readonly message: string }
  | { readonly code: 'remoteClosed' | 'socketError' | 'local'; readonly message: string };

/** What `incoming$` carries: frames, then exactly one `end`, then completion. */
export type IncomingEvent = FrameEvent | { readonly kind: 'end'; readonly end: ConnectionEnd };

/** `written`: handed to the socket; `queued`: held until the socket drains; `closed`: dropped. */
export type SendResult = 'written' | 'queued' | 'closed';

/** A peer connection as streams and plain calls; nothing here throws or emits 'error'. */
export interface WireSocket {
  /**
   * Hot and shared: subscribe every consumer synchronously after `wrapWireSocket` (socket
   * data only flows from the next tick on, so nobody misses the handshake).
   */
  readonly incoming$: Observable<IncomingEvent>;
  sendHandshake(h: Handshake): SendResult;
  /**
   * Writes `m`. `written` is called exactly once, when the socket no longer holds `m`'s bytes:
   * they were written out, or dropped because the connection ended (then only once the socket
   * has closed, so a write still in flight never reads a buffer its owner already reused).
   * A sender recycling `m`'s buffers (e.g. a piece's block) gives them back there.
   */
  send(m: WireMessage, written?: () => void): SendResult;
  /**
   * Writes one `type` message per block reference, in order, as one buffer: a batch of dozens
   * of 17-byte requests costs one socket write and no message objects.
   */
  sendBlockRefs(type: BlockRefMessageType, refs: readonly BlockRef[]): SendResult;
  /** Writes a `have` per piece index, in order, as one buffer (a batch of verified pieces). */
  sendHaves(indices: readonly number[]): SendResult;
  /** Destroys the socket; `incoming$` then ends with `{ code: 'local', message }`. */
  close(message: string): void;
  /**
   * Stops reading the socket (true) or reads again (false): unread bytes wait in the kernel and
   * TCP flow control slows the sender (the downloader's hard cap when the disk is behind).
   */
  pauseReading(paused: boolean): void;
  /** False while the socket holds more than its send buffer's worth of unwritten bytes, until it drains. */
  readonly writable$: Observable<boolean>;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Bytes waiting for 'drain'. */
  readonly queuedBytes: number;
  /** Bytes not yet written out: in the socket's own buffer and waiting for 'drain'. */
  readonly unsentBytes: number;
  /** The connection is over (destroyed, failed or ended by the peer): sends return `closed`. */
  readonly finished: boolean;
  /** How the connection is carried: `none` until an MSE handshake says otherwise. */
  readonly encryption: PeerEncryption;
}

/** Framing rules plus how much unsent data we hold before giving up on a peer that never reads. */
export interface WireSocketOptions {
  readonly frames: FrameOptions;
  /** Queue limit; above it the connection is closed (default 8 MiB). */
  readonly maxQueuedBytes?: number;
  /**
   * How bytes are carried past an MSE handshake (see `WireTransport`); a promise holds reading
   * back until a dialled MSE handshake is over (`undefined`: it failed, nothing is read).
   */
  readonly transport?: WireTransport | Promise<WireTransport | undefined>;
  /**
   * Bytes the socket may hold unwritten before sends are queued here (default
   * {@link SEND_BUFFER_BYTES}; never less than the socket's own high-water mark).
   */
  readonly sendBufferBytes?: number;
}

/**
 * Default {@link WireSocketOptions.sendBufferBytes}. A socket's own high-water mark is 16 KiB:
 * with it, each 16 KiB block of a run waited for a 'drain' of its own (one writev syscall
 * and one event-loop turn per block). Handing a whole run (256 KiB) to the socket at once
 * lets libuv write it with one writev and finish partial writes itself. 2 MiB is the most an
 * upload holds ahead of a fast peer's socket (`MAX_AHEAD_BYTES` in uploadFlow, which keeps a
 * slow peer's share smaller): reads go on while earlier runs are written, and several runs
 * leave in one writev.
 */
export const SEND_BUFFER_BYTES = 2 * 1024 * 1024;

/**
 * A socket error that is the peer hanging up, abortively: Linux sends RST instead of FIN when
 * the closing side left our bytes unread (libtorrent refusing a plain handshake, see
 * QUIRKS.md), and a write after its close fails with EPIPE.
 */
export const isPeerReset = (err: NodeJS.ErrnoException): boolean => err.code === 'ECONNRESET' || err.code === 'EPIPE';

/**
 * Wraps a TCP socket: parses what arrives into frames (see `wireFrames`), writes messages with
 * backpressure (when `socket.write` returns false, later sends are queued and flushed on
 * 'drain'), counts bytes, and turns socket errors and closes into one final `end` value.
 */
export function wrapWireSocket(socket: Socket, options: WireSocketOptions): WireSocket {
  const maxQueued = options.maxQueuedBytes ?? 8 * 1024 * 1024;
  // at least the socket's mark: a socket past it always emits the 'drain' flush() waits for
  const sendBuffer = Math.max(options.sendBufferBytes ?? SEND_BUFFER_BYTES, socket.writableHighWaterMark);
  const writable$ = new BehaviorSubject<boolean>(true);
  let end: ConnectionEnd | undefined = socket.destroyed ? { code: 'remoteClosed', message: 'socket already closed' } : undefined;
  let bytesIn = 0;
  let bytesOut = 0;
  let queue: Uint8Array[] = [];
  /** Beside each queued part: the `written` callback of its send when it is that message's last part. */
  let queueDone: ((() => void) | undefined)[] = [];
  let queuedBytes = 0;
  /** Callbacks of sends dropped before reaching the socket, run once it has closed. */
  let afterClose: (() => void)[] = [];
  /** The socket emitted 'close' (its handle is closed; `socket.closed` turns true earlier, at destroy). */
  let handleClosed = false;
  let transport: WireTransport | undefined = options.transport instanceof Promise ? undefined : options.transport;
  // writes wait for a dialled MSE handshake: they must go out through its cipher, if any
  let held = options.transport instanceof Promise;
  /** Reads paused by {@link WireSocket.pauseReading}. */
  let readsPaused = false;
  /** Reads are wired to the frame parser (from `incoming$`'s subscription until its end). */
  let reading = false;

  // requests and control messages are tiny and latency-bound; multi-part messages are corked
  if (!socket.destroyed) socket.setNoDelay(true);
  const settle = (e: ConnectionEnd): void => {
    end ??= e;
  };
  /** Nothing more is written: the socket is destroyed, failed or ended by the peer. */
  const over = (): boolean => socket.destroyed || end !== undefined;
  // registered at once: an unhandled 'error' event would crash the process
  socket.on('error', (err: NodeJS.ErrnoException) =>
    settle(
      isPeerReset(err)
        ? { code: 'remoteClosed', message: `peer reset the connection (${err.code})` }
        : { code: 'socketError', message: `socket error: ${err.message}` },
    ),
  );
  socket.on('end', () => settle({ code: 'remoteClosed', message: 'peer closed the connection' }));
  socket.on('close', () => {
    handleClosed = true;
    settle({ code: 'remoteClosed', message: 'connection closed' });
    // the handle is closed: libuv has finished (or cancelled) every write, nothing reads these
    const dropped = afterClose;
    for (const done of queueDone) if (done !== undefined) dropped.push(done);
    afterClose = [];
    queue = [];
    queueDone = [];
    queuedBytes = 0;
    for (const done of dropped) done();
    writable$.complete();
  });

  const close = (message: string, reason?: ConnectionEnd): void => {
    settle(reason ?? { code: 'local', message });
    // what this turn wrote (e.g. the rejects before dropping an abusive peer) leaves first
    if (corked && !socket.destroyed) {
      corked = false;
      socket.uncork();
    }
    socket.destroy();
  };

  // a socket reading into the shared buffer hands out chunks valid only during the call
  const transient = usesReusedReads(socket);
  const chunks$ = new Observable<Uint8Array>((subscriber) => {
    if (socket.destroyed) {
      subscriber.complete();
      return undefined;
    }
    const onChunk = (chunk: Uint8Array): void => {
      bytesIn += chunk.length;
      transport?.decrypt?.processInPlace(chunk); // a socket read is ours (or the shared read buffer's, for this call)
      subscriber.next(chunk);
    };
    const onData = (chunk: Buffer): void => onChunk(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    const onClose = (): void => subscriber.complete();
    let offReads: (() => void) | undefined;
    let stopped = false;
    const start = (t: WireTransport | undefined): void => {
      transport = t;
      if (t?.prefix !== undefined) subscriber.next(t.prefix); // already clear, counted by the handshake
      if (stopped || socket.destroyed) return;
      offReads = transient ? onReusedRead(socket, onChunk) : undefined;
      reading = true;
      if (!transient) {
        socket.on('data', onData);
        // a 'data' listener does not restart a stream paused before it was added
        if (!readsPaused) socket.resume();
      }
    };
    socket.on('close', onClose);
    const given = options.transport;
    if (given instanceof Promise) {
      void given.then((t) => {
        if (!stopped && t !== undefined) start(t);
      });
    } else if (given?.prefix !== undefined) {
      // every consumer subscribes synchronously after this one: the prefix waits for them
      queueMicrotask(() => {
        if (!stopped) start(given);
      });
    } else start(given);
    return () => {
      stopped = true;
      reading = false;
      offReads?.();
      socket.off('data', onData);
      socket.off('close', onClose);
    };
  });

  const incoming$: Observable<IncomingEvent> = concat(
    chunks$.pipe(
      wireFrames(transient ? { ...options.frames, transientChunks: true } : options.frames),
      tap((f) => {
        if (f.kind === 'protocolError') {
          close('protocol error', { code: 'protocol', error: f.error, message: describeWireError(f.error) });
        }
      }),
    ),
    defer(() => of<IncomingEvent>({ kind: 'end', end: end ?? { code: 'remoteClosed', message: 'connection closed' } })),
  ).pipe(share({ resetOnRefCountZero: false, resetOnComplete: false, resetOnError: false }));

  // Everything written in one event-loop turn leaves in one writev: a refill's dozens of 17-byte
  // requests (or a header and its block) cost one syscall instead of one each, and upload runs
  // whose disk reads finish in the same turn leave together (each read's callback ends its own
  // tick, so uncorking on nextTick sent every 256 KiB run alone and woke the reader per run).
  let corked = false;
  const uncork = (): void => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  // Node calls a write's callback once the chunk is written, or with an error when the socket
  // is destroyed (libuv cancels writes in flight before the handle's 'close'): either way the
  // socket is done with the chunk. Parts of one message leave in order, so the last one's
  // callback covers them all.
  const writeNow = (parts: readonly Uint8Array[], done?: () => void): void => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    const encrypt = transport?.encrypt;
    const last = parts.length - 1;
    for (let i = 0; i <= last; i++) {
      const p = parts[i]!;
      // RC4 (MSE): the part may be shared (a pooled block), so it is enciphered into a copy
      const out = encrypt === undefined ? p : encrypt.process(p);
      if (done !== undefined && i === last) socket.write(out, done);
      else socket.write(out);
      bytesOut += p.length;
    }
  };

  const full = (): boolean => socket.writableLength >= sendBuffer;
  const flush = (): void => {
    // a 'drain' during a dialled MSE handshake must not send queued messages before the cipher is known
    if (held) return;
    while (queue.length > 0 && !socket.destroyed) {
      if (full()) return; // wait for the next 'drain'
      const next = queue.shift()!;
      const done = queueDone.shift();
      queuedBytes -= next.length;
      writeNow([next], done);
    }
    if (!socket.destroyed && !full()) writable$.next(true);
  };
  socket.on('drain', flush);
  if (options.transport instanceof Promise) {
    void options.transport.then((t) => {
      transport = t;
      held = false;
      if (t !== undefined) flush();
    });
  }

  const write = (parts: readonly Uint8Array[], done?: () => void): SendResult => {
    if (over()) {
      // earlier writes may still be in flight: the callback waits for 'close'
      if (done !== undefined) {
        if (handleClosed) done();
        else afterClose.push(done);
      }
      return 'closed';
    }
    if (!writable$.getValue() || queue.length > 0 || held) {
      const last = parts.length - 1;
      for (let i = 0; i <= last; i++) {
        queue.push(parts[i]!);
        queueDone.push(i === last ? done : undefined);
        queuedBytes += parts[i]!.length;
      }
      if (queuedBytes > maxQueued) {
        close(`peer is not reading: more than ${maxQueued} bytes queued`);
        return 'closed';
      }
      return 'queued';
    }
    writeNow(parts, done);
    if (full()) writable$.next(false);
    return 'written';
  };

  const nothingSent = (): SendResult => (over() ? 'closed' : 'written');

  return {
    incoming$,
    sendHandshake: (h) => write([encodeHandshake(h)]),
    send: (m, written) => write(encodeMessageParts(m), written),
    // an empty batch writes nothing (a zero-length part would still go through the queue)
    sendBlockRefs: (type, refs) => (refs.length === 0 ? nothingSent() : write([encodeBlockRefs(type, refs)])),
    sendHaves: (indices) => (indices.length === 0 ? nothingSent() : write([encodeHaves(indices)])),
    close: (message) => close(message),
    pauseReading: (paused) => {
      if (paused === readsPaused) return;
      readsPaused = paused;
      if (socket.destroyed) return;
      if (paused) socket.pause();
      // resumed only once something reads: a flowing socket with no 'data' listener loses bytes
      else if (reading) socket.resume();
    },
    writable$: writable$.asObservable(),
    get bytesIn() {
      return bytesIn;
    },
    get bytesOut() {
      return bytesOut;
    },
    get queuedBytes() {
      return queuedBytes;
    },
    get unsentBytes() {
      return (socket.destroyed ? 0 : socket.writableLength) + queuedBytes;
    },
    get finished() {
      return over();
    },
    get encryption() {
      return transport?.encryption ?? 'none';
    },
  };
}
