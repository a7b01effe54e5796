import type { TorrentContext, TorrentEvent } from './torrent.types.js';

/**
 * The torrent machine's bookkeeping when a peer actor ends: a function its `forgetPeer` and
 * `forgetPausedPeer` actions call, kept beside torrent.machine.ts so the machine file stays
 * short. The state it updates lives in the context's cores (PeerPool, PeerIdentities).
 */

/**
 * The peer set without a closed peer, whose endpoint the pool marks closed (`backOff`: wait
 * before redialling). A duplicate we dialled stays marked connected while the connection kept
 * to its peer runs (dialling it again would only make the same duplicate); when that kept
 * connection ends, those endpoints are closed too, as working connections (never failures).
 */
export const withoutPeer = (context: TorrentContext, event: Extract<TorrentEvent, { type: 'PEER_CLOSED' }>, backOff: boolean): ReadonlySet<string> => {
  const identity = context.identities.closed(event.id);
  context.pool.releaseListenAddress(event.id, context.dialClock, backOff);
  if (!identity.held || !backOff) context.pool.markClosed(event.endpoint, event.failed, context.dialClock, backOff);
  for (const endpoint of identity.released) context.pool.markClosed(endpoint, false, context.dialClock, backOff);
  const peers = new Set(context.peers);
  peers.delete(event.id);
  return peers;
};
