import type { PeerEncryption } from '../mse/mseTypes.js';

/** How the CLI words a connection's MSE/PE mode (`download --verbose`, `peers`); undefined for a plain one. */
export function encryptionText(e: PeerEncryption | null | undefined): string | undefined {
  if (e === 'mse-rc4') return 'encrypted (MSE, RC4)';
  if (e === 'mse-plaintext') return 'MSE handshake, plain payload';
  return undefined;
}
