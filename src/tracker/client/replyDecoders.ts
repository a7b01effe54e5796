/**
 * io-ts decoders from decoded bencode ({@link BValue}) to the plain values tracker replies
 * carry. Dictionaries arrive as `Map`s keyed by latin1 strings; {@link bdictRecord} turns one
 * into a prototype-less record so `D.struct`/`D.partial` can check the fields.
 */
import type * as DE from 'io-ts/lib/DecodeError.js';
import * as D from 'io-ts/lib/Decoder.js';
import type * as FS from 'io-ts/lib/FreeSemigroup.js';
import { isIP } from 'node:net';
import type { BValue } from '../../bencode/index.js';

/** Any bencode byte string. */
export const bytes: D.Decoder<unknown, Uint8Array> = D.fromRefinement(
  (u: unknown): u is Uint8Array => u instanceof Uint8Array,
  'byte string',
);

/** A byte string of exactly `n` bytes. */
export const bytesOfLength = (n: number): D.Decoder<unknown, Uint8Array> =>
  D.refine((b: Uint8Array): b is Uint8Array => b.length === n, `${n}-byte string`)(bytes);

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A byte string read as UTF-8 text (invalid sequences become U+FFFD), at most `max` bytes. */
export const text = (max: number): D.Decoder<unknown, string> =>
  D.parse((b: Uint8Array) =>
    b.length <= max ? D.success(utf8.decode(b)) : D.failure(b, `text of at most ${max} bytes`),
  )(bytes);

/** A bencode integer that fits in a safe JS integer and is >= 0. */
export const nonNegativeInt: D.Decoder<unknown, number> = D.fromRefinement(
  (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
  'non-negative integer',
);

/** A TCP/UDP port 1..65535. */
export const port: D.Decoder<unknown, number> = D.refine(
  (n: number): n is number => n >= 1 && n <= 65535,
  'port 1..65535',
)(nonNegativeInt);

/** An IPv4 or IPv6 address literal (host names are refused: we never resolve tracker-given names). */
export const ipLiteral: D.Decoder<unknown, string> = D.refine(
  (s: string): s is string => isIP(s) !== 0,
  'IPv4 or IPv6 address',
)(text(64));

/** A bencode dictionary as a prototype-less record of its entries. */
export const bdictRecord: D.Decoder<unknown, Record<string, BValue>> = {
  decode: (u) => {
    if (!(u instanceof Map)) return D.failure(u, 'dictionary');
    const rec: Record<string, BValue> = Object.create(null) as Record<string, BValue>;
    for (const [k, v] of u as Map<string, BValue>) rec[k] = v;
    return D.success(rec);
  },
};

/** A bencode list. */
export const blist: D.Decoder<unknown, BValue[]> = D.fromRefinement(
  (u: unknown): u is BValue[] => Array.isArray(u),
  'list',
);

/**
 * Flattens an io-ts error tree to one line a user can read: `field: expected X, got Y` for
 * the first few problems. Never prints the offending value itself (io-ts' own `draw` would
 * JSON-encode it: huge for byte strings, and it throws on big integers).
 */
export function drawOneLine(e: D.DecodeError): string {
  const lines: string[] = [];
  const walk = (fs: FS.FreeSemigroup<DE.DecodeError<string>>, path: string): void => {
    if (lines.length >= 3) return;
    if (fs._tag === 'Concat') {
      walk(fs.left, path);
      walk(fs.right, path);
      return;
    }
    const de = fs.value;
    switch (de._tag) {
      case 'Leaf':
        lines.push(`${path || 'reply'}: expected ${de.error}, got ${describe(de.actual)}`);
        return;
      case 'Key':
        if (de.errors._tag === 'Of' && de.errors.value._tag === 'Leaf' && de.errors.value.actual === undefined) {
          lines.push(`missing ${path ? `${path}.` : ''}${printableKey(de.key)}`);
          return;
        }
        walk(de.errors, path ? `${path}.${printableKey(de.key)}` : printableKey(de.key));
        return;
      case 'Index':
        walk(de.errors, `${path}[${de.index}]`);
        return;
      case 'Member':
      case 'Lazy':
        walk(de.errors, path);
        return;
      case 'Wrap':
        lines.push(`${path || 'reply'}: ${de.error}`);
        return;
    }
  };
  walk(e, '');
  return lines.join('; ');
}

/** A short description of a decoded bencode value, without its content. */
function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `a ${v.length}-byte string`;
  if (typeof v === 'number' || typeof v === 'bigint') {
    const text = v.toString();
    return `integer ${text.length > 20 ? `${text.slice(0, 20)}…` : text}`;
  }
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof Map) return 'a dictionary';
  if (v === undefined) return 'nothing';
  return typeof v;
}

const printableKey = (k: string): string => (k.length > 40 ? `${k.slice(0, 40)}…` : k).replace(/[^\x20-\x7e]/g, '?');
