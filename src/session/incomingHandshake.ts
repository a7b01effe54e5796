import type { Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { HANDSHAKE_LENGTH, PROTOCOL_STRING, toHex } from '../wire/index.js';

/**
 * Reads the first bytes of an accepted connection far enough to learn which torrent it is for
 * (BEP 3: the handshake names the info hash), then puts them back so the wire stack parses
 * the whole handshake itself. Bounded in bytes and time; a peer that speaks anything else is
 * refused before any torrent state is touched.
 */
export function readIncomingInfoHash(socket: Socket, timeoutMs: number): Promise<E.Either<string, string>> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: E.Either<string, string>, head?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      if (head !== undefined) socket.unshift(head);
      resolve(r);
    };
    const onEnd = (): void => finish(E.left('connection closed before the handshake'));
    const onReadable = (): void => {
      const head = socket.read(HANDSHAKE_LENGTH) as Buffer | null;
      if (head === null) {
        // less than a handshake buffered: reject early if what we have cannot be one
        const first = socket.readableLength > 0 ? (socket.read(1) as Buffer | null) : null;
        if (first !== null) {
          socket.unshift(first);
          if (first[0] !== PROTOCOL_STRING.length) finish(E.left('not a BitTorrent handshake'));
        }
        return;
      }
      if (head[0] !== PROTOCOL_STRING.length || head.subarray(1, 20).toString('latin1') !== PROTOCOL_STRING) {
        finish(E.left('not a BitTorrent handshake'), head);
        return;
      }
      finish(E.right(toHex(head.subarray(28, 48))), head);
    };
    const timer = setTimeout(() => finish(E.left('no handshake in time')), timeoutMs);
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
  });
}
