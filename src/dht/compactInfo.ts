/**
 * Compact encodings of BEP 5: "Compact IP-address/port info" (6 bytes: IPv4 + port, big-endian)
 * and "Compact node info" (26 bytes: 20-byte node id + compact IPv4/port).
 */
import { ID_BYTES, type NodeId } from './nodeId.js';

/** A DHT node we can reach: its id and UDP endpoint. */
export interface Contact {
  readonly id: NodeId;
  readonly ip: string;
  readonly port: number;
}

/** An IPv4 endpoint (a peer's TCP address, or a node's UDP address). */
export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** Bytes in compact IPv4 peer info. */
export const COMPACT_PEER_BYTES = 6;
/** Bytes in compact IPv4 node info. */
export const COMPACT_NODE_BYTES = ID_BYTES + COMPACT_PEER_BYTES;

/** Four bytes of a dotted IPv4 literal, or undefined for anything else (IPv6, names). */
export function ipv4Bytes(ip: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (m === null) return undefined;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? Uint8Array.from(b) : undefined;
}

/** `ip:port` as 6 bytes, or undefined when `ip` is not IPv4 or the port is out of range. */
export function encodeCompactPeer(e: Endpoint): Uint8Array | undefined {
  const ip = ipv4Bytes(e.ip);
  if (ip === undefined || !Number.isInteger(e.port) || e.port < 0 || e.port > 65535) return undefined;
  const out = new Uint8Array(COMPACT_PEER_BYTES);
  out.set(ip);
  out[4] = e.port >> 8;
  out[5] = e.port & 0xff;
  return out;
}

/** Reads 6 bytes at `offset` as IPv4 + port. */
export function decodeCompactPeer(b: Uint8Array, offset = 0): Endpoint {
  return { ip: `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`, port: (b[offset + 4]! << 8) | b[offset + 5]! };
}

/** Concatenated compact node info for `contacts`; IPv6 contacts are left out (BEP 32 has `nodes6`). */
export function encodeCompactNodes(contacts: readonly Contact[]): Uint8Array {
  const out = new Uint8Array(contacts.length * COMPACT_NODE_BYTES);
  let n = 0;
  for (const c of contacts) {
    const peer = encodeCompactPeer(c);
    if (peer === undefined || c.id.length !== ID_BYTES) continue;
    out.set(c.id, n);
    out.set(peer, n + ID_BYTES);
    n += COMPACT_NODE_BYTES;
  }
  return out.subarray(0, n);
}

/**
 * Splits a `nodes` string into contacts. A length that is not a multiple of 26 is corrupt:
 * undefined rather than a guess. Entries with port 0 are dropped (nobody listens there).
 */
export function decodeCompactNodes(b: Uint8Array): Contact[] | undefined {
  if (b.length % COMPACT_NODE_BYTES !== 0) return undefined;
  const out: Contact[] = [];
  for (let i = 0; i < b.length; i += COMPACT_NODE_BYTES) {
    const { ip, port } = decodeCompactPeer(b, i + ID_BYTES);
    if (port === 0) continue;
    out.push({ id: b.slice(i, i + ID_BYTES), ip, port });
  }
  return out;
}
