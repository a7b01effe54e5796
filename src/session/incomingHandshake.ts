import type { Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { HANDSHAKE_LENGTH, PROTOCOL_STRING, toHex } from '../wire/index.js';

/**
 * Reads the first bytes of an accepted connection far enough to learn which torrent it is for
 * (BEP 3: the handshake names the info hash), then puts them back so the wire stack parses
 * the whole handshake itself. Bounded in bytes (one handshake) and time; a peer that speaks
 * anything else is refused before any torrent state is touched.
 *
 * The bytes are collected with `read()` and put back with ONE `unshift` when done: putting
 * bytes back while still waiting would re-emit 'readable' at once and spin the event loop.
 */
export function readIncomingInfoHash(socket: Socket, timeoutMs: number): Promise<E.Either<string, string>> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let have = 0;
    let done = false;
    const finish = (r: E.Either<string, string>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      if (have > 0) socket.unshift(Buffer.concat(parts, have));
      resolve(r);
    };
    const onEnd = (): void => finish(E.left('connection closed before the handshake'));
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (have < HANDSHAKE_LENGTH && (chunk = socket.read(Math.min(socket.readableLength, HANDSHAKE_LENGTH - have)) as Buffer | null) !== null) {
        parts.push(chunk);
        have += chunk.length;
      }
      const first = parts[0];
      if (first !== undefined && first[0] !== PROTOCOL_STRING.length) {
        finish(E.left('not a BitTorrent handshake'));
        return;
      }
      if (have < HANDSHAKE_LENGTH) return; // wait for more
      const head = Buffer.concat(parts, have);
      if (head.subarray(1, 20).toString('latin1') !== PROTOCOL_STRING) {
        finish(E.left('not a BitTorrent handshake'));
        return;
      }
      finish(E.right(toHex(head.subarray(28, 48))));
    };
    const timer = setTimeout(() => finish(E.left('no handshake in time')), timeoutMs);
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
  });
}
