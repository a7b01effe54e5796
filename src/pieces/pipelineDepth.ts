import { BLOCK_SIZE } from './pieceGeometry.js';

/** Fewest outstanding requests per peer: enough to measure a rate and hide one round trip at start. */
export const MIN_PIPELINE_DEPTH = 8;
/** Most outstanding requests per peer: bounds memory and what one slow peer can hold hostage. */
export const MAX_PIPELINE_DEPTH = 500;

/**
 * How many 16 KiB requests to keep outstanding with one peer.
 *
 * The pipe must hold at least the bandwidth-delay product (rate x RTT) or the peer idles between
 * our requests; we aim for the larger of 1.5 s of data at the measured rate and two round trips,
 * because rate estimates lag a peer that is speeding up and a too-short pipe caps it at its
 * current rate forever. Clamped to [{@link MIN_PIPELINE_DEPTH}, {@link MAX_PIPELINE_DEPTH}];
 * 500 x 16 KiB = 8 MiB in flight still exceeds the bandwidth-delay product of any realistic
 * link (1 Gbit/s x 60 ms = 7.5 MB), so a faster peer is not slowed, while a peer that stalls can
 * hold at most 8 MiB of requests hostage until its timeout returns them to the pool.
 *
 * @param rateBytesPerSec measured download rate from this peer (0 or unknown -> minimum)
 * @param rttSeconds estimated round-trip time, if known
 */
export const pipelineDepth = (rateBytesPerSec: number, rttSeconds?: number): number => {
  const rate = Number.isFinite(rateBytesPerSec) && rateBytesPerSec > 0 ? rateBytesPerSec : 0;
  const rtt = rttSeconds !== undefined && Number.isFinite(rttSeconds) && rttSeconds > 0 ? rttSeconds : 0;
  const seconds = Math.max(1.5, 2 * rtt);
  const depth = Math.ceil((rate * seconds) / BLOCK_SIZE);
  return Math.min(MAX_PIPELINE_DEPTH, Math.max(MIN_PIPELINE_DEPTH, depth));
};

/** Most requests sent in one top-up once the pipe is deep (one socket write each time). */
export const MAX_REFILL_BATCH = 64;

/**
 * How far below `depth` a peer's pipeline may drain before it is topped up. Topping up after
 * every block sends one 17-byte `request` per 16 KiB received, so each received block costs
 * a picker call and a socket write (and a wake-up of the sender); waiting for a quarter of a
 * deep pipe (at most {@link MAX_REFILL_BATCH}) sends them in batches while the peer still holds
 * three quarters of the pipe, so it never idles. Shallow pipes refill at every block.
 */
export const refillThreshold = (depth: number): number => Math.max(1, Math.min(MAX_REFILL_BATCH, Math.floor(depth / 4)));
