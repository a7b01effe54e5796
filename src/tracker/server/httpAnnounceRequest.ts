import * as E from 'fp-ts/lib/Either.js';
import type { RawQuery } from './rawQuery.js';
import type { ServerAnnounce, ServerAnnounceEvent } from './peerTypes.js';
import type { TrackerLimits } from './trackerLimits.js';
import { resolvePeerIp } from './peerAddressPolicy.js';

/** A validated HTTP announce plus how the reply should be shaped. */
export interface HttpAnnounce extends ServerAnnounce {
  /** BEP 23: reply with compact strings (default, unless `compact=0`). */
  readonly compact: boolean;
  /** Leave `peer id` out of dictionary-model peers. */
  readonly noPeerId: boolean;
}

const events: Record<string, ServerAnnounceEvent> = { started: 'started', completed: 'completed', stopped: 'stopped', empty: 'empty', '': 'empty' };

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/**
 * Validates an announce query (BEP 3) coming from `socketAddress`. Every problem is a one-line
 * reason suitable for a bencoded `failure reason`.
 */
export function parseHttpAnnounce(q: RawQuery, socketAddress: string, limits: TrackerLimits): E.Either<string, HttpAnnounce> {
  const one = (k: string): Uint8Array | undefined => q.get(k)?.[0];
  const infoHash = one('info_hash');
  if (infoHash === undefined) return E.left('missing info_hash');
  if (infoHash.length !== 20) return E.left(`info_hash must be 20 bytes, got ${infoHash.length}`);
  const peerId = one('peer_id');
  if (peerId === undefined) return E.left('missing peer_id');
  if (peerId.length !== 20) return E.left(`peer_id must be 20 bytes, got ${peerId.length}`);
  const portText = one('port');
  if (portText === undefined) return E.left('missing port');
  const port = nonNegative(text(portText));
  if (port === undefined || port < 1 || port > 65535) return E.left('port must be an integer in 1..65535');
  const amounts: number[] = [];
  for (const k of ['uploaded', 'downloaded', 'left'] as const) {
    const raw = one(k);
    // Some clients omit uploaded/downloaded on `started`; treat absence as 0, garbage as an error.
    const v = raw === undefined ? 0 : nonNegative(text(raw));
    if (v === undefined) return E.left(`${k} must be a non-negative integer`);
    amounts.push(v);
  }
  const rawLeft = one('left');
  if (rawLeft === undefined) return E.left('missing left');
  const rawEvent = one('event');
  const event = events[rawEvent === undefined ? '' : text(rawEvent)];
  if (event === undefined) return E.left('event must be started, completed, stopped or empty');
  const rawNumwant = one('numwant');
  let numwant = limits.defaultNumwant;
  if (rawNumwant !== undefined) {
    const n = nonNegative(text(rawNumwant));
    if (n === undefined) return E.left('numwant must be a non-negative integer');
    numwant = Math.min(n, limits.maxNumwant);
  }
  const rawIp = one('ip');
  const ip = resolvePeerIp(socketAddress, rawIp === undefined ? undefined : text(rawIp));
  if (ip === undefined) return E.left('cannot determine your address');
  const compactRaw = one('compact');
  return E.right({
    infoHash,
    peerId,
    endpoint: { ip: ip.ip, ipBytes: ip.bytes, port },
    uploaded: amounts[0] ?? 0,
    downloaded: amounts[1] ?? 0,
    left: amounts[2] ?? 0,
    event,
    numwant,
    compact: compactRaw === undefined || text(compactRaw) !== '0',
    noPeerId: one('no_peer_id') !== undefined && text(one('no_peer_id') ?? new Uint8Array()) !== '0',
  });
}

/** Parses a decimal non-negative integer; values beyond 2^53 are clamped (byte counts only inform). */
function nonNegative(s: string): number | undefined {
  if (!/^[0-9]{1,30}$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}
