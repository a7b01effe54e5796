import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { defer, from, lastValueFrom, map, mergeMap, of, throwError, type Observable } from 'rxjs';
import { encode, type BEncodable } from '../bencode/index.js';
import { createError, isCreateError, type CreateError } from './createError.js';
import { hashPieces, type HashProgress } from './hashPieces.js';
import { defaultCreatedBy } from './packageVersion.js';
import { parseMetainfo } from './parseMetainfo.js';
import { checkPieceLength, choosePieceLength } from './pieceLength.js';
import { scanContent, type Content } from './scanContent.js';
import type { Metainfo } from './types.js';

/** What to put in a new torrent. */
export interface CreateTorrentOptions {
  /** A file (single-file torrent) or a folder (multi-file torrent, recursive). */
  readonly path: string;
  /** Tracker tiers (BEP 12), e.g. `[['http://a/announce', 'http://b/announce'], ['udp://c']]`. */
  readonly trackers?: readonly (readonly string[])[];
  /** Piece length in bytes: a positive multiple of 16 KiB; chosen from the size when absent. */
  readonly pieceLength?: number;
  /** BEP 27 private flag. */
  readonly private?: boolean;
  readonly comment?: string;
  /** BEP 19 web seed URLs. */
  readonly webSeeds?: readonly string[];
  /** Defaults to `statorrent/<version>`. */
  readonly createdBy?: string;
  /** Seconds since the epoch; defaults to now; `null` leaves the field out. */
  readonly creationDate?: number | null;
}

/** The finished torrent: canonical bencode bytes and their parsed form. */
export interface CreatedTorrent {
  readonly torrent: Uint8Array;
  readonly metainfo: Metainfo;
}

/** Events of {@link createTorrent}: progress while hashing, then the torrent. */
export type CreateTorrentEvent = HashProgress | ({ readonly type: 'done' } & CreatedTorrent);

/**
 * Creates a v1 torrent from a file or folder. Scans the content (see scanContent), hashes it
 * streaming with constant memory, and emits `progress` events (bytes hashed out of the total,
 * monotonic, last one at the total) followed by one `done` event with the canonical bencode.
 * Fails with a {@link CreateError} on the error channel. Unsubscribing stops the hashing.
 */
export function createTorrent(options: CreateTorrentOptions): Observable<CreateTorrentEvent> {
  return defer(() => from(scanContent(options.path)())).pipe(
    mergeMap((scanned) => {
      if (E.isLeft(scanned)) return throwError(() => scanned.left);
      const content = scanned.right;
      if (content.totalLength === 0) {
        return throwError(() => createError('empty', `${options.path}: all files are empty; a torrent needs at least one byte`));
      }
      const pieceLength = options.pieceLength ?? choosePieceLength(content.totalLength);
      const bad = checkPieceLength(pieceLength, content.totalLength);
      if (bad !== undefined) return throwError(() => createError('bad-option', bad));
      const badTracker = (options.trackers ?? []).flat().find((u) => !/^(https?|udp):\/\/./i.test(u));
      if (badTracker !== undefined) {
        return throwError(() => createError('bad-option', `tracker "${badTracker}" is not an http://, https:// or udp:// URL`));
      }
      const badSeed = (options.webSeeds ?? []).find((u) => !/^https?:\/\/./i.test(u));
      if (badSeed !== undefined) return throwError(() => createError('bad-option', `web seed "${badSeed}" is not an http:// or https:// URL`));
      return hashPieces(content.files, pieceLength).pipe(
        mergeMap((ev): Observable<CreateTorrentEvent> => {
          if (ev.type === 'progress') return of(ev);
          return buildTorrent(content, pieceLength, ev.pieces, options).pipe(map((t) => ({ type: 'done' as const, ...t })));
        }),
      );
    }),
  );
}

/** {@link createTorrent} without progress, as a TaskEither. */
export function createTorrentTask(options: CreateTorrentOptions): TE.TaskEither<CreateError, CreatedTorrent> {
  return TE.tryCatch(
    async () => {
      const last = await lastValueFrom(createTorrent(options));
      if (last.type !== 'done') throw createError('read-failed', 'torrent creation ended without a result');
      return { torrent: last.torrent, metainfo: last.metainfo };
    },
    (e) => (isCreateError(e) ? e : createError('read-failed', (e as Error).message)),
  );
}

function buildTorrent(content: Content, pieceLength: number, pieces: Uint8Array, o: CreateTorrentOptions): Observable<CreatedTorrent> {
  const privateFlag = o.private === true ? 1 : undefined;
  const info: BEncodable = content.multiFile
    ? {
        files: content.files.map((f) => ({ length: f.length, path: [...f.path] })),
        name: content.name,
        'piece length': pieceLength,
        pieces,
        private: privateFlag,
      }
    : { length: content.totalLength, name: content.name, 'piece length': pieceLength, pieces, private: privateFlag };
  const tiers = (o.trackers ?? []).map((t) => t.filter((u) => u !== '')).filter((t) => t.length > 0);
  const urls = tiers.flat();
  const webSeeds = (o.webSeeds ?? []).filter((u) => u !== '');
  const creationDate = o.creationDate === null ? undefined : (o.creationDate ?? Math.floor(Date.now() / 1000));
  const torrent = encode({
    announce: urls[0],
    // BEP 12: the list only when there is more than one tracker; `announce` keeps old clients working.
    'announce-list': urls.length > 1 ? tiers.map((t) => [...t]) : undefined,
    comment: o.comment !== undefined && o.comment !== '' ? o.comment : undefined,
    'created by': o.createdBy ?? defaultCreatedBy(),
    'creation date': creationDate,
    info,
    'url-list': webSeeds.length > 0 ? webSeeds : undefined,
  });
  const parsed = parseMetainfo(torrent);
  if (E.isLeft(parsed)) return throwError(() => createError('bad-option', `created torrent does not parse: ${parsed.left.message}`));
  return of({ torrent, metainfo: parsed.right });
}
