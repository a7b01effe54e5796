import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { decode, TRACKER_REPLY_BUDGET } from '../../bencode/index.js';
import { trackerError, type AnnounceRequest, type AnnounceResponse, type TrackerError } from '../types.js';
import { buildAnnounceUrl } from './announceUrl.js';
import { DEFAULT_MAX_PEERS_PER_REPLY } from './compactPeers.js';
import { decodeHttpAnnounceReply } from './httpAnnounceReply.js';
import { httpGetBounded, trackerLabel, type HttpTrackerOptions } from './httpGet.js';

/**
 * Announces to an HTTP(S) tracker (BEP 3, compact BEP 23, IPv6 BEP 7) and decodes its reply.
 * A `failure reason` becomes a `failure-reason` error; a `warning message` rides along in the
 * response. Bounded in time (`timeoutMs`) and size (`maxBodyBytes`).
 */
export function httpAnnounce(
  announceUrl: string,
  req: AnnounceRequest,
  opts: HttpTrackerOptions = {},
): TE.TaskEither<TrackerError, AnnounceResponse> {
  const label = trackerLabel(announceUrl);
  if (!/^https?:\/\//i.test(announceUrl)) return TE.left(trackerError.unsupportedScheme(label));
  return pipe(
    httpGetBounded(buildAnnounceUrl(announceUrl, req), label, opts, announceUrl),
    TE.chainEitherK((body) => decodeAnnounceBody(label, body, opts.maxPeersPerReply)),
  );
}

/** Bencode-decodes then validates an announce reply body, taking at most `maxPeers` peers. */
export function decodeAnnounceBody(label: string, body: Uint8Array, maxPeers = DEFAULT_MAX_PEERS_PER_REPLY): E.Either<TrackerError, AnnounceResponse> {
  return pipe(
    decode(body, TRACKER_REPLY_BUDGET),
    E.mapLeft((be) => trackerError.invalidReply(label, be.message)),
    E.chain((v) => pipe(decodeHttpAnnounceReply(v, maxPeers), E.mapLeft((m) => trackerError.invalidReply(label, m)))),
    E.chain((reply) =>
      reply._tag === 'failure' ? E.left(trackerError.failureReason(label, reply.reason)) : E.right(reply.response),
    ),
  );
}
