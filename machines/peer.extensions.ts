import { and } from 'xstate';
import { encodeDontHave, encodeExtendedHandshake, EXTENDED_HANDSHAKE_ID, LT_DONTHAVE, OUR_EXTENSION_IDS, UT_METADATA, UT_PEX, type OurExtendedHandshake } from '../src/extensions/index.js';
import { supportsExtensionProtocol, type WireMessage } from '../src/wire/index.js';
import type { PeerCommand, PeerContext, PeerEvent } from './peer.types.js';

/**
 * The extension protocol (BEP 10) part of the peer machine: the pure decisions its
 * `extensions` region's guards and actions call, and that region's state config (kept here so
 * peer.machine.ts stays short). The negotiated ids live in the machine's context; nothing here
 * holds state.
 */

/** Our extended handshake when the session gives none: we take ut_metadata (BEP 9) requests. */
export const DEFAULT_EXTENDED: OurExtendedHandshake = { m: { [UT_METADATA]: OUR_EXTENSION_IDS[UT_METADATA] } };

/** Both handshakes set the BEP 10 bit (byte 5, 0x10). */
export const extensionProtocolOffered = (context: PeerContext): boolean =>
  context.theirReserved !== null && supportsExtensionProtocol(context.reserved) && supportsExtensionProtocol(context.theirReserved);

/** Our extended handshake as a wire message (extended id 0). */
export const extendedHandshakeMessage = (context: PeerContext): WireMessage => ({
  type: 'extended',
  extendedId: EXTENDED_HANDSHAKE_ID,
  payload: encodeExtendedHandshake(context.extended),
});

/** A SEND_EXTENDED as a wire message under the id the peer asked for, or undefined when it has none. */
export function outgoingExtended(context: PeerContext, event: PeerEvent): WireMessage | undefined {
  if (event.type !== 'SEND_EXTENDED') return undefined;
  const id = context.extensionIds.get(event.extension);
  return id === undefined ? undefined : { type: 'extended', extendedId: id, payload: event.payload };
}

/** BEP 54: `lt_donthave` for a piece we lost, when the peer takes it (else undefined). */
export function dontHaveMessage(context: PeerContext, event: PeerEvent): WireMessage | undefined {
  const id = context.extensionIds.get(LT_DONTHAVE);
  return event.type !== 'WE_LOST' || id === undefined ? undefined : { type: 'extended', extendedId: id, payload: encodeDontHave(event.index) };
}

/** The command a received extension event gives the connection (handshake, ut_metadata, ut_pex). */
export function extensionCommand(event: PeerEvent): PeerCommand | undefined {
  switch (event.type) {
    case 'EXTENDED_HANDSHAKE_RECEIVED':
      return { type: 'extended', handshake: event.handshake };
    case 'PEER_METADATA':
      return { type: 'metadataMessage', message: event.message };
    case 'PEER_PEX':
      return { type: 'pexMessage', message: event.message };
    default:
      return undefined;
  }
}

/**
 * We take BEP 54 lt_donthave on this connection: we advertised it and our extended handshake
 * went out (both set the BEP 10 bit), so the peer knows our id for it. Under any other
 * condition a message under that id was never offered and is ignored (BEP 10).
 */
export const dontHaveOffered = (context: PeerContext): boolean => extensionProtocolOffered(context) && (context.extended.m[LT_DONTHAVE] ?? 0) > 0;

/** Both sides speak ut_pex (BEP 11): we advertised it (never for a private torrent) and so did the peer. */
export const pexNegotiated = (context: PeerContext): boolean => (context.extended.m[UT_PEX] ?? 0) > 0 && context.extensionIds.has(UT_PEX);

const BEP10 = 'BEP 10 · Extension Protocol';
const BEP11 = 'BEP 11 · Peer Exchange';
const BEP54 = 'BEP 54 · lt_donthave';

/** The `active.extensions` region of the peer machine. */
export const extensionsRegion = {
  description: 'Extension protocol (BEP 10): our extended handshake goes out when both set the bit; theirs gives the ids we send under and its reqq.',
  meta: { bep: BEP10 },
  initial: 'none',
  on: {
    PEER_METADATA: { actions: 'reportExtension', description: 'A ut_metadata request, piece or reject: served or handed to the metadata fetch.', meta: { bep: 'BEP 9 · Metadata' } },
    PEER_DONT_HAVE: [
      {
        guard: and(['dontHaveOffered', 'withinRetractionCap']),
        actions: 'recordDontHave',
        description: 'It lost the piece: out of its bitfield, availability and our interest; our requests for it go to other peers. Not offered: ignored.',
        meta: { bep: BEP54 },
      },
      {
        guard: 'dontHaveOffered',
        target: '#peer.closed',
        actions: 'recordClose',
        description: 'Retracted more pieces than the torrent has, plus a few: each costs cancels and re-requests (have, lt_donthave, have…), so it is abusive.',
        meta: { bep: BEP54 },
      },
    ],
    SEND_EXTENDED: { guard: 'peerTakesExtension', actions: 'sendExtended', description: 'Sent under the id the peer gave the extension; dropped when it named none.', meta: { bep: BEP10 } },
  },
  states: {
    none: {
      description: 'Not (yet) negotiated: a peer without the BEP 10 bit stays here, its extended messages ignored.',
      always: { guard: 'extensionProtocolOffered', target: 'offered', actions: 'sendExtendedHandshake', description: 'Both set the bit: our extended handshake goes out first (libtorrent waits for it).', meta: { bep: BEP10 } },
    },
    offered: {
      description: 'Our extended handshake is out; waiting for theirs.',
      on: {
        EXTENDED_HANDSHAKE_RECEIVED: { target: 'negotiated', actions: ['recordExtensions', 'reportExtension'], description: 'Their ids, reqq and metadata_size are known now.', meta: { bep: BEP10 } },
      },
    },
    negotiated: {
      description: 'Both handshakes exchanged: extension messages flow under the negotiated ids; PEX is timed here.',
      entry: 'schedulePex',
      initial: 'pexListening',
      on: {
        EXTENDED_HANDSHAKE_RECEIVED: { actions: ['recordExtensions', 'reportExtension'], description: 'A later handshake updates the ids (id 0 turns an extension off).', meta: { bep: BEP10 } },
        PEX_DUE: { actions: ['reportPexDue', 'schedulePex'], description: 'A minute passed: our next ut_pex message (if anything changed), then the next timer.', meta: { bep: BEP11 } },
      },
      states: {
        pexListening: {
          description: "The peer's next ut_pex message is taken.",
          on: { PEER_PEX: { target: 'pexQuiet', actions: 'reportExtension', description: 'Peers for the dialer; more PEX within a minute is dropped.', meta: { bep: BEP11 } } },
        },
        pexQuiet: {
          description: 'A ut_pex message came less than pexInterval ago: further ones are dropped (not a reason to disconnect).',
          after: { pexInterval: { target: 'pexListening', description: 'A minute passed: the next message is taken.' } },
          on: { PEER_PEX: { description: 'Too soon (BEP 11: once a minute): dropped.', meta: { bep: BEP11 } } },
        },
      },
    },
  },
} as const;
