import { CRYPTO_PLAINTEXT, CRYPTO_RC4, type EncryptionPolicy, type MseCrypto, type PeerEncryption } from './mseTypes.js';

/** crypto_provide bits we take as responder under `policy` (none for `off`). */
export function mseAllowed(policy: EncryptionPolicy): number {
  return policy === 'require' ? CRYPTO_RC4 : policy === 'accept' ? CRYPTO_PLAINTEXT | CRYPTO_RC4 : 0;
}

/** crypto_provide bits we offer when we dial with MSE: `require` wants RC4 payload only. */
export function mseProvide(policy: EncryptionPolicy): number {
  return policy === 'require' ? CRYPTO_RC4 : CRYPTO_PLAINTEXT | CRYPTO_RC4;
}

/** How a peer list names a connection's encryption. */
export const peerEncryptionOf = (crypto: MseCrypto | undefined): PeerEncryption => (crypto === undefined ? 'none' : crypto === 'rc4' ? 'mse-rc4' : 'mse-plaintext');
