import type { Socket } from 'node:net';
import { BehaviorSubject, concat, defer, Observable, of, share, Subject, tap } from 'rxjs';
import {
  describeWireError,
  encodeHandshake,
  encodeMessageParts,
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

/** `written`: handed to the socket; `queued`: held until 'drain'; `closed`: dropped. */
export type SendResult = 'written' | 'queued' | 'closed';

/** Bytes moved in one socket read or write, for rate meters. */
export interface TrafficSample {
  readonly direction: 'in' | 'out';
  readonly bytes: number;
}

/** A peer connection as streams and plain calls; nothing here throws or emits 'error'. */
export interface WireSocket {
  /**
   * Hot and shared: subscribe every consumer synchronously after `wrapWireSocket` (socket
   * data only flows from the next tick on, so nobody misses the handshake).
   */
  readonly incoming$: Observable<IncomingEvent>;
  sendHandshake(h: Handshake): SendResult;
  send(m: WireMessage): SendResult;
  /** Destroys the socket; `incoming$` then ends with `{ code: 'local', message }`. */
  close(message: string): void;
  /** False while the socket's buffer is full (socket.write returned false) until 'drain'. */
  readonly writable$: Observable<boolean>;
  readonly traffic$: Observable<TrafficSample>;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Bytes waiting for 'drain'. */
  readonly queuedBytes: number;
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
}

/**
 * Wraps a TCP socket: parses what arrives into frames (see `wireFrames`), writes messages with
 * backpressure (when `socket.write` returns false, later sends are queued and flushed on
 * 'drain'), counts bytes, and turns socket errors and closes into one final `end` value.
 */
export function wrapWireSocket(socket: Socket, options: WireSocketOptions): WireSocket {
  const maxQueued = options.maxQueuedBytes ?? 8 * 1024 * 1024;
  const traffic$ = new Subject<TrafficSample>();
  const writable$ = new BehaviorSubject<boolean>(true);
  let end: ConnectionEnd | undefined = socket.destroyed ? { code: 'remoteClosed', message: 'socket already closed' } : undefined;
  let bytesIn = 0;
  let bytesOut = 0;
  let queue: Uint8Array[] = [];
  let queuedBytes = 0;
  let transport: WireTransport | undefined = options.transport instanceof Promise ? undefined : options.transport;
  // writes wait for a dialled MSE handshake: they must go out through its cipher, if any
  let held = options.transport instanceof Promise;

  // requests and control messages are tiny and latency-bound; multi-part messages are corked
  if (!socket.destroyed) socket.setNoDelay(true);
  const settle = (e: ConnectionEnd): void => {
    end ??= e;
  };
  // registered at once: an unhandled 'error' event would crash the process
  socket.on('error', (err: Error) => settle({ code: 'socketError', message: `socket error: ${err.message}` }));
  socket.on('end', () => settle({ code: 'remoteClosed', message: 'peer closed the connection' }));
  socket.on('close', () => {
    settle({ code: 'remoteClosed', message: 'connection closed' });
    queue = [];
    queuedBytes = 0;
    traffic$.complete();
    writable$.complete();
  });

  const close = (message: string, reason?: ConnectionEnd): void => {
    settle(reason ?? { code: 'local', message });
    // what this tick wrote (e.g. the rejects before dropping an abusive peer) leaves first
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
      traffic$.next({ direction: 'in', bytes: chunk.length });
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
      if (!transient) socket.on('data', onData);
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

  // Everything written in one tick leaves in one writev: a refill's dozens of 17-byte requests
  // (or a header and its block) cost one syscall instead of one each.
  let corked = false;
  const uncork = (): void => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  const writeNow = (parts: readonly Uint8Array[]): boolean => {
    let ok = true;
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    const encrypt = transport?.encrypt;
    for (const p of parts) {
      ok = socket.write(encrypt === undefined ? p : encrypt.process(p));
      bytesOut += p.length;
      traffic$.next({ direction: 'out', bytes: p.length });
    }
    return ok;
  };

  const flush = (): void => {
    while (queue.length > 0 && !socket.destroyed) {
      const next = queue.shift()!;
      queuedBytes -= next.length;
      if (!writeNow([next])) return; // wait for the next 'drain'
    }
    if (!socket.destroyed) writable$.next(true);
  };
  socket.on('drain', flush);
  if (options.transport instanceof Promise) {
    void options.transport.then((t) => {
      transport = t;
      held = false;
      if (t !== undefined) flush();
    });
  }

  const write = (parts: readonly Uint8Array[]): SendResult => {
    if (socket.destroyed || end !== undefined) return 'closed';
    if (!writable$.getValue() || queue.length > 0 || held) {
      for (const p of parts) {
        queue.push(p);
        queuedBytes += p.length;
      }
      if (queuedBytes > maxQueued) {
        close(`peer is not reading: more than ${maxQueued} bytes queued`);
        return 'closed';
      }
      return 'queued';
    }
    if (writeNow(parts)) return 'written';
    writable$.next(false);
    return 'queued';
  };

  return {
    incoming$,
    sendHandshake: (h) => write([encodeHandshake(h)]),
    send: (m) => write(encodeMessageParts(m)),
    close: (message) => close(message),
    writable$: writable$.asObservable(),
    traffic$: traffic$.asObservable(),
    get bytesIn() {
      return bytesIn;
    },
    get bytesOut() {
      return bytesOut;
    },
    get queuedBytes() {
      return queuedBytes;
    },
    get encryption() {
      return transport?.encryption ?? 'none';
    },
  };
}
