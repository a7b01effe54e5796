/**
 * The DHT's UDP socket as RxJS: datagrams in as an Observable, `send` out. Bytes never go
 * through a machine; the DhtNode decodes each datagram and answers or settles a query.
 */
import { createSocket, type Socket } from 'node:dgram';
import * as E from 'fp-ts/lib/Either.js';
import { Subject, type Observable } from 'rxjs';
import type { Endpoint } from '../src/dht/compactInfo.js';

/** One received datagram. */
export interface Datagram {
  readonly bytes: Uint8Array;
  readonly from: Endpoint;
}

/** A bound UDP socket. */
export interface DhtSocket {
  /** Where it is bound (the port the OS chose for port 0). */
  readonly address: Endpoint;
  /** Every datagram received, until close. */
  readonly datagrams$: Observable<Datagram>;
  /** Sends one datagram; errors (e.g. unreachable) are counted, not thrown. */
  send(bytes: Uint8Array, to: Endpoint): void;
  /** Datagrams that could not be sent. */
  readonly sendErrors: number;
  close(): Promise<void>;
}

/** Biggest datagram we read; KRPC messages are far smaller, the decoder bounds the rest. */
const RECV_BUFFER_BYTES = 1 << 20;

/** Binds UDP `host:port` (port 0: the OS picks); the error is one line a user can act on. */
export function bindDhtSocket(host: string, port: number): Promise<E.Either<string, DhtSocket>> {
  return new Promise((resolve) => {
    const socket: Socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: RECV_BUFFER_BYTES });
    const datagrams = new Subject<Datagram>();
    let sendErrors = 0;
    let closed = false;
    socket.once('error', (err: NodeJS.ErrnoException) =>
      resolve(E.left(err.code === 'EADDRINUSE' ? `UDP port ${port} is already in use (choose another with --dht-port)` : `cannot bind UDP ${host}:${port}: ${err.message}`)),
    );
    socket.bind(port, host, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => { sendErrors++; });
      socket.on('message', (msg, rinfo) => datagrams.next({ bytes: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), from: { ip: rinfo.address, port: rinfo.port } }));
      const a = socket.address();
      resolve(
        E.right({
          address: { ip: a.address, port: a.port },
          datagrams$: datagrams.asObservable(),
          send: (bytes, to) => {
            if (closed) return;
            socket.send(bytes, to.port, to.ip, (err) => { if (err) sendErrors++; });
          },
          get sendErrors() { return sendErrors; },
          close: () =>
            new Promise<void>((done) => {
              if (closed) return done();
              closed = true;
              datagrams.complete();
              socket.close(() => done());
            }),
        }),
      );
    });
  });
}
