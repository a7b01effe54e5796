import * as D from 'io-ts/lib/Decoder.js';
import { pipe } from 'fp-ts/lib/function.js';
import type { BDict, BValue } from '../bencode/index.js';
import { bmap, bytes, dictWith, listOf, nonNegativeInt, positiveInt, safeInt, text } from './bencodeDecoders.js';

/**
 * The shape of a v1 .torrent file (BEP 3), as io-ts decoders over decoded bencode. Only shape is
 * checked here; cross-field rules (piece count, total size, paths) live in parseMetainfo.
 */

/** One entry of `info.files` (BEP 3), with BEP 47 `attr` and the common `path.utf-8`. */
const checkedRawFile = dictWith({ length: nonNegativeInt, path: listOf(bytes) }, { 'path.utf-8': listOf(bytes), attr: bytes });
export type RawFile = D.TypeOf<typeof checkedRawFile>;

const isBytesList = (v: BValue | undefined): v is Uint8Array[] => Array.isArray(v) && v.every((c) => c instanceof Uint8Array);

/**
 * {@link checkedRawFile} with a fast path: a well-formed entry is read straight from its `Map`
 * (a torrent can list hundreds of thousands of files, and the generic io-ts route builds
 * several objects per entry); anything else goes through io-ts for its exact error.
 */
export const rawFileDecoder: D.Decoder<unknown, RawFile> = {
  decode: (u) => {
    if (u instanceof Map) {
      const m = u as BDict;
      const length = m.get('length');
      const path = m.get('path');
      const utf8 = m.get('path.utf-8');
      const attr = m.get('attr');
      if (
        typeof length === 'number' && Number.isSafeInteger(length) && length >= 0 && isBytesList(path) &&
        (utf8 === undefined || isBytesList(utf8)) && (attr === undefined || attr instanceof Uint8Array)
      ) {
        const file: { length: number; path: Uint8Array[]; 'path.utf-8'?: Uint8Array[]; attr?: Uint8Array } = { length, path };
        if (utf8 !== undefined) file['path.utf-8'] = utf8;
        if (attr !== undefined) file.attr = attr;
        return D.success(file);
      }
    }
    return checkedRawFile.decode(u);
  },
};

/** The `info` dictionary. `length` xor `files` is checked later, to give a specific error. */
export const rawInfoDecoder = dictWith(
  { name: bytes, 'piece length': positiveInt, pieces: bytes },
  { 'name.utf-8': bytes, length: nonNegativeInt, files: listOf(rawFileDecoder), private: safeInt },
);
export type RawInfo = D.TypeOf<typeof rawInfoDecoder>;

/** BEP 19 `url-list`: one URL or a list of them. */
const urlList: D.Decoder<unknown, string[]> = pipe(
  D.union(pipe(text, D.map((s) => [s])), listOf(text)),
  D.withMessage(() => 'a URL or a list of URLs'),
);

/**
 * Top level. `info` is kept undecoded here: its decoder runs separately so the byte span of the
 * original dictionary can be looked up for the info hash.
 */
export const rawTorrentDecoder = dictWith(
  { info: bmap },
  { announce: text, 'announce-list': listOf(listOf(text)), 'url-list': urlList },
);
export type RawTorrent = D.TypeOf<typeof rawTorrentDecoder>;

/**
 * Descriptive fields. Decoded leniently by the caller (a malformed comment does not make the
 * content unusable, so a wrong type drops the field instead of rejecting the torrent).
 */
export const commentDecoder = text;
export const createdByDecoder = text;
export const creationDateDecoder = safeInt;
