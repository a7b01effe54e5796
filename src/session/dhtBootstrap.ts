/**
 * Where a DHT node joins when it has no saved nodes (BEP 5 "bootstrap"): the well-known routers
 * by default, or the user's `--dht-bootstrap HOST:PORT` list, resolved to addresses only when a
 * node actually needs them (never when the DHT is off, never when the saved table answers).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Endpoint } from '../dht/compactInfo.js';

/** The well-known routers, used only when no bootstrap node is given. */
export const DEFAULT_BOOTSTRAP: readonly string[] = ['router.bittorrent.com:6881', 'dht.transmissionbt.com:6881', 'router.utorrent.com:6881'];

/** `HOST:PORT` or `[IPv6]:PORT` split; undefined when it is neither or the port is out of range. */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
  if (m === null) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
}

/**
 * Resolves `HOST:PORT` strings (already checked with {@link parseHostPort}) to IPv4 endpoints;
 * names that do not resolve are reported through `warn` and skipped.
 */
export async function resolveBootstrap(list: readonly string[], warn: (m: string) => void): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  for (const s of list) {
    const hp = parseHostPort(s);
    if (hp === undefined) {
      warn(`bootstrap node "${s}" is not HOST:PORT`);
      continue;
    }
    if (isIP(hp.host) === 4) {
      out.push({ ip: hp.host, port: hp.port });
      continue;
    }
    try {
      const r = await dnsLookup(hp.host, { family: 4 });
      out.push({ ip: r.address, port: hp.port });
    } catch (e) {
      warn(`cannot resolve bootstrap node ${s}: ${(e as Error).message}`);
    }
  }
  return out;
}
