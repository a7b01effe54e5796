/**
 * A bare BEP 3 + BEP 10 connection for interop tests of the extension codecs and the metadata
 * machine before the session wires them in: handshake with the extension bit, then framed
 * messages both ways through src/wire's codec. Test-only; no choking, no pieces.
 */
import { Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import {
  decodeHandshake,
  decodeMessage,
  emptyReserved,
  encodeHandshake,
  encodeMessage,
  HANDSHAKE_LENGTH,
  setExtensionProtocol,
  type Handshake,
  type WireMessage,
} from '../../src/wire/index.js';

export interface RawPeer {
  /** Their handshake, once received. */
  readonly handshake: Promise<Handshake>;
  send(m: WireMessage): void;
  /** Called for every decoded message after the handshake. */
  onMessage(handler: (m: WireMessage) => void): void;
  /** Resolves when the socket closes. */
  readonly closed: Promise<void>;
  close(): void;
}

/** Wraps a connected socket: sends our handshake at once (`sendFirst`) or after theirs. */
export function rawPeer(socket: Socket, infoHash: Uint8Array, peerId: Uint8Array, sendFirst: boolean): RawPeer {
  const ours = encodeHandshake({ reserved: setExtensionProtocol(emptyReserved()), infoHash, peerId });
  if (sendFirst) socket.write(ours);
  const handlers: ((m: WireMessage) => void)[] = [];
  // Messages often arrive in the handshake's own chunk: keep them until a handler is attached.
  const early: WireMessage[] = [];
  let buffer = Buffer.alloc(0);
  let shook = false;
  let resolveHandshake!: (h: Handshake) => void;
  let rejectHandshake!: (e: Error) => void;
  const handshake = new Promise<Handshake>((res, rej) => {
    resolveHandshake = res;
    rejectHandshake = rej;
  });
  const closed = new Promise<void>((res) => socket.once('close', () => {
    rejectHandshake(new Error('closed before the handshake'));
    res();
  }));
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (!shook) {
      if (buffer.length < HANDSHAKE_LENGTH) return;
      const h = decodeHandshake(new Uint8Array(buffer.subarray(0, HANDSHAKE_LENGTH)));
      if (E.isLeft(h)) {
        socket.destroy();
        return;
      }
      shook = true;
      buffer = buffer.subarray(HANDSHAKE_LENGTH);
      if (!sendFirst) socket.write(ours);
      resolveHandshake(h.right);
    }
    while (buffer.length >= 4) {
      const length = buffer.readUInt32BE(0);
      if (buffer.length < 4 + length) return;
      const body = new Uint8Array(buffer.subarray(4, 4 + length));
      buffer = buffer.subarray(4 + length);
      const m = decodeMessage(body);
      if (E.isLeft(m)) continue;
      if (handlers.length === 0) early.push(m.right);
      for (const h of handlers) h(m.right);
    }
  });
  return {
    handshake,
    send: (m) => socket.write(encodeMessage(m)),
    onMessage: (h) => {
      handlers.push(h);
      for (const m of early.splice(0)) h(m);
    },
    closed,
    close: () => socket.destroy(),
  };
}
