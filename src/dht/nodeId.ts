/**
 * Node ids and the Kademlia XOR metric (BEP 5 "Distance Metric"): ids and info hashes share one
 * 160-bit space, and distance(A, B) = A XOR B read as an unsigned integer.
 */
import { toHex } from '../wire/hex.js';

/** Bytes in a node id or info hash. */
export const ID_BYTES = 20;
/** Bits in a node id. */
export const ID_BITS = 160;

/** A 20-byte node id (or info hash, or lookup target). */
export type NodeId = Uint8Array;

/** Lower-case hex of an id: the key ids go by in maps and machine context. */
export const idKey = (id: NodeId): string => toHex(id);

/** Parses 40 hex digits into an id, or undefined. */
export function idFromHex(hex: string): NodeId | undefined {
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) return undefined;
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `a XOR b`, byte by byte. */
export function xorDistance(a: NodeId, b: NodeId): Uint8Array {
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/**
 * Which of `a`, `b` is closer to `target`: negative when `a` is, positive when `b` is, 0 when
 * equal. Compares the XOR byte by byte without allocating.
 */
export function compareDistance(target: NodeId, a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const da = a[i]! ^ target[i]!;
    const db = b[i]! ^ target[i]!;
    if (da !== db) return da - db;
  }
  return 0;
}

/**
 * Leading bits `a` and `b` share (0..160). The bigger, the closer: a distance shown as a
 * bit-prefix length, which is also the routing-table bucket a node falls in.
 */
export function commonPrefixBits(a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_BYTES; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return ID_BITS;
}

/** The id as an unsigned 160-bit integer (for range checks in tests and tables). */
export function idToBigInt(id: NodeId): bigint {
  let n = 0n;
  for (let i = 0; i < ID_BYTES; i++) n = (n << 8n) | BigInt(id[i]!);
  return n;
}

/** Inverse of {@link idToBigInt}. */
export function idFromBigInt(n: bigint): NodeId {
  const out = new Uint8Array(ID_BYTES);
  for (let i = ID_BYTES - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/**
 * An id sharing exactly the first `prefixBits` bits with `ours` and differing at the next one
 * (or, for `prefixBits` = 160, `ours` itself): a refresh target inside that bucket (BEP 5
 * "Routing Table": refresh a bucket by looking up a random id in its range). `random` supplies
 * the free bits, so the function stays pure.
 */
export function idWithPrefix(ours: NodeId, prefixBits: number, random: Uint8Array): NodeId {
  if (prefixBits >= ID_BITS) return Uint8Array.from(ours);
  const out = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) {
    const keepBits = Math.max(0, Math.min(8, prefixBits - i * 8));
    const keepMask = keepBits === 0 ? 0 : (0xff << (8 - keepBits)) & 0xff;
    out[i] = (ours[i]! & keepMask) | ((random[i] ?? 0) & ~keepMask & 0xff);
  }
  // flip bit `prefixBits` so the common prefix is exactly prefixBits long
  const byte = prefixBits >> 3;
  const bit = 0x80 >> (prefixBits & 7);
  out[byte] = (out[byte]! & ~bit) | (~ours[byte]! & bit);
  return out;
}
