/**
 * BEP 54 `lt_donthave`: tells a peer we no longer have a piece we announced (our copy became
 * unreadable). Without it a peer keeps asking us for the piece: libtorrent re-requests a
 * rejected block from the only peer that has it at once, a request/reject loop at round-trip
 * speed until the piece is back. We only send it (under the id the peer gave it, BEP 10); we do
 * not advertise it, so no peer sends it to us.
 */

import { writeUint32 } from '../wire/bytes.js';

/** The extension's name in `m`. */
export const LT_DONTHAVE = 'lt_donthave';

/** The message payload: the piece index, 4 bytes big-endian. */
export function encodeDontHave(index: number): Uint8Array {
  const out = new Uint8Array(4);
  writeUint32(out, 0, index);
  return out;
}
