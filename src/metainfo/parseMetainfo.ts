import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { decodeWithSpans, DEFAULT_MAX_DEPTH, itemsFor, MAX_DEFAULT_ITEMS, type BDict, type BValue } from '../bencode/index.js';
import { metainfoError, type MetainfoError } from './errors.js';
import { MAX_FILES, MAX_PIECE_COUNT, MAX_PIECE_LENGTH, MAX_TORRENT_BYTES, type MetainfoLimits } from './limits.js';
import { drawDecodeError, summarizeDecodeError } from './drawDecodeError.js';
import { strictText } from './bencodeDecoders.js';
import { makePathsUniqueInPlace, sanitizeComponent, sanitizePath } from './sanitizePath.js';
import {
  commentDecoder,
  createdByDecoder,
  creationDateDecoder,
  rawInfoDecoder,
  rawTorrentDecoder,
  type RawFile,
  type RawInfo,
} from './torrentSchema.js';
import type { FileEntry, Metainfo } from './types.js';

const lenientUtf8 = new TextDecoder('utf-8');

/**
 * Decodes and validates a v1 .torrent file (BEP 3, with BEP 12 tiers, BEP 19 web seeds, BEP 27
 * private flag and BEP 47 padding files). Never throws: every problem is a {@link MetainfoError}.
 *
 * The info hash is the SHA-1 of the `info` dictionary's original bytes, never of a re-encoding,
 * so torrents with unsorted keys or unknown fields keep their identity. File paths come back
 * sanitized (see sanitizePath.ts) and unique.
 *
 * Bounded by `limits` (size, nesting, item budget; defaults in {@link MetainfoLimits}) so a
 * hostile file costs time and memory linear in its size, rejected or not.
 */
export function parseMetainfo(input: Uint8Array, limits: MetainfoLimits = {}): E.Either<MetainfoError, Metainfo> {
  const maxBytes = limits.maxBytes ?? MAX_TORRENT_BYTES;
  if (input.length > maxBytes) {
    return E.left(metainfoError('too-large', `${input.length} bytes is over the ${maxBytes}-byte limit for a .torrent`));
  }
  // A raised size limit raises the item cap in proportion, so one option admits a big torrent.
  const cap = Math.max(MAX_DEFAULT_ITEMS, Math.ceil((MAX_DEFAULT_ITEMS * maxBytes) / MAX_TORRENT_BYTES));
  const budget = { maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH, maxItems: limits.maxItems ?? itemsFor(input.length, cap) };
  const decoded = decodeWithSpans(input, { ...budget, spanKeys: ['info'] });
  if (E.isLeft(decoded)) {
    const be = decoded.left;
    const overBudget = be.code === 'too-deep' || be.code === 'too-many-items';
    const what = overBudget ? 'too complex to decode' : 'not bencode';
    return E.left(metainfoError('bencode', `${what}: ${be.message.replace(/^bencode: /, '')}`, { bencode: be }));
  }
  const { value, spans } = decoded.right;

  const top = rawTorrentDecoder.decode(value);
  if (E.isLeft(top)) {
    return E.left(metainfoError('structure', summarizeDecodeError(top.left), { tree: drawDecodeError(top.left) }));
  }
  const infoMap = top.right.info;
  if (!infoMap.has('pieces') && (infoMap.has('meta version') || infoMap.has('file tree'))) {
    return E.left(metainfoError('unsupported-v2', 'v2-only torrents (BEP 52) are not supported; a v1 or hybrid torrent is needed'));
  }
  const info = rawInfoDecoder.decode(infoMap);
  if (E.isLeft(info)) {
    const tree = drawDecodeError(info.left, 'required key "info"');
    return E.left(metainfoError('structure', summarizeDecodeError(info.left, 'info > '), { tree }));
  }
  const span = spans.get(infoMap);
  if (span === undefined) throw new Error('bencode decoder returned no span for a dictionary'); // programming error
  const infoBytes = input.slice(span[0], span[1]);
  const infoHash = new Uint8Array(createHash('sha1').update(infoBytes).digest());
  const infoHashHex = Buffer.from(infoHash).toString('hex');

  return E.map((layout: Layout) => {
    const optional = optionalFields(value as BDict);
    const m: Metainfo = {
      infoHash,
      infoHashHex,
      infoBytes,
      name: layout.name === '' ? infoHashHex : layout.name,
      pieceLength: info.right['piece length'],
      pieceCount: layout.pieceCount,
      pieces: info.right.pieces.slice(),
      totalLength: layout.totalLength,
      multiFile: layout.multiFile,
      files: layout.files(layout.name === '' ? infoHashHex : layout.name),
      announceList: trackerTiers(top.right.announce, top.right['announce-list']),
      urlList: (top.right['url-list'] ?? []).filter((u) => u !== ''),
      private: info.right.private === 1,
      ...optional,
    };
    return m;
  })(checkLayout(info.right));
}

interface Layout {
  readonly name: string;
  readonly pieceCount: number;
  readonly totalLength: number;
  readonly multiFile: boolean;
  readonly files: (name: string) => FileEntry[];
}

