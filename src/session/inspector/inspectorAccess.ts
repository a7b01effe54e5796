import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isLoopback, parseIp } from '../../peers/ipAddress.js';

/** A fresh unguessable token (256 random bits, URL-safe) that every inspector URL must carry. */
export function newInspectorToken(): string {
  return randomBytes(32).toString('base64url');
}

/** 127.0.0.0/8 or ::1 (also IPv4-mapped loopback, as Node reports it on dual-stack sockets). */
export function isLoopbackAddress(address: string | undefined): boolean {
  const parsed = address === undefined ? undefined : parseIp(address);
  return parsed !== undefined && isLoopback(parsed.bytes);
}

/** What a request asks, as far as access is concerned. */
export interface InspectorRequest {
  readonly remoteAddress: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
  /** The Host header: only loopback names, so a DNS-rebinding page cannot reach the server. */
  readonly host: string | undefined;
}

/** Allowed, with the path after the token (`/`, `/events`, ...), or refused with an HTTP status. */
export type AccessDecision = { readonly ok: true; readonly path: string; readonly query: URLSearchParams } | { readonly ok: false; readonly status: 403 | 404 | 405 };

const LOOPBACK_HOSTS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d{1,5})?$/i;

const sameToken = (given: string, token: string): boolean => {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Decides a request before anything is read: from outside loopback → 403; a Host header that is
 * not a loopback name → 403; a path not starting with `/<token>/` → 404 (the page and its data
 * do not exist for someone without the token); anything but GET/HEAD → 405 (read-only).
 */
export function decideAccess(req: InspectorRequest, token: string): AccessDecision {
  if (!isLoopbackAddress(req.remoteAddress)) return { ok: false, status: 403 };
  if (req.host === undefined || !LOOPBACK_HOSTS.test(req.host)) return { ok: false, status: 403 };
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return { ok: false, status: 404 };
  }
  const [, first = '', ...rest] = url.pathname.split('/');
  if (!sameToken(first, token)) return { ok: false, status: 404 };
  if (req.method !== 'GET' && req.method !== 'HEAD') return { ok: false, status: 405 };
  return { ok: true, path: `/${rest.join('/')}`, query: url.searchParams };
}
