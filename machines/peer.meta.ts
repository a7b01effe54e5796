/**
 * The peer machine's documentation tables (events, delays, guards), read by the diagram
 * generator from the machine's root `meta`, and its coverage samples. Kept beside
 * peer.machine.ts so the machine file stays short; nothing here is behaviour.
 */

const BEP3 = 'BEP 3 · Peer messages';
const BEP6 = 'BEP 6 · Fast Extension';
const BEP10 = 'BEP 10 · Extension Protocol';
const BEP11 = 'BEP 11 · Peer Exchange';

/** Root `meta` of the peer machine. */
export const peerMachineMeta = {
  bep: 'BEP 3 · Peer protocol',
  events: {
    CONNECTED: { description: 'Our outgoing TCP connect succeeded.' },
    CONNECT_FAILED: { description: 'Our outgoing TCP connect failed (refused, unreachable).' },
    HANDSHAKE_RECEIVED: { description: "The peer's handshake arrived (protocol string, reserved bits, info hash, peer id).", bep: 'BEP 3 · Peer protocol' },
    PEER_CHOKE: { description: 'The peer sent choke: it will not serve our requests.', bep: BEP3 },
    PEER_UNCHOKE: { description: 'The peer sent unchoke: we may request blocks.', bep: BEP3 },
    PEER_INTERESTED: { description: 'The peer sent interested: it wants pieces we have.', bep: BEP3 },
    PEER_NOT_INTERESTED: { description: 'The peer sent not interested: it wants nothing from us now.', bep: BEP3 },
    PEER_HAVES: { description: 'The peer sent have for these pieces: it just verified them (messages arriving within 50 ms come as one event).', bep: BEP3 },
    PEER_BITFIELD: { description: 'The peer sent its bitfield; a later one replaces the set (real clients send more than one).', bep: BEP3 },
    PEER_HAVE_ALL: { description: 'The peer sent have all: it is a seed (fast extension).', bep: BEP6 },
    PEER_HAVE_NONE: { description: 'The peer sent have none: it has no pieces yet (fast extension).', bep: BEP6 },
    PEER_PORT: { description: "The peer sent port: its DHT node's UDP port.", bep: 'BEP 5 · BitTorrent Protocol Extension' },
    ACTIVITY: { description: 'The peer sent something; coalesced to at most one per second, never one per message.' },
    DATA_RECEIVED: { description: 'At least one block arrived; coalesced, and the payload itself never enters the machine.' },
    PROTOCOL_ERROR: { description: 'The stream layer could not accept what the peer sent (bad length, bad message).', bep: BEP3 },
    SOCKET_CLOSED: { description: 'The TCP connection ended or failed underneath us.' },
    CHOKE: { description: 'The choker takes our upload slot away from this peer.', bep: BEP3 },
    UNCHOKE: { description: 'The choker gives this peer one of our upload slots.', bep: BEP3 },
    PIECES_VERIFIED: { description: 'We verified pieces (a batch, sent at most every few tens of ms): tell the peer of each it lacks, and want less from it for each it has.', bep: BEP3 },
    WE_LOST: { description: 'A piece we had verified can no longer be read from our disk: we lack it again (lt_donthave to a peer that takes it), and want it from this peer if it has it.', bep: 'BEP 54 · lt_donthave' },
    REQUESTS_PENDING: { description: 'Our request pipeline to this peer became non-empty (edge only).' },
    REQUESTS_DRAINED: { description: 'Our request pipeline to this peer became empty (edge only).' },
    CLOSE: { description: 'The session drops this peer (banned, abusive, torrent paused or stopped).' },
    KEEPALIVE_DUE: { description: 'Raised by the machine itself every keepAliveInterval.', bep: 'BEP 3 · Peer protocol' },
    IDLE_TIMEOUT: { description: 'Raised by the machine itself after idleTimeout without ACTIVITY.' },
    EXTENDED_HANDSHAKE_RECEIVED: { description: "The peer's extended handshake: its extension ids (m), reqq, metadata_size, client and port.", bep: BEP10 },
    PEER_METADATA: { description: 'A ut_metadata request, data or reject from the peer (at most 16 KiB of metadata; never blocks).', bep: 'BEP 9 · Metadata' },
    PEER_PEX: { description: 'A ut_pex message from the peer: peers added and dropped, already validated and bounded.', bep: BEP11 },
    PEER_DONT_HAVE: { description: 'An lt_donthave from the peer: it no longer has this piece (index already checked against the piece count).', bep: 'BEP 54 · lt_donthave' },
    EXTENSION_ERROR: { description: 'An extension message was over its size budget or not decodable.', bep: BEP10 },
    SEND_EXTENDED: { description: 'The session has an extension message for this peer (a metadata piece or request, a PEX message).', bep: BEP10 },
    PEX_DUE: { description: 'Raised by the machine itself pexFirst after negotiation, then every pexInterval, while both sides speak ut_pex.', bep: BEP11 },
  },
  delays: {
    handshakeTimeout: { description: 'The connect, and then the handshake, must each finish within this, so a silent socket cannot hold a connection slot.' },
    keepAliveInterval: { description: 'How often we send a keep-alive; BEP 3 says they are generally sent every two minutes.', bep: 'BEP 3 · Peer protocol' },
    idleTimeout: { description: 'Two keep-alive periods of silence: the peer is gone.' },
    requestTimeout: { description: 'No block for this long while we wait on requests: the peer is snubbing us.' },
    pexInterval: { description: 'BEP 11: at most one ut_pex message a minute, each way.', bep: BEP11 },
    pexFirst: { description: 'Our first ut_pex message goes this soon after the extended handshakes (then once a minute).', bep: BEP11 },
  },
  guards: {
    isIncoming: 'The peer dialled us, so TCP is already connected.',
    handshakeAccepted: 'Their handshake names our info hash and is not our own peer id.',
    fastNegotiated: 'Both handshakes set the BEP 6 reserved bit (byte 7, 0x04).',
    havesInRange: 'Every have index is below the piece count (one past it is a protocol violation).',
    withinAnnouncementCap: 'The peer re-announced its piece set without adding a piece fewer than maxAnnouncements times (8; more is abusive).',
    withinRetractionCap: 'The peer retracted (lt_donthave) fewer pieces it had announced than maxRetractions (pieceCount + 8; more is abusive).',
    wantsPieces: 'The peer has a piece we still lack (its interesting count is above zero).',
    extensionProtocolOffered: 'Both handshakes set the BEP 10 reserved bit (byte 5, 0x10).',
    peerTakesExtension: 'The peer gave this extension an id in its extended handshake.',
    dontHaveOffered: 'We advertised lt_donthave and our extended handshake went out (both set the BEP 10 bit).',
    dhtRuns: 'Our DHT node runs for this torrent (never for a private one, BEP 27).',
  },
} as const;

