/** Lower-case hex of bytes, for info hashes and peer ids in logs and machine context. */
export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
