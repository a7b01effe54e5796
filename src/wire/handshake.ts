import * as E from 'fp-ts/lib/Either.js';
import type { WireError } from './errors.js';
import { RESERVED_LENGTH } from './reserved.js';
import { toHex } from './hex.js';

/** The protocol string every BitTorrent handshake starts with (BEP 3). */
export const PROTOCOL_STRING = 'BitTorrent protocol';
/** Handshake size: 1 + 19 + 8 reserved + 20 info hash + 20 peer id. */
export const HANDSHAKE_LENGTH = 68;

const PSTR = new TextEncoder().encode(PROTOCOL_STRING);

/** The opening message of every connection (BEP 3 "handshake"). */
export interface Handshake {
  readonly reserved: Uint8Array;
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
}

/** The 68 handshake bytes. Throws only on a programming error (wrong field sizes from our side). */
export function encodeHandshake(h: Handshake): Uint8Array {
  if (h.reserved.length !== RESERVED_LENGTH || h.infoHash.length !== 20 || h.peerId.length !== 20) {
    throw new RangeError('handshake fields must be 8, 20 and 20 bytes');
  }
  const out = new Uint8Array(HANDSHAKE_LENGTH);
  out[0] = PSTR.length;
  out.set(PSTR, 1);
  out.set(h.reserved, 20);
  out.set(h.infoHash, 28);
  out.set(h.peerId, 48);
  return out;
}

/**
 * Checks the first byte alone, so a stream can reject a non-BitTorrent peer before 68 bytes
 * have arrived.
 */
export function checkProtocolLength(pstrlen: number): E.Either<WireError, void> {
  return pstrlen === PSTR.length ? E.right(undefined) : E.left({ tag: 'badProtocol', pstrlen });
}

/** Decodes exactly 68 bytes into a handshake; the fields are copies, so the input may be reused. */
export function decodeHandshake(bytes: Uint8Array): E.Either<WireError, Handshake> {
  if (bytes.length < HANDSHAKE_LENGTH) return E.left({ tag: 'truncated', needed: HANDSHAKE_LENGTH, got: bytes.length });
  if (bytes.length > HANDSHAKE_LENGTH) return E.left({ tag: 'trailingBytes', extra: bytes.length - HANDSHAKE_LENGTH });
  const pstrlen = bytes[0] ?? 0;
  if (pstrlen !== PSTR.length) return E.left({ tag: 'badProtocol', pstrlen });
  for (let i = 0; i < PSTR.length; i++) {
    if (bytes[1 + i] !== PSTR[i]) {
      // latin1 keeps every byte visible; cap what we echo into a log line
      const pstr = Array.from(bytes.subarray(1, 20), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join('');
      return E.left({ tag: 'badProtocol', pstrlen, pstr });
    }
  }
  return E.right({
    reserved: bytes.slice(20, 28),
    infoHash: bytes.slice(28, 48),
    peerId: bytes.slice(48, 68),
  });
}

/** What the other side must match: our torrent and (to spot self-connections) our own peer id. */
export interface HandshakeExpectation {
  /** Omitted by a listener that looked the torrent up by the handshake's own info hash. */
  readonly infoHash?: Uint8Array;
  readonly ourPeerId: Uint8Array;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Accepts a decoded handshake only for our torrent and from someone else: a peer id equal to
 * ours means we dialled our own listener (e.g. via a tracker listing us), which BEP 3 clients drop.
 */
export function checkHandshake(h: Handshake, expect: HandshakeExpectation): E.Either<WireError, Handshake> {
  if (expect.infoHash !== undefined && !sameBytes(h.infoHash, expect.infoHash)) {
    return E.left({ tag: 'wrongInfoHash', got: toHex(h.infoHash), expected: toHex(expect.infoHash) });
  }
  if (sameBytes(h.peerId, expect.ourPeerId)) return E.left({ tag: 'selfConnection' });
  return E.right(h);
}
