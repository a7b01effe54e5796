import * as E from 'fp-ts/lib/Either.js';

/** Query parameters with their values as raw bytes; a key may repeat (scrape's `info_hash`). */
export type RawQuery = ReadonlyMap<string, readonly Uint8Array[]>;

/** Most `key=value` pairs read from one query; a real announce has about a dozen. */
const MAX_PAIRS = 256;

/**
 * Splits a request target's query into byte-valued parameters. `info_hash` and `peer_id` are
 * percent-encoded binary (BEP 3), so values are decoded byte by byte rather than as UTF-8 text,
 * which would replace invalid sequences and corrupt them. `+` is kept as a literal byte: the
 * announce query is not form data, and clients escape a real 0x2B as `%2B`.
 * Keys are decoded too and read as latin1.
 */
export function parseRawQuery(target: string): E.Either<string, RawQuery> {
  const q = target.indexOf('?');
  const out = new Map<string, Uint8Array[]>();
  if (q < 0) return E.right(out);
  const query = target.slice(q + 1);
  let count = 0;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    if (++count > MAX_PAIRS) return E.left('too many query parameters');
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const key = percentDecode(rawKey);
    const value = percentDecode(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) return E.left('malformed percent-encoding in query');
    const k = Buffer.from(key).toString('latin1');
    const list = out.get(k);
    if (list === undefined) out.set(k, [value]);
    else list.push(value);
  }
  return E.right(out);
}

/** Decodes `%XX` escapes to bytes; other characters must be single bytes (the request line is latin1). */
export function percentDecode(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else if (c > 0xff) {
      return undefined;
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
