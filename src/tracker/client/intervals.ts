/**
 * Bounds on the re-announce intervals a tracker may ask for. A tracker saying `interval 1`
 * would have us hammer it (and drain a laptop battery); one saying a week would leave a swarm
 * without us. We clamp both `interval` and `min interval` to [60 s, 2 h]: 60 s is well below
 * every public tracker's minimum, 2 h above the usual 30 min default.
 */
export const MIN_ANNOUNCE_INTERVAL_S = 60;
/** Upper bound on any tracker interval, seconds (see {@link MIN_ANNOUNCE_INTERVAL_S}). */
export const MAX_ANNOUNCE_INTERVAL_S = 2 * 60 * 60;

/** Clamps a tracker-supplied interval (seconds) to the sane bounds above. */
export function clampInterval(seconds: number): number {
  if (!Number.isFinite(seconds)) return MAX_ANNOUNCE_INTERVAL_S;
  return Math.min(MAX_ANNOUNCE_INTERVAL_S, Math.max(MIN_ANNOUNCE_INTERVAL_S, Math.floor(seconds)));
}
