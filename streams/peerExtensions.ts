import type { PeerCommand, PeerEvent } from '../machines/peer.machine.js';
import {
  answerMetadataRequest,
  encodeUtMetadata,
  encodeUtPex,
  UT_METADATA,
  UT_PEX,
  type DecodedExtendedHandshake,
  type PexMessage,
  type UtMetadataMessage,
} from '../src/extensions/index.js';

/** What a torrent does with one connection's extension traffic (BEP 10, 9, 11). */
export interface ExtensionSinks {
  /** Our info dictionary when we have it: requests are answered from it, else rejected (BEP 9). */
  readonly infoBytes: () => Uint8Array | undefined;
  /** The peer's extended handshake arrived (again): e.g. it has metadata of this size. */
  readonly negotiated?: (handshake: DecodedExtendedHandshake) => void;
  /** A ut_metadata data or reject for the metadata fetch. */
  readonly metadata?: (message: Exclude<UtMetadataMessage, { type: 'request' | 'unknown' }>) => void;
  /** Peers the peer told us about (BEP 11), already validated and bounded. */
  readonly pex?: (message: PexMessage) => void;
  /** Our next ut_pex message for this peer, or undefined when nothing changed. */
  readonly nextPex?: () => PexMessage | undefined;
}

/**
 * Carries out the peer machine's extension commands for one connection: answers metadata
 * requests (through the machine, which holds the peer's ids: SEND_EXTENDED) and hands the rest
 * to the torrent. Returns true when the command was an extension one.
 */
export function handleExtensionCommand(command: PeerCommand, notify: (event: PeerEvent) => void, sinks: ExtensionSinks): boolean {
  switch (command.type) {
    case 'extended':
      sinks.negotiated?.(command.handshake);
      return true;
    case 'metadataMessage': {
      const m = command.message;
      if (m.type === 'request') {
        const info = sinks.infoBytes();
        const answer = info === undefined ? { type: 'reject' as const, piece: m.piece } : answerMetadataRequest(info, m.piece);
        notify({ type: 'SEND_EXTENDED', extension: UT_METADATA, payload: encodeUtMetadata(answer) });
      } else if (m.type !== 'unknown') sinks.metadata?.(m);
      return true;
    }
    case 'pexMessage':
      sinks.pex?.(command.message);
      return true;
    case 'pexDue': {
      const next = sinks.nextPex?.();
      if (next !== undefined) notify({ type: 'SEND_EXTENDED', extension: UT_PEX, payload: encodeUtPex(next) });
      return true;
    }
    default:
      return false;
  }
}
