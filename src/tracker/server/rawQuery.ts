import * as E from 'fp-ts/lib/Either.js';

/** Query parameters with their values as raw bytes; a key may repeat (scrape's `info_hash`). */
export type RawQuery = ReadonlyMap<string, readonly Uint8Array[]>;

/** Most `key=value` pairs read from one query; a real announce has about a dozen. */
const MAX_PAIRS = 256;
const AMP = 0x26, EQ = 0x3d, PERCENT = 0x25;

/** Hex digit values, -1 for non-hex bytes. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) { HEX[0x41 + c] = 10 + c; HEX[0x61 + c] = 10 + c; }

/**
 * Splits a request target's query into byte-valued parameters. `info_hash` and `peer_id` are
 * percent-encoded binary (BEP 3), so values are decoded byte by byte rather than as UTF-8 text,
 * which would replace invalid sequences and corrupt them. `+` is kept as a literal byte: the
 * announce query is not form data, and clients escape a real 0x2B as `%2B`.
 * Keys are decoded too and read as latin1. Values are views into one buffer per query.
 */
export function parseRawQuery(target: string): E.Either<string, RawQuery> {
  const out = new Map<string, Uint8Array[]>();
  const q = target.indexOf('?');
  if (q < 0) return E.right(out);
  // Node hands over the request line as latin1, one char per byte; anything wider is not ours.
  if (/[^\x00-\xff]/.test(target)) return E.left('malformed percent-encoding in query');
  const src = Buffer.from(target.slice(q + 1), 'latin1');
  const dst = Buffer.allocUnsafe(src.length);
  let n = 0, i = 0, pairs = 0;
  const len = src.length;
  // Decodes from src[i] up to a stop byte into dst; false on a bad escape.
  const run = (stopAtEq: boolean): boolean => {
    while (i < len) {
      const c = src[i] as number;
      if (c === AMP || (stopAtEq && c === EQ)) return true;
      if (c === PERCENT) {
        const hi = i + 1 < len ? (HEX[src[i + 1] as number] as number) : -1;
        const lo = i + 2 < len ? (HEX[src[i + 2] as number] as number) : -1;
        if (hi < 0 || lo < 0) return false;
        dst[n++] = (hi << 4) | lo;
        i += 3;
      } else {
        dst[n++] = c;
        i++;
      }
    }
    return true;
  };
  while (i < len) {
    if (src[i] === AMP) { i++; continue; }
    if (++pairs > MAX_PAIRS) return E.left('too many query parameters');
    const keyStart = n;
    if (!run(true)) return E.left('malformed percent-encoding in query');
    const key = dst.toString('latin1', keyStart, n);
    const valueStart = n;
    if (src[i] === EQ) {
      i++;
      if (!run(false)) return E.left('malformed percent-encoding in query');
    }
    const value = new Uint8Array(dst.buffer, dst.byteOffset + valueStart, n - valueStart);
    const list = out.get(key);
    if (list === undefined) out.set(key, [value]);
    else list.push(value);
  }
  return E.right(out);
}
