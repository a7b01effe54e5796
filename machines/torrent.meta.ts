/**
 * The torrent machine's documentation tables (events, delays, guards), read by the diagram
 * generator from the machine's root `meta`. Kept beside torrent.machine.ts so the machine file
 * stays short; nothing here is behaviour.
 */

/** Root `meta` of the torrent machine. */
export const torrentMachineMeta = {
  bep: 'BEP 3',
  events: {
    PEERS_DISCOVERED: { description: 'Peer addresses from trackers (compact or dictionary form), the DHT or the user; `source` says which.', bep: 'BEP 3 · Trackers; BEP 23; BEP 5' },
    INCOMING_PEER: { description: 'An accepted connection whose handshake named this torrent.', bep: 'BEP 3 · Peer protocol' },
    PEER_IDENTIFIED: { description: 'A connection completed its handshake: the remote peer id, to keep one connection per peer.', bep: 'BEP 3 · Peer protocol' },
    PEER_LISTENS: { description: "A connection's extended handshake named the port its peer listens on (`p`).", bep: 'BEP 10 · Extension Protocol' },
    PEER_CLOSED: { description: 'A peer actor finished; `failed` says whether to back off its endpoint.' },
    PIECES_VERIFIED: { description: 'Downloaded pieces matched their SHA-1 hashes and are on disk (a batch: at most every 50 ms, the last piece at once); carries the IPs whose blocks in failed copies differ from them.', bep: 'BEP 3 · Info dictionary' },
    PIECE_FAILED: { description: 'A downloaded piece failed its hash check; carries the IPs proven to have sent bad blocks (smart ban).', bep: 'BEP 3 · Info dictionary' },
    PIECE_LOST: { description: 'A verified piece can no longer be read from disk (its file was truncated, replaced or is unreadable): it is missing again and fetched from the swarm.' },
    PEER_MISBEHAVED: { description: 'The data plane caught a peer past a bound (requests while choked, rejects in a row, stray blocks): ban its IP.', bep: 'BEP 6 · Reject Request' },
    STORAGE_ERROR: { description: 'Writing or reading the download folder failed (disk full, permissions).' },
    PAUSE: { description: 'The user paused the torrent.' },
    RESUME: { description: 'The user resumed the torrent.' },
    STOP: { description: 'The user or the session stops the torrent for good.' },
  },
  delays: {
    redialInterval: { description: 'How often candidates whose back-off has passed are dialled again; back-off is counted in these rounds.' },
    stopGrace: { description: 'How long the final stopped announce may take before we stop anyway.' },
  },
  guards: {
    allVerified: 'Every piece has passed its hash check.',
    completedMeanwhile: 'Every piece is verified now, but `completed` was not announced yet (the last piece just came in, or came in while paused).',
    hasRoom: 'Fewer peer connections than maxPeers.',
    isKnownPeer: 'The peer is one this torrent spawned (and has not forgotten).',
    duplicatePeerId: 'Another open connection of this torrent has the same remote peer id.',
  },
} as const;
