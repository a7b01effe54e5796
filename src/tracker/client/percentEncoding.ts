/**
 * Percent-encoding of binary query values (BEP 3: `info_hash` and `peer_id` are raw 20-byte
 * strings "escaped" in the URL). Every byte outside the RFC 3986 unreserved set
 * (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`, so no tracker can misread a byte as `+`, `&` or `=`.
 */

const HEX = '0123456789ABCDEF';

const isUnreserved = (b: number): boolean =>
  (b >= 0x30 && b <= 0x39) || // 0-9
  (b >= 0x41 && b <= 0x5a) || // A-Z
  (b >= 0x61 && b <= 0x7a) || // a-z
  b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e; // - . _ ~

/** Percent-encodes every byte of `bytes` that is not RFC 3986 unreserved. */
export function percentEncodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    out += isUnreserved(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/**
 * Decodes a percent-encoded query value back to bytes (the inverse of
 * {@link percentEncodeBytes}; `+` is left as a literal byte). Returns `undefined` for a
 * malformed escape or a non-ASCII character.
 */
export function percentDecodeBytes(text: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 0x80) {
      out.push(c);
    } else {
      return undefined;
    }
  }
  return Uint8Array.from(out);
}
