import type { AnnounceRequest } from '../types.js';
import { percentEncodeBytes } from './percentEncoding.js';

/**
 * Builds the HTTP announce URL (BEP 3 "Trackers", BEP 23 `compact=1`). Announce URLs may
 * already carry a query (private trackers put a passkey there), so parameters are appended
 * with `&` after it; a `#fragment` is dropped because it is never sent to the server.
 * Binary values are percent-encoded by hand: `URLSearchParams` would UTF-8 encode them.
 */
export function buildAnnounceUrl(base: string, req: AnnounceRequest): string {
  const params: string[] = [
    `info_hash=${percentEncodeBytes(req.infoHash)}`,
    `peer_id=${percentEncodeBytes(req.peerId)}`,
    `port=${req.port}`,
    `uploaded=${req.uploaded}`,
    `downloaded=${req.downloaded}`,
    `left=${req.left}`,
    'compact=1',
  ];
  if (req.event !== 'empty') params.push(`event=${req.event}`);
  if (req.numwant !== undefined) params.push(`numwant=${req.numwant}`);
  // `key` is sent as 8 hex digits, the form most clients use.
  if (req.key !== undefined) params.push(`key=${(req.key >>> 0).toString(16).padStart(8, '0')}`);
  if (req.trackerId !== undefined) params.push(`trackerid=${percentEncodeBytes(new TextEncoder().encode(req.trackerId))}`);
  return appendQuery(base, params.join('&'));
}

/** Appends `query` to `base`, keeping any query `base` already has. */
export function appendQuery(base: string, query: string): string {
  const hash = base.indexOf('#');
  const noFragment = hash >= 0 ? base.slice(0, hash) : base;
  const q = noFragment.indexOf('?');
  if (q < 0) return `${noFragment}?${query}`;
  const sep = noFragment.endsWith('?') || noFragment.endsWith('&') ? '' : '&';
  return `${noFragment}${sep}${query}`;
}
