import * as E from 'fp-ts/lib/Either.js';
import { parseIp } from '../peers/ipAddress.js';
import type { PeerEndpoint } from '../peers/peerPool.js';
import { toHex } from '../wire/hex.js';
import { base32Decode } from './base32.js';
import {
  magnetError,
  MAX_MAGNET_LENGTH,
  MAX_MAGNET_PEERS,
  MAX_MAGNET_TRACKERS,
  MAX_MAGNET_WEB_SEEDS,
  type MagnetError,
  type MagnetLink,
} from './magnetLink.js';

/** True when `text` looks like a magnet link (what the CLI checks before choosing a parser). */
export const isMagnet = (text: string): boolean => /^magnet:\?/i.test(text);

const BTIH = 'urn:btih:';
const BTMH = 'urn:btmh:';

/**
 * Parses a magnet link (BEP 9): `xt=urn:btih:` as 40 hex or 32 base32 characters, `dn`, `tr`
 * (repeatable, also `tr.1`, `tr.2` …), `x.pe` peers (`ip:port`, `[v6]:port`) and `ws`.
 * Unknown parameters are ignored (links carry many). A link with only a v2 `urn:btmh:` hash is
 * refused, since statorrent speaks BitTorrent v1. Never throws.
 */
export function parseMagnet(text: string): E.Either<MagnetError, MagnetLink> {
  if (text.length > MAX_MAGNET_LENGTH) return E.left(magnetError('too-long', `longer than ${MAX_MAGNET_LENGTH} characters`));
  if (!isMagnet(text)) return E.left(magnetError('not-magnet', 'a magnet link starts with "magnet:?"'));
  const query = text.slice('magnet:?'.length).split('#')[0]!;
  let infoHash: Uint8Array | undefined;
  let sawV2 = false;
  let name: string | undefined;
  const trackers: string[] = [];
  const webSeeds: string[] = [];
  const peers: PeerEndpoint[] = [];
  const warnings: string[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    // BEP 9 numbers repeated parameters (`tr.1`, `xt.2`); the number carries no meaning here.
    const key = rawKey.replace(/\.\d+$/, '').toLowerCase();
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    const value = percentDecode(key === 'dn' ? rawValue.replace(/\+/g, ' ') : rawValue);
    if (value === undefined) return E.left(magnetError('bad-encoding', `parameter "${printable(rawKey)}" has an invalid %-escape`));
    switch (key) {
      case 'xt': {
        const lower = value.toLowerCase();
        if (lower.startsWith(BTMH)) {
          sawV2 = true;
          break;
        }
        if (!lower.startsWith(BTIH)) break; // other URNs (ed2k, sha1 …) name other networks
        const hash = infoHashOf(value.slice(BTIH.length));
        if (hash === undefined) {
          return E.left(magnetError('bad-info-hash', `"${printable(value)}" is not a 40-character hex or 32-character base32 info hash`));
        }
        if (infoHash !== undefined && toHex(infoHash) !== toHex(hash)) {
          return E.left(magnetError('conflicting-info-hash', 'two different urn:btih: info hashes in one link'));
        }
        infoHash = hash;
        break;
      }
      case 'dn':
        name = value;
        break;
      case 'tr':
        if (value !== '' && !trackers.includes(value)) {
          if (trackers.length >= MAX_MAGNET_TRACKERS) return E.left(magnetError('too-long', `more than ${MAX_MAGNET_TRACKERS} trackers`));
          trackers.push(value);
        }
        break;
      case 'ws':
        if (value !== '' && !webSeeds.includes(value)) {
          if (webSeeds.length >= MAX_MAGNET_WEB_SEEDS) return E.left(magnetError('too-long', `more than ${MAX_MAGNET_WEB_SEEDS} web seeds`));
          webSeeds.push(value);
        }
        break;
      case 'x.pe': {
        const peer = peerOf(value);
        if (peer === 'host') {
          warnings.push(`peer "${printable(value)}" is a host name; only IP addresses are dialled`);
          break;
        }
        if (peer === undefined) return E.left(magnetError('bad-peer', `x.pe "${printable(value)}" is not ip:port or [ipv6]:port`));
        if (!peers.some((p) => p.ip === peer.ip && p.port === peer.port)) {
          if (peers.length >= MAX_MAGNET_PEERS) return E.left(magnetError('too-long', `more than ${MAX_MAGNET_PEERS} x.pe peers`));
          peers.push(peer);
        }
        break;
      }
      default:
        break;
    }
  }
  if (infoHash === undefined) {
    return E.left(
      sawV2
        ? magnetError('v2-only', 'this is a BitTorrent v2-only link (urn:btmh:); statorrent needs a v1 or hybrid link with xt=urn:btih:')
        : magnetError('no-info-hash', 'no xt=urn:btih: info hash'),
    );
  }
  return E.right({
    infoHash,
    infoHashHex: toHex(infoHash),
    ...(name === undefined ? {} : { name }),
    trackers,
    peers,
    webSeeds,
    warnings,
  });
}

function infoHashOf(text: string): Uint8Array | undefined {
  if (/^[0-9a-fA-F]{40}$/.test(text)) return Uint8Array.from(Buffer.from(text, 'hex'));
  if (text.length === 32) return base32Decode(text);
  return undefined;
}

function percentDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** `ip:port` or `[ipv6]:port`; `'host'` for a host name with a valid port. */
function peerOf(text: string): PeerEndpoint | 'host' | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  const ip = parseIp(m[1]!);
  if (ip !== undefined) return { ip: ip.ip, port };
  return !text.startsWith('[') && /^[A-Za-z0-9.-]{1,253}$/.test(m[1]!) ? 'host' : undefined;
}

const printable = (s: string): string => (s.length > 60 ? `${s.slice(0, 60)}…` : s).replace(/[^\x20-\x7e]/g, '?');
