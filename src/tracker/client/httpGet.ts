import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { trackerError, type TrackerError } from '../types.js';
import { addressScope, checkTrackerAddress, type AddressScope } from './trackerUrlPolicy.js';

/** Host name resolution: one address for `host` (default `dns.promises.lookup`). */
export type HostLookup = (host: string) => Promise<{ address: string; family: number }>;

/** Options shared by HTTP announce and scrape. */
export interface HttpTrackerOptions {
  /** Whole-request deadline including the body, ms (default 15 000). */
  readonly timeoutMs?: number;
  /** Largest reply body accepted, bytes (default 1 MiB: ~175 000 compact peers, as libtorrent). */
  readonly maxBodyBytes?: number;
  /** Most peers taken from one announce reply (default 200, `DEFAULT_MAX_PEERS_PER_REPLY`). */
  readonly maxPeersPerReply?: number;
  /** Redirects followed before giving up (default 3). */
  readonly maxRedirects?: number;
  /** Cancels the request (e.g. the announce machine left the state that started it). */
  readonly signal?: AbortSignal;
  /** Sent as `User-Agent`. */
  readonly userAgent?: string;
  /**
   * Local address the request leaves from (`--host`), so the tracker sees, and lists, the
   * address we listen on.
   */
  readonly localAddress?: string;
  /**
   * Apply the tracker URL policy (SSRF guard, see trackerUrlPolicy.ts) to every hop, checked
   * on the resolved address. Off for direct calls; `announce()` turns it on for torrent URLs.
   */
  readonly urlPolicy?: boolean;
  /** Host name resolution (default `dns.promises.lookup`); IP literals skip it. */
  readonly lookup?: HostLookup;
  /**
   * Classifies resolved addresses for the policy (default {@link addressScope}). Tests, which
   * may only use 127.0.0.0/8, let one loopback address play a public tracker.
   */
  readonly addressScope?: (ip: string) => AddressScope;
}

/** Default whole-request timeout of an HTTP tracker request, ms. */
export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;
/** Default reply size cap, bytes (1 MiB, as issue 10 and libtorrent's default for tracker replies). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default number of redirects followed. */
export const DEFAULT_MAX_REDIRECTS = 3;

/**
 * GETs `url` and returns the body bytes of a 200 reply, following at most `maxRedirects`
 * http(s) redirects by hand, under one deadline and one size cap enforced while the body
 * streams in. Never rejects: every failure is a {@link TrackerError}. `label` names the tracker
 * in messages (the URL without our query); `trackerUrl` is the tracker's URL as the torrent
 * gave it, which the URL policy judges (our own parameters are not "its query").
 * Each host is resolved once and the connection goes to exactly the address that was checked.
 */
export function httpGetBounded(
  url: string,
  label: string,
  opts: HttpTrackerOptions = {},
  trackerUrl: string = url,
): TE.TaskEither<TrackerError, Uint8Array> {
  return async () => {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const lookup: HostLookup = opts.lookup ?? ((h) => dnsLookup(h));
    const scopeOf = opts.addressScope ?? addressScope;
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
      let current: URL;
      try {
        current = new URL(url);
      } catch {
        return E.left(trackerError.unsupportedScheme(label));
      }
      let previous: AddressScope | undefined;
      for (let hop = 0; ; hop++) {
        if (current.protocol !== 'http:' && current.protocol !== 'https:') return E.left(trackerError.unsupportedScheme(current.href));
        const host = current.hostname.startsWith('[') ? current.hostname.slice(1, -1) : current.hostname;
        const target = await untilAborted(resolveHost(host, lookup), ctrl.signal);
        if (opts.urlPolicy === true) {
          const verdict = checkTrackerAddress(hop === 0 ? trackerUrl : current.href, target.address, previous, scopeOf);
          if (verdict !== undefined) return E.left(trackerError.refusedByPolicy(label, verdict));
        }
        previous = scopeOf(target.address);
        const res = await send(current, target, opts, ctrl.signal);
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && status !== 304) {
          res.destroy();
          const location = res.headers.location;
          if (location === undefined) return E.left(trackerError.httpStatus(label, status));
          if (hop >= maxRedirects) return E.left(trackerError.network(label, `more than ${maxRedirects} redirects`));
          try {
            current = new URL(location, current);
          } catch {
            return E.left(trackerError.invalidReply(label, 'redirect to an invalid URL'));
          }
          continue;
        }
        if (status !== 200) {
          res.destroy();
          return E.left(trackerError.httpStatus(label, status));
        }
        const body = await readBodyWithLimit(res, limit);
        if (body === 'too-large') return E.left(trackerError.tooLarge(label, limit));
        return E.right(body);
      }
    } catch (e) {
      if (timedOut) return E.left(trackerError.timeout(label, timeoutMs));
      if (opts.signal?.aborted) return E.left(trackerError.network(label, 'announce cancelled'));
      return E.left(trackerError.network(label, describeError(e)));
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
  };
}

/** An IP literal as is, otherwise the first address `lookup` gives. */
async function resolveHost(host: string, lookup: HostLookup): Promise<{ address: string; family: 4 | 6 }> {
  const literal = isIP(host);
  if (literal !== 0) return { address: host, family: literal === 6 ? 6 : 4 };
  let r: { address: string; family: number };
  try {
    r = await lookup(host);
  } catch (e) {
    throw new Error(`cannot resolve ${host}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
}

/** Resolves or rejects with `p`, or rejects as soon as `signal` aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** One GET to `url`, connecting to the already checked `target` address; resolves on the headers. */
function send(url: URL, target: { address: string; family: 4 | 6 }, opts: HttpTrackerOptions, signal: AbortSignal): Promise<IncomingMessage> {
  // Pin the connection to the checked address: a second DNS answer (rebinding) cannot redirect it.
  const pinned: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all === true) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (opts.userAgent !== undefined) headers['user-agent'] = opts.userAgent;
  const options: RequestOptions = {
    method: 'GET',
    headers,
    signal,
    lookup: pinned,
    agent: false, // one connection per request: nothing lingers after the announce
    // a local address of the other family cannot reach this tracker: leave that to the OS
    ...(opts.localAddress !== undefined && isIP(opts.localAddress) === target.family ? { localAddress: opts.localAddress } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, resolve);
    req.once('error', reject);
    req.end();
  });
}

/** The body, or `'too-large'` as soon as it passes `limit` bytes (declared or streamed). */
function readBodyWithLimit(res: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large'> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    res.destroy();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        ended = true;
        res.destroy();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => {
      ended = true;
      const out = Buffer.concat(chunks, size);
      resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    });
    res.once('error', (e) => reject(e));
    res.once('close', () => {
      if (!ended) reject(new Error('connection closed before the reply ended'));
    });
  });
}

/** A socket error's message, with its code when the message lacks it. */
function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code !== undefined && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}

/** The tracker URL without query or fragment, for messages (keeps passkeys out of logs). */
export function trackerLabel(url: string): string {
  const cut = url.search(/[?#]/);
  return cut >= 0 ? url.slice(0, cut) : url;
}
