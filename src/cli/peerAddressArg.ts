import { isIP } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import type { PeerEndpoint } from '../peers/peerPool.js';

/**
 * Parses a `--peer` value: `1.2.3.4:6881` or `[::1]:6881`. Only literal IP addresses, so the
 * CLI never resolves names behind the user's back.
 */
export function parsePeerAddress(s: string): E.Either<string, PeerEndpoint> {
  const m = /^\[([0-9a-fA-F:.]+)\]:([0-9]{1,5})$/.exec(s) ?? /^([0-9.]+):([0-9]{1,5})$/.exec(s);
  if (m === null || isIP(m[1]!) === 0) return E.left(`--peer "${s}" is not ip:port (e.g. 127.0.0.1:6881 or [::1]:6881)`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return E.left(`--peer "${s}": port must be in 1..65535`);
  return E.right({ ip: m[1]!, port });
}

/** Parses a whole-number option within bounds, or explains the expected range. */
export function parseIntOption(name: string, s: string, min: number, max: number): E.Either<string, number> {
  if (!/^[0-9]{1,9}$/.test(s)) return E.left(`${name} must be a whole number in ${min}..${max}`);
  const n = Number(s);
  return n >= min && n <= max ? E.right(n) : E.left(`${name} must be a whole number in ${min}..${max}`);
}
