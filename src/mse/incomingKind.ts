import { PROTOCOL_STRING } from '../wire/index.js';

/**
 * What an accepted connection speaks, from its first bytes: a plain BitTorrent handshake
 * starts with 19 and "BitTorrent protocol" (BEP 3); anything else may be MSE's Ya (random-looking,
 * 96 bytes). `undecided` until 20 bytes or a mismatch are in.
 */
export function incomingKind(head: Uint8Array): 'plaintext' | 'mse' | 'undecided' {
  const n = Math.min(head.length, 20);
  if (n === 0) return 'undecided';
  if (head[0] !== PROTOCOL_STRING.length) return 'mse';
  for (let i = 1; i < n; i++) if (head[i] !== PROTOCOL_STRING.charCodeAt(i - 1)) return 'mse';
  return n === 20 ? 'plaintext' : 'undecided';
}
