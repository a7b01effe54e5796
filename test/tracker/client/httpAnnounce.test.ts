import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../../src/bencode/index.js';
import { announce, httpAnnounce, type AnnounceRequest, type TrackerError } from '../../../src/tracker/client/index.js';
import { percentDecodeBytes } from '../../../src/tracker/client/percentEncoding.js';
import { startScriptedHttpTracker, type ScriptedHttpTracker } from './scriptedHttpTracker.js';

const infoHash = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 0x20) & 0xff);
const peerId = new TextEncoder().encode('-ST0001-&=+% ?#abcde');
const req: AnnounceRequest = {
  infoHash, peerId, port: 6881, uploaded: 10, downloaded: 20, left: 30, event: 'started', compact: true, numwant: 50, key: 0xdeadbeef,
};

let t: ScriptedHttpTracker;
beforeAll(async () => {
  t = await startScriptedHttpTracker();
});
afterAll(() => t.close());

const replyWith = (body: Uint8Array | string, status = 200): void =>
  t.reply((_q, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  });

const compact4 = Uint8Array.from([127, 0, 0, 1, 0x1a, 0xe1, 10, 1, 2, 3, 0, 80]);
const compact6 = Uint8Array.from([...new Array(15).fill(0), 1, 0x1a, 0xe2]);

const left = (r: E.Either<TrackerError, unknown>): TrackerError => {
  if (E.isRight(r)) throw new Error('expected an error');
  return r.left;
};

