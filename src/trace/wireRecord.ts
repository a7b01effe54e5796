import type { WireMessage } from '../wire/messages.js';
import { toHex } from '../wire/hex.js';
import type { Json } from './safeJson.js';

/** Bitfields up to this many bytes are recorded whole (as hex); longer ones only as counts. */
const BITFIELD_HEX_BYTES = 32;

const popcount = (bytes: Uint8Array): number => {
  let n = 0;
  for (let b of bytes) {
    for (; b !== 0; b &= b - 1) n++;
  }
  return n;
};

/**
 * The fields of a wire message worth a trace line: addresses and counts, never payload bytes
 * (a `piece` keeps index/begin/length, a `bitfield` its set count, `extended` its id and length).
 */
export function wireRecord(message: WireMessage): { type: string; [field: string]: Json } {
  switch (message.type) {
    case 'have':
    case 'suggest':
    case 'allowedFast':
      return { type: message.type, index: message.index };
    case 'request':
    case 'cancel':
    case 'reject':
      return { type: message.type, index: message.index, begin: message.begin, length: message.length };
    case 'piece':
      return { type: 'piece', index: message.index, begin: message.begin, length: message.block.length };
    case 'bitfield': {
      const set = popcount(message.bitfield);
      return message.bitfield.length <= BITFIELD_HEX_BYTES
        ? { type: 'bitfield', set, bytes: message.bitfield.length, hex: toHex(message.bitfield) }
        : { type: 'bitfield', set, bytes: message.bitfield.length };
    }
    case 'port':
      return { type: 'port', port: message.port };
    case 'extended':
      return { type: 'extended', extendedId: message.extendedId, length: message.payload.length };
    case 'unknown':
      return { type: 'unknown', id: message.id, length: message.payload.length };
    default:
      return { type: message.type };
  }
}
