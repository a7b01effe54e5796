/**
 * Budgets for decoding untrusted bencode: how many bytes, how deep, how many values. Every
 * decoder of bytes from the network or from a file passes one of these, so a hostile input is
 * refused after work and memory linear in its size at a small constant (decoded values hold at
 * most ~20 bytes of heap per input byte and ~60 MB in all by default; see bench/decode.bench.ts).
 */
export interface DecodeBudget {
  /** Largest input accepted, bytes; a longer input fails at once with `too-large`. */
  readonly maxBytes?: number;
  /** Deepest nesting of lists and dictionaries (default 100, as libtorrent). */
  readonly maxDepth?: number;
  /**
   * Most values in the input, weighted by what each costs once decoded: an integer, an empty
   * string or a dictionary key 1, a list {@link LIST_ITEM_WEIGHT}, a non-empty string
   * {@link STRING_ITEM_WEIGHT}, a dictionary {@link DICT_ITEM_WEIGHT}.
   * Default: in proportion to the input, {@link itemsFor}`(input.length)`.
   */
  readonly maxItems?: number;
}

/*
 * One item is about 40 bytes of heap at peak. Measured on Node 20 (bench/decode.bench.ts): an
 * empty `Map` costs ~230 bytes, a list ~64, a byte-string view ~124; integers and empty strings
 * (one shared view) only their ~27-byte slot in the parent.
 */

/** Items charged for a dictionary (a `Map`). */
export const DICT_ITEM_WEIGHT = 5;

/** Items charged for a list (an array, plus its slot on the decoder's stack while open). */
export const LIST_ITEM_WEIGHT = 2;

/** Items charged for a non-empty byte string (a `Uint8Array` view). */
export const STRING_ITEM_WEIGHT = 3;

/**
 * Default item budget for an input of `bytes` bytes: one item per 2 input bytes, at least 4096
 * and at most `cap`, so decoded memory stays within ~20 bytes per input byte. Only hostile
 * inputs come near: `de` is 2 bytes for 5 items, while real torrents and tracker replies spend
 * well over 2 bytes an item (hashes, names and peer lists dominate).
 */
export const itemsFor = (bytes: number, cap = MAX_DEFAULT_ITEMS): number => Math.min(cap, Math.max(4096, Math.ceil(bytes / 2)));

/**
 * Cap of the default item budget for a 10 MB input: ~60 MB of decoded values, so that even the
 * largest torrent accepted (then parsed into its file list) peaks near 200 MiB. A 3-component
 * file entry costs 19 items, so ~79k such files fit (libtorrent's 3M-token default takes ~300k);
 * a raised size limit raises the cap in proportion (see `parseMetainfo`).
 */
export const MAX_DEFAULT_ITEMS = 1_500_000;

/** Default nesting limit (libtorrent's bdecode default). */
export const DEFAULT_MAX_DEPTH = 100;

/** A .torrent file: at most 10 MB (libtorrent's `max_buffer_size`); an option raises it. */
export const TORRENT_MAX_BYTES = 10_000_000;

/** Budget for a .torrent file (BEP 3). */
export const TORRENT_BUDGET: Required<Pick<DecodeBudget, 'maxBytes' | 'maxDepth'>> = {
  maxBytes: TORRENT_MAX_BYTES,
  maxDepth: DEFAULT_MAX_DEPTH,
};

/** An HTTP tracker reply (announce or scrape): at most 1 MiB, as libtorrent. */
export const TRACKER_REPLY_MAX_BYTES = 1024 * 1024;

/**
 * Budget for an HTTP tracker reply (BEP 3 announce, BEP 48 scrape). Nothing in a reply nests
 * deeper than 4 (`files` > hash > stats; `peers` > peer dict), 8 leaves room for extensions.
 */
export const TRACKER_REPLY_BUDGET: Required<Pick<DecodeBudget, 'maxBytes' | 'maxDepth'>> = {
  maxBytes: TRACKER_REPLY_MAX_BYTES,
  maxDepth: 8,
};
