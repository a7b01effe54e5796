/**
 * The extension protocol (BEP 10) and the extensions statorrent speaks over it: metadata
 * exchange (BEP 9, ut_metadata), peer exchange (BEP 11, ut_pex) and lost pieces (BEP 54,
 * lt_donthave, both ways); plus the private-torrent
 * policy (BEP 27) that decides whether PEX may be used at all.
 */
export * from './limits.js';
export * from './extensionError.js';
export {
  decodeExtendedHandshake,
  encodeExtendedHandshake,
  negotiatedIds,
  boundByReqq,
  EXTENDED_HANDSHAKE_ID,
  UT_METADATA,
  UT_PEX,
  type ExtendedHandshake,
  type DecodedExtendedHandshake,
  type OurExtendedHandshake,
} from './extendedHandshake.js';
export { decodeExtensionMessage, OUR_EXTENSION_IDS, type ExtensionMessage } from './extensionMessage.js';
export { decodeUtMetadata, encodeUtMetadata, answerMetadataRequest, metadataPieceCount, type UtMetadataMessage } from './utMetadata.js';
export { decodeUtPex, encodeUtPex, isUnicast, type PexMessage, type PexPeer } from './utPex.js';
export { PexFlags, pexFlagsOf, prefersEncryption, type PexPeerFacts } from './pexFlags.js';
export { PexState } from './pexState.js';
export { decodeDontHave, encodeDontHave, LT_DONTHAVE, LT_DONTHAVE_BYTES } from './ltDontHave.js';
export { MetadataAssembly, checkMetadataSize, type MetadataPieceFault, type PieceWitness } from './metadataAssembly.js';
export { peerSourcesAllowed, type PeerSources } from './peerSources.js';
export { ourExtendedHandshake, advertisedExtensions, type OurHandshakeFacts } from './ourHandshake.js';
