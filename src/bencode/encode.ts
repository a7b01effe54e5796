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
  let buf = new Uint8Array(256);
  let size = 0;
  const reserve = (n: number): void => {
    if (size + n <= buf.length) return;
    let cap = buf.length * 2;
    while (cap < size + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(buf.subarray(0, size));
    buf = next;
  };
  const push = (b: Uint8Array): void => {
    reserve(b.length);
    buf.set(b, size);
    size += b.length;
  };
  const pushAscii = (str: string): void => {
    reserve(str.length);
    for (let i = 0; i < str.length; i++) buf[size++] = str.charCodeAt(i);
  };
  const pushByte = (c: number): void => {
    reserve(1);
    buf[size++] = c;
  };
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
      pushByte(0x6c); // l
      for (const item of v as readonly BEncodable[]) walk(item, depth + 1);
      pushByte(0x65); // e
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
      // BEP 3: keys sorted as raw byte strings; latin1 keys compare the same as their bytes
      entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      pushByte(0x64); // d
      for (const [k, x] of entries) {
        pushAscii(`${k.length}:`);
        reserve(k.length);
        for (let i = 0; i < k.length; i++) {
          const c = k.charCodeAt(i);
          if (c > 0xff) throw new RangeError(`bencode: dictionary key "${k}" has a character above U+00FF; keys are byte strings`);
          buf[size++] = c;
        }
        walk(x, depth + 1);
      }
      pushByte(0x65); // e
    }
  };
  walk(value, 0);
  return buf.slice(0, size);
}

