import * as E from 'fp-ts/lib/Either.js';
import type { PeerAddress } from '../types.js';

/** Bytes per compact IPv4 peer: 4 address + 2 port, big-endian (BEP 23). */
export const COMPACT_PEER4_BYTES = 6;
/** Bytes per compact IPv6 peer: 16 address + 2 port (BEP 7 `peers6`). */
export const COMPACT_PEER6_BYTES = 18;

/**
 * Most peers taken from one tracker reply (issue 10: a 1.5 MiB reply listed 60 000). A few
 * hundred are plenty to fill any connection limit; the next announce brings fresh ones.
 */
export const DEFAULT_MAX_PEERS_PER_REPLY = 200;

/**
 * Parses a compact IPv4 peer list (BEP 23). A length that is not a multiple of 6 means the
 * reply is corrupt: an error rather than a guess. Port-0 entries are dropped (nobody listens
 * there). At most `max` peers are taken; the rest are never turned into objects.
 */
export function parseCompactPeers4(bytes: Uint8Array, max = Infinity): E.Either<string, PeerAddress[]> {
  if (bytes.length % COMPACT_PEER4_BYTES !== 0) {
    return E.left(`compact peer list of ${bytes.length} bytes is not a multiple of 6`);
  }
  const peers: PeerAddress[] = [];
  for (let i = 0; i < bytes.length && peers.length < max; i += COMPACT_PEER4_BYTES) {
    const port = (bytes[i + 4]! << 8) | bytes[i + 5]!;
    if (port === 0) continue;
    peers.push({ ip: `${bytes[i]}.${bytes[i + 1]}.${bytes[i + 2]}.${bytes[i + 3]}`, port });
  }
  return E.right(peers);
}

/** Parses a compact IPv6 peer list (BEP 7 `peers6`; 18 bytes per peer), at most `max` peers. */
export function parseCompactPeers6(bytes: Uint8Array, max = Infinity): E.Either<string, PeerAddress[]> {
  if (bytes.length % COMPACT_PEER6_BYTES !== 0) {
    return E.left(`compact peers6 list of ${bytes.length} bytes is not a multiple of 18`);
  }
  const peers: PeerAddress[] = [];
  for (let i = 0; i < bytes.length && peers.length < max; i += COMPACT_PEER6_BYTES) {
    const port = (bytes[i + 16]! << 8) | bytes[i + 17]!;
    if (port === 0) continue;
    peers.push({ ip: formatIPv6(bytes.subarray(i, i + 16)), port });
  }
  return E.right(peers);
}

/** Formats 16 bytes as canonical IPv6 text (RFC 5952: lowercase, longest zero run as `::`). */
export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
