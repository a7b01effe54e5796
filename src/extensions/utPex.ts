import * as E from 'fp-ts/lib/Either.js';
import * as D from 'io-ts/lib/Decoder.js';
import { encode, type BValue } from '../bencode/index.js';
import { parseIp } from '../peers/ipAddress.js';
import type { PeerEndpoint } from '../peers/peerPool.js';
import { COMPACT_PEER4_BYTES, COMPACT_PEER6_BYTES, parseCompactPeers4, parseCompactPeers6 } from '../tracker/client/compactPeers.js';
import { bdictRecord, bytes } from '../tracker/client/replyDecoders.js';
import { decodePayload } from './bencodedPayload.js';
import type { ExtensionError } from './extensionError.js';
import { MAX_PEX_PEERS_TAKEN, MAX_UT_PEX_MESSAGE_BYTES } from './limits.js';

/** A peer in a PEX message: its endpoint and the BEP 11 flags byte for it, as sent (0 when unknown; the bits are `PexFlags`). */
export interface PexPeer extends PeerEndpoint {
  readonly flags: number;
}

/** One ut_pex message (BEP 11): peers connected and disconnected since the previous one. */
export interface PexMessage {
  readonly added: readonly PexPeer[];
  readonly dropped: readonly PeerEndpoint[];
}

const shape = D.compose(
  D.partial({ added: bytes, 'added.f': bytes, dropped: bytes, added6: bytes, 'added6.f': bytes, dropped6: bytes }),
)(bdictRecord);

/**
 * Decodes a received ut_pex payload. Over {@link MAX_UT_PEX_MESSAGE_BYTES}, not bencode or not
 * a dictionary of byte strings is an error (close). Compact lists are parsed with the
 * tracker's parsers; addresses that are not unicast (0.0.0.0/8, multicast, broadcast, `::`,
 * ff00::/8) and port 0 are skipped, and at most {@link MAX_PEX_PEERS_TAKEN} peers are taken in
 * all. A list whose length is not a whole number of entries is cut to whole entries (a flags
 * list of the wrong length means flags 0), liberal like other clients. Each flags byte is kept
 * as sent, reserved bits included: readers test only the bits BEP 11 defines (pexFlags.ts).
 */
export function decodeUtPex(payload: Uint8Array): E.Either<ExtensionError, PexMessage> {
  return E.map((m: D.TypeOf<typeof shape>) => {
    let budget = MAX_PEX_PEERS_TAKEN;
    const take = <P>(list: P[]): P[] => {
      const kept = list.slice(0, Math.max(0, budget));
      budget -= kept.length;
      return kept;
    };
    const added = take([...peersWithFlags(m.added, m['added.f'], 4), ...peersWithFlags(m.added6, m['added6.f'], 6)]);
    const dropped = take([...peersWithFlags(m.dropped, undefined, 4), ...peersWithFlags(m.dropped6, undefined, 6)]).map(({ ip, port }) => ({ ip, port }));
    return { added, dropped };
  })(decodePayload(payload, MAX_UT_PEX_MESSAGE_BYTES, 'ut_pex message', shape));
}

function peersWithFlags(list: Uint8Array | undefined, flags: Uint8Array | undefined, family: 4 | 6): PexPeer[] {
  if (list === undefined) return [];
  const size = family === 4 ? COMPACT_PEER4_BYTES : COMPACT_PEER6_BYTES;
  const parse = family === 4 ? parseCompactPeers4 : parseCompactPeers6;
  const count = Math.floor(list.length / size);
  const usableFlags = flags !== undefined && flags.length === count ? flags : undefined;
  const out: PexPeer[] = [];
  // Entry by entry, so a skipped entry (port 0) cannot shift the positional flags.
  for (let i = 0; i < count && out.length < MAX_PEX_PEERS_TAKEN; i++) {
    const parsed = parse(list.subarray(i * size, (i + 1) * size));
    if (E.isLeft(parsed) || parsed.right.length === 0) continue;
    const { ip, port } = parsed.right[0]!;
    if (!isUnicast(ip)) continue;
    out.push({ ip, port, flags: usableFlags?.[i] ?? 0 });
  }
  return out;
}

/** False for addresses no peer can listen on: unspecified, multicast, broadcast, 0.0.0.0/8. */
export function isUnicast(ip: string): boolean {
  const p = parseIp(ip);
  if (p === undefined) return false;
  const b = p.bytes;
  if (b.length === 4) return b[0] !== 0 && b[0]! < 224; // 224/4 multicast, 240/4 reserved + broadcast
  if (b[0] === 0xff) return false; // ff00::/8 multicast
  return !b.every((x) => x === 0); // :: unspecified
}

/**
 * Encodes a ut_pex payload: IPv4 peers in `added`/`added.f`/`dropped`, IPv6 peers in
 * `added6`/`added6.f`/`dropped6` (BEP 11). Endpoints that are not IP literals are skipped.
 */
export function encodeUtPex(msg: PexMessage): Uint8Array {
  const a4: number[] = [], f4: number[] = [], d4: number[] = [], a6: number[] = [], f6: number[] = [], d6: number[] = [];
  for (const p of msg.added) {
    const c = compact(p);
    if (c === undefined) continue;
    (c.length === 6 ? a4 : a6).push(...c);
    (c.length === 6 ? f4 : f6).push(p.flags & 0xff);
  }
  for (const p of msg.dropped) {
    const c = compact(p);
    if (c !== undefined) (c.length === 6 ? d4 : d6).push(...c);
  }
  const dict: Record<string, BValue> = { added: Uint8Array.from(a4), 'added.f': Uint8Array.from(f4), dropped: Uint8Array.from(d4) };
  if (a6.length > 0) {
    dict['added6'] = Uint8Array.from(a6);
    dict['added6.f'] = Uint8Array.from(f6);
  }
  if (d6.length > 0) dict['dropped6'] = Uint8Array.from(d6);
  return encode(dict);
}

function compact(p: PeerEndpoint): number[] | undefined {
  const ip = parseIp(p.ip);
  if (ip === undefined || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) return undefined;
  return [...ip.bytes, p.port >> 8, p.port & 0xff];
}
