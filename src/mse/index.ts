/**
 * Message Stream Encryption / Protocol Encryption (MSE/PE; the Vuze spec, also documented by
 * libtorrent): RC4, the key exchange, and both handshake roles as pure bounded steps over bytes.
 * @packageDocumentation
 */
export { Rc4 } from './rc4.js';
export { dhKeyPair, mseCiphers, mseHash, req1Hash, req2Hash, req3Hash, skeyMask, MSE_PRIME, MSE_GENERATOR, DH_KEY_LENGTH, RC4_DISCARD, type DhKeyPair, type MseCiphers } from './mseKeys.js';
export {
  MAX_PAD,
  MAX_IA,
  VC_LENGTH,
  CRYPTO_PLAINTEXT,
  CRYPTO_RC4,
  REQ1_SYNC_LIMIT,
  VC_SYNC_LIMIT,
  ENCRYPTION_POLICIES,
  DEFAULT_ENCRYPTION_POLICY,
  describeMseError,
  type MseCrypto,
  type MseError,
  type MseEstablished,
  type PeerEncryption,
  type EncryptionPolicy,
} from './mseTypes.js';
export { MseResponder, type MseResponderOptions } from './mseResponder.js';
export type { MseProgress } from './mseSteps.js';
export { MseInitiator, type MseInitiatorOptions } from './mseInitiator.js';
export type { MseRandom } from './mseRole.js';
export { incomingKind } from './incomingKind.js';
export { mseAllowed, mseProvide, peerEncryptionOf } from './msePolicy.js';
export { MseDialChoice, MAX_MSE_ENDPOINTS, type DialOutcome } from './mseDialChoice.js';
