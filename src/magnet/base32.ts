/**
 * RFC 4648 base32 (alphabet A–Z, 2–7), the older form of a magnet link's info hash
 * (BEP 9: "the info-hash as 32 character base32"). Case-insensitive on input; no padding.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes unpadded base32, or `undefined` when a character is outside the alphabet or bits are left over. */
export function base32Decode(text: string): Uint8Array | undefined {
  const upper = text.toUpperCase();
  const out = new Uint8Array(Math.floor((upper.length * 5) / 8));
  let bits = 0, value = 0, o = 0;
  for (let i = 0; i < upper.length; i++) {
    const v = ALPHABET.indexOf(upper[i]!);
    if (v < 0) return undefined;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
    value &= (1 << bits) - 1;
  }
  // Leftover bits must be zero padding, or two spellings would name one hash.
  return value === 0 ? out : undefined;
}

/** Encodes bytes as unpadded uppercase base32. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '', bits = 0, value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
