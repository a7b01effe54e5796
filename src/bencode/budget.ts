/**
 * Budgets for decoding untrusted bencode: how many bytes, how deep, how many values. Every
 * decoder of bytes from the network or from a file passes one of these, so a hostile input is
 * refused after work and memory linear in its size at a small constant (decoded values hold at
 * most ~20 bytes of heap per input byte and ~100 MB in all by default; see bench/decode.bench.ts).
 */
export interface DecodeBudget {
  /** Largest input accepted, bytes; a longer input fails at once with `too-large`. */
  readonly maxBytes?: number;
  /** Deepest nesting of lists and dictionaries (default 100, as libtorrent). */
  readonly maxDepth?: number;
  /**
   * Most values in the input, counting every integer, string, list, dictionary and key, with a
   * dictionary counting {@link DICT_ITEM_WEIGHT} (a `Map` costs several times a list in heap).
   * Default: in proportion to the input, {@link itemsFor}`(input.length)`.
   */
  readonly maxItems?: number;
}

/*
 * One item is about 40 bytes of heap, what an empty list costs once decoded. Measured on
 * Node 20: an empty `Map` keeps ~190 bytes, a byte-string view ~104, an empty array ~40;
 * integers and empty strings (one shared view) cost only their slot in the parent.
 */

/** Items charged for a dictionary (a `Map`: about five empty lists of heap). */
export const DICT_ITEM_WEIGHT = 5;

/** Items charged for a non-empty byte string (a `Uint8Array` view: about three empty lists). */
export const STRING_ITEM_WEIGHT = 3;

/**
 * Default item budget for an input of `bytes` bytes: one item per 2 input bytes, at least 4096
 * and at most {@link MAX_DEFAULT_ITEMS}, so decoded memory stays within ~20 bytes per input
 * byte. Only hostile inputs come near: `de` is 2 bytes for 5 items, while real torrents and
 * tracker replies spend well over 2 bytes an item (hashes, names and peer lists dominate).
 */
export const itemsFor = (bytes: number): number => Math.min(MAX_DEFAULT_ITEMS, Math.max(4096, Math.ceil(bytes / 2)));

/**
 * Cap of the default item budget whatever the input size: ~100 MB of decoded values
 * (libtorrent caps a .torrent at 3M tokens; a file entry here costs ~15 items, there ~10).
 */
export const MAX_DEFAULT_ITEMS = 2_500_000;

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
