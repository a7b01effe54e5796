import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import { trackerError, type TrackerError } from '../types.js';
import { readBodyWithLimit } from './boundedBody.js';

/** The subset of the WHATWG `fetch` the HTTP tracker client uses (injectable for tests). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Options shared by HTTP announce and scrape. */
export interface HttpTrackerOptions {
  /** Whole-request deadline including the body, ms (default 15 000). */
  readonly timeoutMs?: number;
  /** Largest reply body accepted, bytes (default 2 MiB: ~350 000 compact peers). */
  readonly maxBodyBytes?: number;
  /** Redirects followed before giving up (default 3). */
  readonly maxRedirects?: number;
  /** Cancels the request (e.g. the announce machine left the state that started it). */
  readonly signal?: AbortSignal;
  /** Defaults to the global `fetch`. */
  readonly fetch?: FetchLike;
  /** Sent as `User-Agent`. */
  readonly userAgent?: string;
}

/** Default whole-request timeout of an HTTP tracker request, ms. */
export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;
/** Default reply size cap, bytes. */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Default number of redirects followed. */
export const DEFAULT_MAX_REDIRECTS = 3;

/**
 * GETs `url` and returns the body bytes of a 200 reply, following at most `maxRedirects`
 * http(s) redirects by hand (fetch's own limit is 20 and not configurable), under one
 * deadline and one size cap. Never rejects: every failure is a {@link TrackerError}.
 * `label` names the tracker in error messages (the URL without our query).
 */
export function httpGetBounded(url: string, label: string, opts: HttpTrackerOptions = {}): TE.TaskEither<TrackerError, Uint8Array> {
  return async () => {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const doFetch: FetchLike = opts.fetch ?? ((u, i) => fetch(u, i));
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, timeoutMs);
    const onOuterAbort = (): void => ctrl.abort();
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (opts.signal?.aborted) ctrl.abort();
    try {
      let current = url;
      for (let hop = 0; ; hop++) {
        const headers: Record<string, string> = { 'accept-encoding': 'identity' };
        if (opts.userAgent !== undefined) headers['user-agent'] = opts.userAgent;
        const res = await doFetch(current, { signal: ctrl.signal, redirect: 'manual', headers });
        if (res.status >= 300 && res.status < 400 && res.status !== 304) {
          await res.body?.cancel().catch(() => undefined);
          const location = res.headers.get('location');
          if (location === null) return E.left(trackerError.httpStatus(label, res.status));
          if (hop >= maxRedirects) return E.left(trackerError.network(label, `more than ${maxRedirects} redirects`));
          const next = new URL(location, current);
          if (next.protocol !== 'http:' && next.protocol !== 'https:') {
            return E.left(trackerError.unsupportedScheme(next.href));
          }
          current = next.href;
          continue;
        }
        if (res.status !== 200) {
          await res.body?.cancel().catch(() => undefined);
          return E.left(trackerError.httpStatus(label, res.status));
        }
        const body = await readBodyWithLimit(res, limit);
        if (body._tag === 'too-large') return E.left(trackerError.tooLarge(label, limit));
        return E.right(body.bytes);
      }
    } catch (e) {
      if (timedOut) return E.left(trackerError.timeout(label, timeoutMs));
      if (opts.signal?.aborted) return E.left(trackerError.network(label, 'announce cancelled'));
      return E.left(trackerError.network(label, describeFetchError(e)));
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
  };
}

/** Node's fetch hides the socket error in `cause`; surface it. */
function describeFetchError(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return `${e.message}: ${cause.message}`;
    return e.message;
  }
  return String(e);
}

/** The tracker URL without query or fragment, for messages (keeps passkeys out of logs). */
export function trackerLabel(url: string): string {
  const cut = url.search(/[?#]/);
  return cut >= 0 ? url.slice(0, cut) : url;
}
