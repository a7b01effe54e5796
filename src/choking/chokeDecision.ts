/**
 * The tit-for-tat choking decision (BEP 3, "Choking and optimistic unchoking"), as pure
 * functions so the choker machine stays a thin clock around them and tests need no sockets.
 */

/** What the choker knows about one connected peer at decision time. */
export interface ChokeCandidate {
  readonly id: string;
  /** The peer wants data from us; only interested peers use an upload slot. */
  readonly interested: boolean;
  /**
   * Bytes/s that ranks the peer: what it gives us while we download (reciprocation), what it
   * takes from us while we seed (so the fastest downloaders spread the data).
   */
  readonly rate: number;
  /** No block from this peer for a long while although it unchoked us (anti-snubbing). */
  readonly snubbed: boolean;
  /** When the connection was made (ms); recent peers are likelier optimistic picks. */
  readonly connectedAt: number;
}

/** Tunables of the choker. */
export interface ChokeOptions {
  /** Regular upload slots, besides the optimistic one (4 in the original client). */
  readonly slots: number;
  /** Peers connected for less than this (ms) weigh triple in the optimistic draw. */
  readonly newPeerMs: number;
}

/** Defaults matching the reference behaviour: 4 slots, new peers for 60 s. */
export const defaultChokeOptions: ChokeOptions = { slots: 4, newPeerMs: 60_000 };

/**
 * Ids to keep unchoked: the `slots` fastest interested peers that are not snubbing us, plus
 * the optimistic peer if it is still connected and interested. Everyone else is choked.
 * Snubbed peers lose their regular slot (anti-snubbing) but may still win the optimistic one.
 */
export function selectUnchoked(
  peers: readonly ChokeCandidate[],
  optimistic: string | undefined,
  options: ChokeOptions = defaultChokeOptions,
  current: ReadonlySet<string> = new Set(),
): string[] {
  // ties (e.g. every rate 0 at start) keep peers already unchoked: no choke/unchoke churn
  const ranked = peers
    .filter((p) => p.interested && !p.snubbed && p.id !== optimistic)
    .sort(
      (a, b) =>
        b.rate - a.rate ||
        Number(current.has(b.id)) - Number(current.has(a.id)) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  const chosen = ranked.slice(0, options.slots).map((p) => p.id);
  if (optimistic !== undefined && peers.some((p) => p.id === optimistic && p.interested)) chosen.push(optimistic);
  return chosen;
}

/**
 * Draws the next optimistic unchoke among interested peers that would otherwise stay choked,
 * giving peers connected recently three times the weight (they have nothing to offer yet,
 * and this is how they get their first pieces). `random` is injected for determinism.
 */
export function pickOptimistic(
  peers: readonly ChokeCandidate[],
  current: string | undefined,
  now: number,
  random: () => number,
  options: ChokeOptions = defaultChokeOptions,
): string | undefined {
  const regular = new Set(selectUnchoked(peers, undefined, options));
  const pool = peers.filter((p) => p.interested && p.id !== current && !regular.has(p.id));
  if (pool.length === 0) return peers.some((p) => p.id === current && p.interested) ? current : undefined;
  const weights = pool.map((p) => (now - p.connectedAt < options.newPeerMs ? 3 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let i = 0; i < pool.length; i++) {
    r -= weights[i]!;
    if (r < 0) return pool[i]!.id;
  }
  return pool[pool.length - 1]!.id;
}

/** The peers whose choke state must change to go from `before` to `after` unchoked sets. */
export function chokeChanges(before: ReadonlySet<string>, after: readonly string[]): { unchoke: string[]; choke: string[] } {
  const next = new Set(after);
  return {
    unchoke: after.filter((id) => !before.has(id)),
    choke: [...before].filter((id) => !next.has(id)),
  };
}
