import { parseIp } from '../../peers/ipAddress.js';

/**
 * Which tracker URLs a torrent may make us contact (an SSRF guard in the spirit of
 * libtorrent's `ssrf_mitigation`). A .torrent is untrusted input: its tracker URL
 * `http://192.168.1.1/admin/reboot?confirm=1` would otherwise turn every client that opens it
 * into a request forger against the user's own network. So:
 * - only `http`, `https` and `udp` are trackers;
 * - a tracker on a loopback or private address (resolved, not just as written) must have a path
 *   ending in `/announce` and no query of its own: our announce parameters are then the whole
 *   query, and whatever listens there gets nothing it did not ask for;
 * - a redirect from a public address to a loopback or private one is refused.
 */

/** Where an address points, as far as the policy cares. */
export type AddressScope = 'loopback' | 'private' | 'public';

/** The policy's verdict on one hop: `undefined` when allowed, else why not (one line). */
export type PolicyVerdict = string | undefined;

/**
 * Scope of an IP literal: loopback (127/8, ::1), private (RFC 1918, CGNAT 100.64/10,
 * link-local, unspecified, IPv6 unique-local fc00::/7 and link-local fe80::/10) or public.
 * Unparseable text counts as private (never contacted on a guess).
 */
export function addressScope(ip: string): AddressScope {
  const p = parseIp(ip.startsWith('[') ? ip.slice(1, -1) : ip);
  if (p === undefined) return 'private';
  const b = p.bytes;
  if (b.length === 4) {
    if (b[0] === 127) return 'loopback';
    if (b[0] === 10 || b[0] === 0) return 'private';
    if (b[0] === 172 && (b[1]! & 0xf0) === 16) return 'private';
    if (b[0] === 192 && b[1] === 168) return 'private';
    if (b[0] === 169 && b[1] === 254) return 'private';
    if (b[0] === 100 && (b[1]! & 0xc0) === 64) return 'private';
    return 'public';
  }
  const zeroHead = b.subarray(0, 15).every((x) => x === 0);
  if (zeroHead && b[15] === 1) return 'loopback';
  if (zeroHead && b[15] === 0) return 'private';
  if ((b[0]! & 0xfe) === 0xfc) return 'private';
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'private';
  return 'public';
}

/**
 * The check once a hop's host has resolved to `ip`. `url` is the tracker's own URL as the
 * torrent gave it (without our announce parameters); `previous` is the scope of the hop that
 * redirected here, `undefined` for the first hop. A local tracker may redirect within the
 * local network (it passed the check itself); a public one may not redirect into it.
 */
export function checkTrackerAddress(
  url: string,
  ip: string,
  previous: AddressScope | undefined,
  scopeOf: (ip: string) => AddressScope = addressScope,
): PolicyVerdict {
  const scope = scopeOf(ip);
  if (scope === 'public') return undefined;
  if (previous === 'public') return `redirect from a public address to ${scope} address ${ip} refused`;
  if (previous !== undefined) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a valid URL';
  }
  if (!u.pathname.endsWith('/announce')) {
    return `tracker on ${scope} address ${ip} must have a path ending in /announce (got ${u.pathname.slice(0, 100)})`;
  }
  if (u.search !== '' || url.includes('?')) return `tracker on ${scope} address ${ip} may not carry a query of its own`;
  return undefined;
}
