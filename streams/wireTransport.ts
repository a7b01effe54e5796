import type { Socket } from 'node:net';
import type * as E from 'fp-ts/lib/Either.js';
import type { Rc4 } from '../src/mse/rc4.js';
import { peerEncryptionOf } from '../src/mse/msePolicy.js';
import type { MseEstablished, PeerEncryption } from '../src/mse/mseTypes.js';

/**
 * How a connection's bytes are carried past the handshake: as they are (plain BitTorrent, or
 * MSE with plaintext selected), or through RC4 both ways (MSE with RC4 selected). The wire
 * socket applies it: every read is decrypted in place (no copy), every write is encrypted into
 * a new buffer (one copy: what we send may be shared, e.g. a cached block).
 */
export interface WireTransport {
  readonly encryption: PeerEncryption;
  /** Clear bytes already received past an MSE handshake: parsed before anything read later. */
  readonly prefix?: Uint8Array;
  /** Deciphers every later read, in place. */
  readonly decrypt?: Rc4;
  /** Enciphers every write. */
  readonly encrypt?: Rc4;
}

/** A plain BitTorrent connection. */
export const PLAIN_TRANSPORT: WireTransport = { encryption: 'none' };

/** The transport a finished MSE handshake leaves. */
export function mseTransport(e: MseEstablished): WireTransport {
  return {
    encryption: peerEncryptionOf(e.crypto),
    ...(e.payload.length > 0 ? { prefix: e.payload } : {}),
    ...(e.decrypt !== undefined ? { decrypt: e.decrypt } : {}),
    ...(e.encrypt !== undefined ? { encrypt: e.encrypt } : {}),
  };
}

/**
 * A socket and how it is carried: what a peer connection actor is given. `transport` is the
 * MSE result of an accepted connection, or, for a dialled one, the MSE handshake still running
 * (Left: it failed, with a one-line reason); absent for a plain connection.
 */
export interface CarriedSocket {
  readonly socket: Socket;
  readonly transport?: WireTransport | Promise<E.Either<string, WireTransport>>;
}
