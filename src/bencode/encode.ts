import type { BValue } from './types.js';

/**
 * What {@link encode} accepts: the decoded model, plus conveniences for building values by hand
 * (JS strings are written as UTF-8, plain objects as dictionaries).
 */
export type BEncodable =
  | BValue
  | string
  | readonly BEncodable[]
  | ReadonlyMap<string, BEncodable>
  | { readonly [key: string]: BEncodable | undefined };

const utf8 = new TextEncoder();

/**
 * Encodes a value as canonical bencode: dictionary keys sorted by their bytes (BEP 3),
 * integers in shortest form. Dictionary entries whose value is `undefined` are left out.
 * Throws `RangeError` for values bencode cannot hold (non-integer numbers, keys with
 * characters above U+00FF): those are programming errors, not input errors.
 */
export function encode(value: BEncodable): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    size += b.length;
  };
  const pushAscii = (s: string): void => push(asciiBytes(s));
  const walk = (v: BEncodable, depth: number): void => {
    if (depth > 1000) throw new RangeError('bencode: value nested too deeply to encode');
    if (v instanceof Uint8Array) {
      pushAscii(`${v.length}:`);
      push(v);
    } else if (typeof v === 'string') {
      const b = utf8.encode(v);
      pushAscii(`${b.length}:`);
      push(b);
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`bencode: ${v} is not a safe integer`);
      pushAscii(`i${v}e`);
    } else if (typeof v === 'bigint') {
      pushAscii(`i${v.toString()}e`);
    } else if (Array.isArray(v)) {
      pushAscii('l');
      for (const item of v as readonly BEncodable[]) walk(item, depth + 1);
      pushAscii('e');
    } else {
      const entries: [string, BEncodable][] = [];
      if (v instanceof Map) {
        for (const [k, x] of v as ReadonlyMap<string, BEncodable>) entries.push([k, x]);
      } else {
        for (const k of Object.keys(v)) {
          const x = (v as { readonly [key: string]: BEncodable | undefined })[k];
          if (x !== undefined) entries.push([k, x]);
        }
      }
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      pushAscii('d');
      for (const [k, x] of entries) {
        const kb = latin1Bytes(k);
        pushAscii(`${kb.length}:`);
        push(kb);
        walk(x, depth + 1);
      }
      pushAscii('e');
    }
  };
  walk(value, 0);
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`bencode: dictionary key "${s}" has a character above U+00FF; keys are byte strings`);
    b[i] = c;
  }
  return b;
}
