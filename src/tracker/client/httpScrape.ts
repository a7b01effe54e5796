import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import * as D from 'io-ts/lib/Decoder.js';
import { decode, TRACKER_REPLY_BUDGET } from '../../bencode/index.js';
import { trackerError, type TrackerError } from '../types.js';
import { appendQuery } from './announceUrl.js';
import { httpGetBounded, trackerLabel, type HttpTrackerOptions } from './httpGet.js';
import { percentEncodeBytes } from './percentEncoding.js';
import { bdictRecord, drawOneLine, nonNegativeInt, text } from './replyDecoders.js';

/** Swarm counts of one torrent from a scrape (BEP 48). */
export interface ScrapeStats {
  /** Seeders. */
  readonly complete: number;
  /** Leechers. */
  readonly incomplete: number;
  /** Completed downloads ever reported. */
  readonly downloaded: number;
}

/**
 * The scrape URL of an announce URL (BEP 48): the last path segment must start with
 * `announce`, which is replaced by `scrape`; otherwise the tracker does not support scrape.
 */
export function scrapeUrlOf(announceUrl: string): string | undefined {
  const cut = announceUrl.search(/[?#]/);
  const path = cut >= 0 ? announceUrl.slice(0, cut) : announceUrl;
  const rest = cut >= 0 ? announceUrl.slice(cut) : '';
  const slash = path.lastIndexOf('/');
  if (slash < 0 || !path.startsWith('announce', slash + 1)) return undefined;
  return `${path.slice(0, slash + 1)}scrape${path.slice(slash + 1 + 'announce'.length)}${rest}`;
}

const fileStats = pipe(
  bdictRecord,
  D.compose(D.struct({ complete: nonNegativeInt, incomplete: nonNegativeInt, downloaded: nonNegativeInt })),
);

const scrapeReply = D.struct({ files: bdictRecord });

/**
 * Scrapes an HTTP tracker for the given info hashes (BEP 48). Returns stats keyed by lowercase
 * hex info hash; hashes the tracker does not know are absent.
 */
export function httpScrape(
  announceUrl: string,
  infoHashes: readonly Uint8Array[],
  opts: HttpTrackerOptions = {},
): TE.TaskEither<TrackerError, ReadonlyMap<string, ScrapeStats>> {
  const label = trackerLabel(announceUrl);
  const scrapeUrl = /^https?:\/\//i.test(announceUrl) ? scrapeUrlOf(announceUrl) : undefined;
  if (scrapeUrl === undefined) return TE.left(trackerError.unsupportedScheme(label));
  const query = infoHashes.map((h) => `info_hash=${percentEncodeBytes(h)}`).join('&');
  return pipe(
    // The policy judges the announce URL the torrent gave (a scrape path never ends in /announce).
    httpGetBounded(appendQuery(scrapeUrl, query), label, opts, announceUrl),
    TE.chainEitherK((body) => decodeScrapeBody(label, body)),
  );
}

function decodeScrapeBody(label: string, body: Uint8Array): E.Either<TrackerError, ReadonlyMap<string, ScrapeStats>> {
  return pipe(
    decode(body, TRACKER_REPLY_BUDGET),
    E.mapLeft((be) => trackerError.invalidReply(label, be.message)),
    E.chain((v) => pipe(bdictRecord.decode(v), E.mapLeft((e) => trackerError.invalidReply(label, drawOneLine(e))))),
    E.chain((rec) => {
      const failure = rec['failure reason'];
      if (failure !== undefined) {
        return pipe(
          text(4096).decode(failure),
          E.mapLeft((e) => trackerError.invalidReply(label, drawOneLine(e))),
          E.chain((reason) => E.left(trackerError.failureReason(label, reason))),
        );
      }
      return pipe(
        scrapeReply.decode(rec),
        E.mapLeft((e) => trackerError.invalidReply(label, drawOneLine(e))),
        E.map(({ files }) => {
          const out = new Map<string, ScrapeStats>();
          for (const key of Object.keys(files)) {
            const stats = fileStats.decode(files[key]);
            // Keys are raw 20-byte hashes as latin1; anything else is skipped.
            if (key.length === 20 && E.isRight(stats)) out.set(Buffer.from(key, 'latin1').toString('hex'), stats.right);
          }
          return out;
        }),
      );
    }),
  );
}
