import { checkHandshake, describeWireError, type WireError } from '../src/wire/index.js';
import type { CloseReason, PeerContext, PeerEvent } from './peer.types.js';

/**
 * Why a peer connection closes, from the event that closed it: a pure function the peer
 * machine's `recordClose` action calls, kept beside peer.machine.ts so the machine file stays
 * short. Nothing here is state.
 */

/** The handshake check (BEP 3): our info hash, not our own peer id. */
export const handshakeVerdict = (context: PeerContext, event: PeerEvent) =>
  event.type === 'HANDSHAKE_RECEIVED' ? checkHandshake(event.handshake, { infoHash: context.infoHash, ourPeerId: context.ourPeerId }) : undefined;

const protocolClose = (error: WireError): CloseReason => ({ code: 'protocol', error, message: describeWireError(error) });

/** The close reason `event` gives in `context`. */
export function closeReasonFor(context: PeerContext, event: PeerEvent): CloseReason {
  switch (event.type) {
    case 'HANDSHAKE_RECEIVED': {
      const verdict = handshakeVerdict(context, event);
      return verdict !== undefined && verdict._tag === 'Left' ? protocolClose(verdict.left) : { code: 'local', message: 'closed' };
    }
    case 'CONNECT_FAILED':
      return { code: 'connectFailed', message: event.message };
    case 'PROTOCOL_ERROR':
      return protocolClose(event.error);
    case 'EXTENSION_ERROR':
      return { code: 'extension', message: event.error.message };
    case 'SOCKET_CLOSED':
      return event.reason;
    case 'CLOSE':
      return { code: 'local', message: event.message };
    case 'IDLE_TIMEOUT':
      return { code: 'idleTimeout', message: 'peer sent nothing for too long' };
    case 'PEER_HAVES':
      return protocolClose({ tag: 'pieceIndexOutOfRange', messageType: 'have', index: event.indices.find((i) => i >= context.pieceCount) ?? 0, pieceCount: context.pieceCount });
    case 'PEER_BITFIELD':
    case 'PEER_HAVE_ALL':
    case 'PEER_HAVE_NONE':
      return { code: 'local', message: `peer announced its pieces more than ${context.maxAnnouncements} times` };
    case 'PEER_DONT_HAVE':
      return { code: 'local', message: `peer retracted pieces too often (more than ${context.maxRetractions})` };
    default:
      // the connection actor threw (a bug in the data plane): close this peer, not the torrent
      if ((event.type as string).startsWith('xstate.error.actor')) return { code: 'local', message: 'connection failed inside statorrent' };
      return { code: 'handshakeTimeout', message: 'peer did not complete the handshake in time' };
  }
}
