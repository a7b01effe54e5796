/**
 * Sample inputs, payload events and actor outputs that let the coverage exploration reach every
 * part of the project's machines, by machine name (machines/<name>.machine.ts). A machine file
 * may instead export `<x>SampleEvents`, `<x>SampleInput`/`<x>SampleInputs` and `<x>SampleOutputs`;
 * those take precedence over the entries here.
 */
import type { CoverageSamples } from '../support/machineCoverage.js';

const infoHash = new Uint8Array(20).fill(1);
const ourId = new Uint8Array(20).fill(2);
const theirId = new Uint8Array(20).fill(3);
const handshake = (hash: Uint8Array, peerId: Uint8Array) => ({ type: 'HANDSHAKE_RECEIVED', handshake: { reserved: new Uint8Array(8), infoHash: hash, peerId } });
const endpoint = { ip: '127.0.0.1', port: 6881 };

/** Samples by machine name. */
export const coverageSamples: Readonly<Record<string, CoverageSamples>> = {
  announce: {
    // The announce actor's replies: a normal one, and one with a tracker warning (BEP 3).
    outputs: { announce: [{ interval: 1800, minInterval: 60, peers: [] }, { interval: 900, peers: [], warning: 'slow down' }] },
  },
  peer: {
    // Dialled and accepted connections start differently (BEP 3: the initiator sends first).
    inputs: [true, false].map((outgoing) => ({ infoHash, peerId: ourId, pieceCount: 4, outgoing })),
    events: [
      handshake(infoHash, theirId),
      handshake(infoHash, ourId),
      handshake(theirId, theirId),
      { type: 'PEER_HAVES', indices: [1] },
      { type: 'PEER_HAVES', indices: [9] },
      { type: 'PEER_BITFIELD', bitfield: new Uint8Array(1) },
      { type: 'PROTOCOL_ERROR', error: { tag: 'selfConnection' } },
      { type: 'SOCKET_CLOSED', reason: { code: 'remoteClosed', message: 'peer closed the connection' } },
      { type: 'CONNECT_FAILED', message: 'connection refused' },
      { type: 'CLOSE', message: 'local' },
    ],
  },
  torrent: {
    // two peers, so a second connection to one peer id can close as a duplicate
    input: { pieceCount: 1, maxPeers: 2, peerInput: {}, peerId: '11'.repeat(20) },
    // checkPieces resolves with the number of pieces already verified on disk.
    outputs: { checkPieces: [0, 1] },
    events: [
      { type: 'PEERS_DISCOVERED', peers: [endpoint] },
      { type: 'INCOMING_PEER', endpoint: { ip: '127.0.0.2', port: 6881 } },
      { type: 'PIECES_VERIFIED', indices: [0] },
      { type: 'PIECE_LOST', index: 0 },
      { type: 'PIECE_FAILED', index: 0, culprits: [{ ip: '127.0.0.1', reason: 'sent every block of piece 0, which failed its hash check' }] },
      { type: 'PEER_MISBEHAVED', culprits: [{ ip: '127.0.0.1', reason: 'kept requesting after 1000 refused requests' }] },
      { type: 'PEER_IDENTIFIED', id: '127.0.0.1:6881', endpoint, outgoing: true, peerId: '22'.repeat(20) },
      { type: 'PEER_IDENTIFIED', id: '127.0.0.2:6881', endpoint: { ip: '127.0.0.2', port: 6881 }, outgoing: false, peerId: '22'.repeat(20) },
      { type: 'PEER_LISTENS', id: '127.0.0.2:6881', port: 7000 },
      { type: 'PEER_CLOSED', id: '127.0.0.1:6881', endpoint, failed: true },
      { type: 'STORAGE_ERROR', message: 'disk full' },
    ],
  },
};
