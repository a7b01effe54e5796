/**
 * Budgets for extension-protocol input (BEP 10, 9, 11). Every extension message is untrusted:
 * these bound what one message may cost before it is even decoded.
 */

/** Largest extended handshake payload (BEP 10): real ones are a few hundred bytes. */
export const MAX_EXTENDED_HANDSHAKE_BYTES = 64 * 1024;
/** Largest payload of any other extension message; over it the connection is closed. */
export const MAX_EXTENSION_MESSAGE_BYTES = 1024 * 1024;
/** Largest ut_metadata message: one 16 KiB piece plus its small dictionary (BEP 9). */
export const MAX_UT_METADATA_MESSAGE_BYTES = 16 * 1024 + 1024;
/** Largest ut_pex message (BEP 11): 50 added peers take 1 KiB; generous room for other clients. */
export const MAX_UT_PEX_MESSAGE_BYTES = 64 * 1024;
/** Bencode budget for extension dictionaries: shallow and small (they are flat by design). */
export const EXTENSION_BENCODE_LIMITS = { maxDepth: 8, maxItems: 4_096 } as const;
/** Metadata exchange piece size (BEP 9: 16 KiB, the last piece may be shorter). */
export const METADATA_PIECE_SIZE = 16 * 1024;
/**
 * Largest metadata (info dictionary) we fetch: 8 MiB, i.e. 512 pieces. A peer's
 * `metadata_size` beyond it is ignored and nothing is allocated for it.
 */
export const MAX_METADATA_SIZE = 8 * 1024 * 1024;
/** Most peers taken from one received ut_pex message (all lists together); the rest are ignored. */
export const MAX_PEX_PEERS_TAKEN = 200;
/** Most added (and most dropped) peers we put in one ut_pex message (BEP 11). */
export const MAX_PEX_ADDED = 50;
/** At most one ut_pex message per peer per this interval (BEP 11: once a minute). */
export const PEX_INTERVAL_MS = 60_000;
