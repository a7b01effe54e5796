import type { Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { incomingKind } from '../mse/incomingKind.js';
import { MseResponder } from '../mse/mseResponder.js';
import { mseAllowed } from '../mse/msePolicy.js';
import type { MseRandom } from '../mse/mseRole.js';
import type { EncryptionPolicy } from '../mse/mseTypes.js';
import { HANDSHAKE_LENGTH, toHex } from '../wire/index.js';
import { driveMse } from '../../streams/mseHandshake.js';
import { mseTransport, PLAIN_TRANSPORT, type WireTransport } from '../../streams/wireTransport.js';

/** Where an accepted connection goes and how it is carried. */
export interface IncomingRoute {
  readonly infoHashHex: string;
  readonly transport: WireTransport;
}

/** How accepted connections are read before routing. */
export interface IncomingOptions {
  readonly timeoutMs: number;
  /** Default `off`: plain BitTorrent handshakes only. */
  readonly encryption?: EncryptionPolicy;
  /** For MSE: the info hash with this HASH('req2', info hash), if we serve it. */
  readonly findInfoHash?: (req2: Uint8Array) => Uint8Array | undefined;
  readonly random?: MseRandom;
}

/**
 * Reads the first bytes of an accepted connection far enough to learn which torrent it is for,
 * bounded in bytes and time; a peer that speaks anything else is refused before any torrent
 * state is touched.
 *
 * A plain handshake (BEP 3: 19, "BitTorrent protocol", …, the info hash) is put back for the
 * wire stack to parse whole. Anything else is taken for MSE's Ya (when the policy allows): the
 * responder runs, the SKEY names the torrent, and the transport carries the handshake's leftover
 * clear bytes (the initial payload, usually the BitTorrent handshake) and, for RC4, the ciphers.
 *
 * The plain bytes are collected with `read()` and put back with ONE `unshift` when done: putting
 * bytes back while still waiting would re-emit 'readable' at once and spin the event loop.
 */
export function readIncoming(socket: Socket, o: IncomingOptions): Promise<E.Either<string, IncomingRoute>> {
  const policy = o.encryption ?? 'off';
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let have = 0;
    let done = false;
    let putBack = true;
    const detach = (): void => {
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
    };
    const finish = (r: E.Either<string, IncomingRoute>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      detach();
      if (putBack && have > 0) socket.unshift(Buffer.concat(parts, have));
      resolve(r);
    };
    const onEnd = (): void => finish(E.left('connection closed before the handshake'));
    const startMse = (): void => {
      putBack = false;
      detach(); // the responder reads from here on
      const responder = new MseResponder({ findInfoHash: o.findInfoHash ?? (() => undefined), allowed: mseAllowed(policy), ...(o.random ? { random: o.random } : {}) });
      void driveMse(socket, responder, Buffer.concat(parts, have)).then((r) =>
        finish(E.isLeft(r) ? r : E.right({ infoHashHex: toHex(r.right.infoHash), transport: mseTransport(r.right) })),
      );
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (have < HANDSHAKE_LENGTH && (chunk = socket.read(Math.min(socket.readableLength, HANDSHAKE_LENGTH - have)) as Buffer | null) !== null) {
        parts.push(chunk);
        have += chunk.length;
        if (have >= 20) break; // enough to tell plain from MSE
      }
      const kind = incomingKind(parts.length === 1 ? parts[0]! : Buffer.concat(parts, have));
      if (kind === 'mse') {
        if (policy === 'off') return finish(E.left('not a BitTorrent handshake'));
        return startMse();
      }
      if (kind === 'plaintext' && policy === 'require') return finish(E.left('plain BitTorrent handshake refused: encryption is required'));
      if (have < HANDSHAKE_LENGTH) {
        if (socket.readableLength > 0) return onReadable(); // the rest is buffered already
        return; // wait for more
      }
      finish(E.right({ infoHashHex: toHex(Buffer.concat(parts, have).subarray(28, 48)), transport: PLAIN_TRANSPORT }));
    };
    const timer = setTimeout(() => finish(E.left('no handshake in time')), o.timeoutMs);
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
  });
}

/** {@link readIncoming} for plain handshakes only: the info hash (hex) the handshake names. */
export async function readIncomingInfoHash(socket: Socket, timeoutMs: number): Promise<E.Either<string, string>> {
  return E.map((r: IncomingRoute) => r.infoHashHex)(await readIncoming(socket, { timeoutMs, encryption: 'off' }));
}
