import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as D from 'io-ts/lib/Decoder.js';
import type { BValue } from '../../bencode/index.js';
import type { AnnounceResponse, PeerAddress } from '../types.js';
import { DEFAULT_MAX_PEERS_PER_REPLY, parseCompactPeers4, parseCompactPeers6 } from './compactPeers.js';
import { clampInterval } from './intervals.js';
import {
  bdictRecord, blist, bytes, bytesOfLength, drawOneLine, ipLiteral, nonNegativeInt, port, text,
} from './replyDecoders.js';

/** What an HTTP announce reply means: refused (`failure reason`) or answered. */
export type HttpAnnounceReply =
  | { readonly _tag: 'failure'; readonly reason: string }
  | { readonly _tag: 'success'; readonly response: AnnounceResponse };

/** One entry of a non-compact peer list (BEP 3): `{ip, port, peer id?}`. */
const dictPeer: D.Decoder<unknown, PeerAddress> = pipe(
  bdictRecord,
  D.compose(
    pipe(
      D.struct({ ip: ipLiteral, port }),
      D.intersect(D.partial({ 'peer id': bytesOfLength(20) })),
    ),
  ),
  D.map((p): PeerAddress => (p['peer id'] ? { ip: p.ip, port: p.port, peerId: p['peer id'] } : { ip: p.ip, port: p.port })),
);

/**
 * Non-compact peer lists are decoded entry by entry and bad entries are skipped (one tracker
 * sending one host name must not cost us the rest of the swarm); at most `max` are kept.
 */
const dictPeerList = (max: number): D.Decoder<unknown, PeerAddress[]> => D.parse((list: BValue[]) => {
  const peers: PeerAddress[] = [];
  for (const item of list) {
    if (peers.length >= max) break;
    const r = dictPeer.decode(item);
    if (E.isRight(r)) peers.push(r.right);
  }
  return D.success(peers);
})(blist);

const compactPeers4 = (max: number): D.Decoder<unknown, PeerAddress[]> => D.parse((b: Uint8Array) =>
  pipe(parseCompactPeers4(b, max), E.match(() => D.failure<PeerAddress[]>(b, 'compact peer list (a multiple of 6 bytes)'), D.success)),
)(bytes);

const compactPeers6 = (max: number): D.Decoder<unknown, PeerAddress[]> => D.parse((b: Uint8Array) =>
  pipe(parseCompactPeers6(b, max), E.match(() => D.failure<PeerAddress[]>(b, 'compact peers6 list (a multiple of 18 bytes)'), D.success)),
)(bytes);

const failureReply = D.struct({ 'failure reason': text(4096) });

const successReplyOf = (max: number) => pipe(
  D.struct({ interval: nonNegativeInt }),
  D.intersect(
    D.partial({
      'min interval': nonNegativeInt,
      peers: D.union(compactPeers4(max), dictPeerList(max)),
      peers6: compactPeers6(max),
      complete: nonNegativeInt,
      incomplete: nonNegativeInt,
      'tracker id': text(1024),
      'warning message': text(4096),
    }),
  ),
);
const defaultSuccessReply = successReplyOf(DEFAULT_MAX_PEERS_PER_REPLY);

/**
 * Decodes a bencoded HTTP announce reply (BEP 3 "Tracker Response", BEP 23 compact `peers`,
 * BEP 7 `peers6`). Intervals are clamped (see `intervals.ts`); IPv4 and IPv6 peers are merged,
 * at most `maxPeers` in all (a 1 MiB reply could list 175 000).
 * The error is a one-line description of what was wrong.
 */
export function decodeHttpAnnounceReply(value: BValue, maxPeers = DEFAULT_MAX_PEERS_PER_REPLY): E.Either<string, HttpAnnounceReply> {
  const asRecord = bdictRecord.decode(value);
  if (E.isLeft(asRecord)) return E.left('reply is not a bencoded dictionary');
  const rec = asRecord.right;
  if (rec['failure reason'] !== undefined) {
    return pipe(
      failureReply.decode(rec),
      E.bimap(drawOneLine, (f): HttpAnnounceReply => ({ _tag: 'failure', reason: f['failure reason'] })),
    );
  }
  return pipe(
    (maxPeers === DEFAULT_MAX_PEERS_PER_REPLY ? defaultSuccessReply : successReplyOf(maxPeers)).decode(rec),
    E.bimap(drawOneLine, (r): HttpAnnounceReply => {
      const response: {
        -readonly [K in keyof AnnounceResponse]: AnnounceResponse[K];
      } = {
        interval: clampInterval(r.interval),
        peers: [...(r.peers ?? []), ...(r.peers6 ?? [])].slice(0, maxPeers),
      };
      if (r['min interval'] !== undefined) response.minInterval = Math.min(clampInterval(r['min interval']), response.interval);
      if (r.complete !== undefined) response.complete = r.complete;
      if (r.incomplete !== undefined) response.incomplete = r.incomplete;
      if (r['tracker id'] !== undefined) response.trackerId = r['tracker id'];
      if (r['warning message'] !== undefined) response.warning = r['warning message'];
      return { _tag: 'success', response };
    }),
  );
}