describe('httpAnnounce', () => {
  it('sends every BEP 3 parameter with binary values percent-encoded', async () => {
    replyWith(encode({ interval: 1800, peers: new Uint8Array(0) }));
    t.requests.length = 0;
    const r = await httpAnnounce(`${t.base}/announce`, req)();
    expect(E.isRight(r)).toBe(true);
    const url = new URL(`http://x${t.requests[0]}`);
    expect(url.pathname).toBe('/announce');
    const raw = new Map(url.search.slice(1).split('&').map((kv) => kv.split('=') as [string, string]));
    expect(percentDecodeBytes(raw.get('info_hash')!)).toEqual(infoHash);
    expect(percentDecodeBytes(raw.get('peer_id')!)).toEqual(peerId);
    expect(raw.get('peer_id')).toContain('%26%3D%2B%25%20%3F%23');
    expect(Object.fromEntries([...raw].filter(([k]) => !['info_hash', 'peer_id'].includes(k)))).toEqual({
      port: '6881', uploaded: '10', downloaded: '20', left: '30', compact: '1', event: 'started', numwant: '50', key: 'deadbeef',
    });
  });

  it('keeps a query string already in the announce URL and omits event for regular announces', async () => {
    replyWith(encode({ interval: 1800, peers: new Uint8Array(0) }));
    t.requests.length = 0;
    await httpAnnounce(`${t.base}/announce?passkey=abc#frag`, { ...req, event: 'empty', trackerId: 'T 1' })();
    expect(t.requests[0]).toMatch(/^\/announce\?passkey=abc&info_hash=/);
    expect(t.requests[0]).not.toContain('event=');
    expect(t.requests[0]).toContain('trackerid=T%201');
    expect(t.requests[0]).not.toContain('frag');
  });

  it('decodes compact IPv4 peers, IPv6 peers6 and the optional fields', async () => {
    replyWith(encode({
      interval: 900, 'min interval': 120, complete: 3, incomplete: 4, 'tracker id': 'abc',
      'warning message': 'be nice', peers: compact4, peers6: compact6,
    }));
    const r = await httpAnnounce(`${t.base}/announce`, req)();
    expect(r).toEqual(E.right({
      interval: 900, minInterval: 120, complete: 3, incomplete: 4, trackerId: 'abc', warning: 'be nice',
      peers: [{ ip: '127.0.0.1', port: 6881 }, { ip: '10.1.2.3', port: 80 }, { ip: '::1', port: 6882 }],
    }));
  });

  it('decodes dictionary peer lists, skipping entries with host names or bad ports', async () => {
    const pid = new Uint8Array(20).fill(7);
    replyWith(encode({
      interval: 900,
      peers: [
        { ip: '127.0.0.2', port: 7000, 'peer id': pid },
        { ip: '::1', port: 7001 },
        { ip: 'evil.example', port: 7002 },
        { ip: '127.0.0.3', port: 0 },
        'not a dict',
      ],
    }));
    const r = await httpAnnounce(`${t.base}/announce`, req)();
    expect(r).toEqual(E.right({ interval: 900, peers: [{ ip: '127.0.0.2', port: 7000, peerId: pid }, { ip: '::1', port: 7001 }] }));
  });

  it('clamps intervals to [60 s, 2 h] and min interval to the interval', async () => {
    replyWith(encode({ interval: 1, 'min interval': 0, peers: new Uint8Array(0) }));
    expect(await httpAnnounce(`${t.base}/a`, req)()).toEqual(E.right({ interval: 60, minInterval: 60, peers: [] }));
    replyWith(encode({ interval: 10 ** 9, 'min interval': 10 ** 9, peers: new Uint8Array(0) }));
    expect(await httpAnnounce(`${t.base}/a`, req)()).toEqual(E.right({ interval: 7200, minInterval: 7200, peers: [] }));
  });

  it('turns a failure reason into a failure-reason error', async () => {
    replyWith(encode({ 'failure reason': 'Requested download is not authorized' }));
    const e = left(await httpAnnounce(`${t.base}/announce`, req)());
    expect(e).toMatchObject({ _tag: 'failure-reason', reason: 'Requested download is not authorized' });
    expect(e.message).toContain(`${t.base}/announce`);
  });

  it('rejects bad bencode, a non-dictionary, a missing interval and bad compact lengths', async () => {
    for (const body of [
      'd8:intervali5', // truncated
      encode([1, 2]),
      encode({ peers: compact4 }),
      encode({ interval: 60, peers: compact4.subarray(0, 7) }),
      encode({ interval: 60, peers6: compact6.subarray(0, 17) }),
      encode({ interval: -5 }),
    ]) {
      replyWith(body);
      const e = left(await httpAnnounce(`${t.base}/announce`, req)());
      expect(e._tag).toBe('invalid-reply');
      expect(e.message).not.toContain('\n');
    }
  });

  it('says what was wrong in one line, without dumping the value', async () => {
    replyWith(encode({ peers: compact4 }));
    expect(left(await httpAnnounce(`${t.base}/announce`, req)()).message).toMatch(/missing interval$/);
    replyWith(encode({ interval: 60, peers: new Uint8Array(6001) }));
    const e = left(await httpAnnounce(`${t.base}/announce`, req)());
    expect(e.message).toContain('peers: expected compact peer list (a multiple of 6 bytes), got a 6001-byte string');
    expect(e.message.length).toBeLessThan(400);
  });

  it('reports a non-200 status', async () => {
    replyWith('nope', 404);
    expect(left(await httpAnnounce(`${t.base}/announce`, req)())).toMatchObject({ _tag: 'http-status', status: 404 });
  });

  it('stops reading a body larger than the cap, declared or streamed', async () => {
    replyWith(new Uint8Array(5000));
    expect(left(await httpAnnounce(`${t.base}/announce`, req, { maxBodyBytes: 4096 })())).toMatchObject({ _tag: 'too-large', limit: 4096 });
    t.reply((_q, res) => {
      res.writeHead(200); // chunked, no content-length
      const chunk = new Uint8Array(1024);
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end();
    });
    expect(left(await httpAnnounce(`${t.base}/announce`, req, { maxBodyBytes: 4096 })())).toMatchObject({ _tag: 'too-large' });
  });

  it('times out when the tracker never answers', async () => {
    t.reply(() => undefined); // hold the request open
    const e = left(await httpAnnounce(`${t.base}/announce`, req, { timeoutMs: 100 })());
    expect(e).toMatchObject({ _tag: 'timeout' });
  });

  it('times out when the body stalls after the headers', async () => {
    t.reply((_q, res) => {
      res.writeHead(200);
      res.write('d8:interval');
    });
    expect(left(await httpAnnounce(`${t.base}/announce`, req, { timeoutMs: 100 })())).toMatchObject({ _tag: 'timeout' });
  });

  it('follows a few redirects but not too many, and never to another scheme', async () => {
    t.reply((q, res) => {
      const hop = Number(/hop=(\d+)/.exec(q.url ?? '')?.[1] ?? 0);
      if (hop < 2) {
        res.writeHead(302, { location: `/announce?hop=${hop + 1}` });
        res.end();
      } else {
        res.end(encode({ interval: 600, peers: compact4 }));
      }
    });
    expect(E.isRight(await httpAnnounce(`${t.base}/announce?hop=0`, req)())).toBe(true);
    expect(left(await httpAnnounce(`${t.base}/announce?hop=0`, req, { maxRedirects: 1 })())._tag).toBe('network');
    t.reply((_q, res) => {
      res.writeHead(301, { location: 'file:///etc/passwd' });
      res.end();
    });
    expect(left(await httpAnnounce(`${t.base}/announce`, req)())._tag).toBe('unsupported-scheme');
  });

  it('reports a refused connection as a network error and refuses other schemes', async () => {
    const closed = await startScriptedHttpTracker();
    await closed.close();
    expect(left(await httpAnnounce(`${closed.base}/announce`, req)())._tag).toBe('network');
    expect(left(await httpAnnounce('ftp://127.0.0.1/announce', req)())._tag).toBe('unsupported-scheme');
    expect(left(await announce('wss://127.0.0.1/announce', req)())._tag).toBe('unsupported-scheme');
    replyWith(encode({ interval: 600, peers: compact4 }));
    expect(E.isRight(await announce(`${t.base}/announce`, req)())).toBe(true);
  });

  it('stops when the caller aborts', async () => {
    t.reply(() => undefined);
    const ctrl = new AbortController();
    const p = httpAnnounce(`${t.base}/announce`, req, { signal: ctrl.signal, timeoutMs: 10_000 })();
    ctrl.abort();
    expect(left(await p)).toMatchObject({ _tag: 'network', message: expect.stringContaining('cancelled') });
  });
});
