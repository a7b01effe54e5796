/**
 * BEP 54 `lt_donthave`: "I no longer have this piece", an extension message (BEP 10) whose
 * payload is the piece index, 4 bytes big-endian.
 *
 * We send it when our copy of a verified piece becomes unreadable. Without it a peer keeps
 * asking us for the piece: libtorrent re-requests a rejected block from the only peer that has
 * it at once, a request/reject loop at round-trip speed until the piece is back.
 *
 * We take it too (advertised in our extended handshake once the torrent's pieces are known): a
 * peer that lost a piece will not send it, so our requests for it go elsewhere instead of
 * waiting for rejects or the request timeout. Its payload is exact (4 bytes, not the 1 MiB any
 * extension message may have) and a retraction of a piece never announced changes nothing. One
 * of a piece the peer announced does more than clear a bit: our requests for it are cancelled
 * and sent to other peers, and our interest may flip; a `have` after it and we request the
 * piece again. So the peer machine counts retractions per connection and closes a peer that
 * retracts more pieces than the torrent has, plus a few (`withinRetractionCap`).
 */

import * as E from 'fp-ts/lib/Either.js';
import { readUint32, writeUint32 } from '../wire/bytes.js';
import { extensionError, type ExtensionError } from './extensionError.js';

/** The extension's name in `m`. */
export const LT_DONTHAVE = 'lt_donthave';

const WHAT = 'lt_donthave message';

/** The payload's only and exact length: one piece index (BEP 54). */
export const LT_DONTHAVE_BYTES = 4;

/** The message payload: the piece index, 4 bytes big-endian. */
export function encodeDontHave(index: number): Uint8Array {
  const out = new Uint8Array(LT_DONTHAVE_BYTES);
  writeUint32(out, 0, index);
  return out;
}

/**
 * Decodes a received payload to the piece index. Anything but exactly 4 bytes, or an index
 * past the torrent's last piece, is an error: like a BEP 3 `have` out of range, the peer's
 * later messages cannot be trusted, so the connection closes.
 */
export function decodeDontHave(payload: Uint8Array, pieceCount: number): E.Either<ExtensionError, number> {
  if (payload.length !== LT_DONTHAVE_BYTES) return E.left(extensionError('structure', WHAT, `${payload.length} bytes, expected ${LT_DONTHAVE_BYTES}`));
  const index = readUint32(payload, 0);
  if (index >= pieceCount) return E.left(extensionError('out-of-range', WHAT, `piece ${index} of a torrent with ${pieceCount} pieces`));
  return E.right(index);
}
