import type { Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { describeMseError, type EncryptionPolicy, type MseError, type MseEstablished } from '../src/mse/mseTypes.js';
import { MseInitiator } from '../src/mse/mseInitiator.js';
import { mseProvide } from '../src/mse/msePolicy.js';
import type { MseProgress } from '../src/mse/mseSteps.js';
import { mseTransport, type CarriedSocket, type WireTransport } from './wireTransport.js';
import { holdReusedReads, onReusedRead, usesReusedReads } from './reusedReads.js';

/** An MSE role as the socket sees it: bytes in, bytes to send, then done or an error. */
export interface MseRole {
  feed(chunk: Uint8Array): E.Either<MseError, MseProgress>;
  end(): MseError | undefined;
}

/**
 * Runs `role` over `socket` until its handshake is done or fails. Reads stop at once when it is
 * over, so the wire stack that takes the socket next gets every later byte: a socket with reused
 * reads keeps them for its next handler, any other is read in paused mode (`read()`), leaving
 * the rest in its buffer. Settles once (never rejects); the caller destroys the socket on Left.
 */
export function driveMse(socket: Socket, role: MseRole, first?: Uint8Array): Promise<E.Either<string, MseEstablished>> {
  return new Promise((resolve) => {
    let over = false;
    let stopReading = (): void => undefined;
    const finish = (r: E.Either<string, MseEstablished>): void => {
      if (over) return;
      over = true;
      stopReading();
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onEnd);
      resolve(r);
    };
    const onChunk = (chunk: Uint8Array): void => {
      if (over) return;
      const r = role.feed(chunk);
      if (E.isLeft(r)) return finish(E.left(describeMseError(r.left)));
      for (const out of r.right.send) if (!socket.destroyed) socket.write(out);
      if (r.right.done !== undefined) finish(E.right(r.right.done));
    };
    const onEnd = (): void => finish(E.left(describeMseError(role.end() ?? { tag: 'truncated' })));
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onEnd);
    if (first !== undefined && first.length > 0) onChunk(first);
    if (over) return;
    if (usesReusedReads(socket)) {
      // set first: reads that arrived earlier are handed over now, and may finish the handshake
      stopReading = () => holdReusedReads(socket);
      onReusedRead(socket, onChunk);
    } else {
      const onReadable = (): void => {
        let chunk: Buffer | null;
        while (!over && (chunk = socket.read() as Buffer | null) !== null) onChunk(chunk);
      };
      socket.on('readable', onReadable);
      stopReading = () => socket.off('readable', onReadable);
      onReadable(); // bytes may be buffered already
    }
  });
}

/** `socket` (from `net.connect`) to be carried over an MSE handshake we start for `infoHash`, offering what `policy` allows. */
export const mseDialled = (socket: Socket, infoHash: Uint8Array, policy: EncryptionPolicy): CarriedSocket => ({
  socket,
  transport: dialMse(socket, new MseInitiator({ infoHash, provide: mseProvide(policy) })),
});

/**
 * Dials MSE over a socket from `net.connect` (connected or still connecting): sends Ya and PadA
 * once TCP is up, then runs the initiator. Left with a one-line reason when it fails.
 */
function dialMse(socket: Socket, initiator: MseInitiator): Promise<E.Either<string, WireTransport>> {
  const go = (): Promise<E.Either<string, WireTransport>> => {
    socket.write(initiator.start());
    return driveMse(socket, initiator).then(E.map(mseTransport));
  };
  if (!socket.connecting) return socket.destroyed ? Promise.resolve(E.left('connection closed before the encrypted handshake')) : go();
  return new Promise((resolve) => {
    const failed = (): void => {
      socket.off('connect', connected);
      resolve(E.left('connection failed before the encrypted handshake'));
    };
    const connected = (): void => {
      socket.off('error', failed);
      socket.off('close', failed);
      void go().then(resolve);
    };
    socket.once('connect', connected);
    socket.once('error', failed);
    socket.once('close', failed);
  });
}