const infoHash = new Uint8Array(20).fill(1);
const ourId = new Uint8Array(20).fill(2);
const theirId = new Uint8Array(20).fill(3);
const fastReserved = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x04);
const extensionReserved = Uint8Array.of(0, 0, 0, 0, 0, 0x10, 0, 0x04);
const handshake = (hash: Uint8Array, peerId: Uint8Array, reserved = new Uint8Array(8)) => ({
  type: 'HANDSHAKE_RECEIVED',
  handshake: { reserved, infoHash: hash, peerId },
});

/** Dialled and accepted connections start differently (BEP 3: the initiator sends first). */
export const peerMachineSampleInputs = [
  // a low retraction cap so the abusive have / lt_donthave path is reached within the exploration's depth
  { infoHash, peerId: ourId, pieceCount: 4, outgoing: true, dhtPort: 6881, extended: { m: { ut_metadata: 1, ut_pex: 2, lt_donthave: 3 }, metadataSize: 100 }, maxRetractions: 1 },
  // a low cap so the abusive re-announcing path is reached within the exploration's depth
  { infoHash, peerId: ourId, pieceCount: 4, outgoing: false, maxAnnouncements: 1 },
];
/** Payload events for the coverage exploration (test/machines/coverage.test.ts). */
export const peerMachineSampleEvents = [
  handshake(infoHash, theirId),
  handshake(infoHash, theirId, fastReserved),
  handshake(infoHash, theirId, extensionReserved),
  { type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: { m: new Map([['ut_metadata', 3], ['ut_pex', 4]]), reqq: 16, dropped: [] } },
  { type: 'PEER_METADATA', message: { type: 'request', piece: 0 } },
  { type: 'PEER_PEX', message: { added: [{ ip: '127.0.0.9', port: 6881, flags: 0 }], dropped: [] } },
  { type: 'SEND_EXTENDED', extension: 'ut_metadata', payload: new Uint8Array(1) },
  { type: 'EXTENSION_ERROR', error: { _tag: 'ExtensionError', code: 'too-large', message: 'peer sent a bad ut_pex message: too large' } },
  handshake(theirId, theirId),
  { type: 'PEER_HAVES', indices: [1] },
  { type: 'PEER_DONT_HAVE', index: 1 },
  { type: 'PEER_PORT', port: 6882 },
  { type: 'PEER_HAVES', indices: [2, 9] },
  { type: 'PEER_BITFIELD', bitfield: new Uint8Array(1) },
  { type: 'PIECES_VERIFIED', indices: [1] },
  { type: 'WE_LOST', index: 1 },
  { type: 'PROTOCOL_ERROR', error: { tag: 'selfConnection' } },
  { type: 'SOCKET_CLOSED', reason: { code: 'remoteClosed', message: 'peer closed the connection' } },
  { type: 'CONNECT_FAILED', message: 'connection refused' },
  { type: 'CLOSE', message: 'local' },
];
