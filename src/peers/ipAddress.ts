import { isIP } from 'node:net';

/**
 * Parses an IP literal into its normalised text and raw bytes. IPv4-mapped IPv6 addresses
 * (`::ffff:a.b.c.d`, how a dual-stack socket reports IPv4 clients) become plain IPv4, so one
 * client is one peer whichever socket it used. Returns `undefined` for anything else.
 */
export function parseIp(text: string): { ip: string; bytes: Uint8Array } | undefined {
  const kind = isIP(text);
  if (kind === 4) {
    const bytes = ipv4Bytes(text);
    return bytes === undefined ? undefined : { ip: text, bytes };
  }
  if (kind !== 6) return undefined;
  // Fast path for how dual-stack sockets report IPv4 clients.
  if (text.startsWith('::ffff:') && isIP(text.slice(7)) === 4) return parseIp(text.slice(7));
  const v6 = ipv6Bytes(text);
  if (v6 === undefined) return undefined;
  if (isV4Mapped(v6)) {
    const b = v6.slice(12);
    return { ip: `${b[0]}.${b[1]}.${b[2]}.${b[3]}`, bytes: b };
  }
  return { ip: ipv6Text(v6), bytes: v6 };
}

/** Textual form of 4 or 16 address bytes (as read from a UDP announce or a compact list). */
export function ipFromBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  return ipv6Text(bytes);
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(bytes: Uint8Array): boolean {
  if (bytes.length === 4) return bytes[0] === 127;
  return bytes.length === 16 && bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1;
}

function ipv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return Uint8Array.from(parts);
}

function isV4Mapped(b: Uint8Array): boolean {
  return b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  // An embedded dotted quad takes the last 32 bits.
  let tailV4: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    tailV4 = ipv4Bytes(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? '';
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tailV4 !== undefined) out.set(tailV4, 12);
  return out;
}

/** RFC 5952 text: lowercase, the longest run (>= 2) of zero groups compressed to `::`. */
function ipv6Text(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