/** Cross-field rules of the info dictionary: sizes, piece count, file list. */
function checkLayout(info: RawInfo): E.Either<MetainfoError, Layout> {
  const pieceLength = info['piece length'];
  if (pieceLength > MAX_PIECE_LENGTH) {
    return E.left(metainfoError('piece-length', `piece length ${pieceLength} is larger than the ${MAX_PIECE_LENGTH}-byte limit`));
  }
  if (info.pieces.length % 20 !== 0) {
    return E.left(metainfoError('pieces-length', `pieces is ${info.pieces.length} bytes, not a multiple of 20 (one SHA-1 per piece)`));
  }
  if (info.length !== undefined && info.files !== undefined) {
    return E.left(metainfoError('no-files', 'info has both length (single file) and files (multi-file)'));
  }
  if (info.length === undefined && info.files === undefined) {
    return E.left(metainfoError('no-files', 'info has neither length (single file) nor files (multi-file)'));
  }
  if (info.files !== undefined && info.files.length === 0) return E.left(metainfoError('no-files', 'info.files is an empty list'));
  if (info.files !== undefined && info.files.length > MAX_FILES) {
    return E.left(metainfoError('too-many-files', `${info.files.length} files is more than the limit of ${MAX_FILES}`));
  }
  const lengths = info.files === undefined ? [info.length!] : info.files.map((f) => f.length);
  let totalLength = 0;
  for (const l of lengths) {
    totalLength += l;
    if (!Number.isSafeInteger(totalLength)) return E.left(metainfoError('total-length', 'total size is beyond 2^53 bytes'));
  }
  if (totalLength === 0) return E.left(metainfoError('total-length', 'total size is 0: there is nothing to download'));
  const pieceCount = info.pieces.length / 20;
  if (pieceCount > MAX_PIECE_COUNT) {
    return E.left(metainfoError('piece-count', `${pieceCount} pieces is more than the limit of ${MAX_PIECE_COUNT}`));
  }
  const expected = Math.ceil(totalLength / pieceLength);
  if (pieceCount !== expected) {
    return E.left(
      metainfoError('piece-count', `pieces has ${pieceCount} hashes but ${totalLength} bytes in ${pieceLength}-byte pieces need ${expected}`),
    );
  }
  const name = sanitizeComponent(preferUtf8(info.name, info['name.utf-8']));
  if (info.files === undefined) {
    const length = info.length!;
    return E.right({ name, pieceCount, totalLength, multiFile: false, files: (n) => [{ path: [n], length, offset: 0, padding: false }] });
  }
  const rawFiles = info.files;
  return E.right({ name, pieceCount, totalLength, multiFile: true, files: (n) => multiFileEntries(n, rawFiles) });
}

function multiFileEntries(name: string, raw: readonly RawFile[]): FileEntry[] {
  const isPadding = (i: number): boolean => {
    const attr = raw[i]!.attr;
    return attr !== undefined && attr.includes(0x70 /* 'p', BEP 47 */);
  };
  // each path starts with the torrent name, so the paths made unique are the entries' own arrays
  const paths = raw.map((f) => [name, ...sanitizePath(filePath(f))]);
  const unique = makePathsUniqueInPlace(paths, isPadding);
  let offset = 0;
  return raw.map((f, i) => {
    const entry: FileEntry = { path: unique[i]!, length: f.length, offset, padding: isPadding(i) };
    offset += f.length;
    return entry;
  });
}

/** `path.utf-8` when present and valid UTF-8 throughout, else `path` read leniently. */
function filePath(f: RawFile): string[] {
  const utf8 = f['path.utf-8'];
  if (utf8 !== undefined && utf8.length > 0) {
    const decoded = utf8.map(strictText);
    if (decoded.every((c): c is string => c !== undefined)) return decoded;
  }
  return f.path.map((c) => lenientUtf8.decode(c));
}

function preferUtf8(raw: Uint8Array, utf8: Uint8Array | undefined): string {
  const s = utf8 === undefined ? undefined : strictText(utf8);
  return s ?? lenientUtf8.decode(raw);
}

/** BEP 12: `announce-list` wins over `announce`; empty URLs, repeats and empty tiers go. */
function trackerTiers(announce: string | undefined, announceList: string[][] | undefined): string[][] {
  const seen = new Set<string>();
  const tiers: string[][] = [];
  for (const tier of announceList ?? []) {
    const urls = tier.filter((u) => u !== '' && !seen.has(u));
    urls.forEach((u) => seen.add(u));
    if (urls.length > 0) tiers.push(urls);
  }
  if (tiers.length > 0) return tiers;
  return announce !== undefined && announce !== '' ? [[announce]] : [];
}

/** Descriptive fields: a wrong type drops the field rather than the torrent. */
function optionalFields(top: BDict): { comment?: string; createdBy?: string; creationDate?: number } {
  const get = <A>(key: string, d: { decode: (u: BValue | undefined) => E.Either<unknown, A> }): A | undefined => {
    const r = d.decode(top.get(key));
    return E.isRight(r) ? r.right : undefined;
  };
  const out: { comment?: string; createdBy?: string; creationDate?: number } = {};
  const comment = get('comment.utf-8', commentDecoder) ?? get('comment', commentDecoder);
  const createdBy = get('created by', createdByDecoder);
  const creationDate = get('creation date', creationDateDecoder);
  if (comment !== undefined) out.comment = comment;
  if (createdBy !== undefined) out.createdBy = createdBy;
  if (creationDate !== undefined) out.creationDate = creationDate;
  return out;
}
