import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../../src/bencode/index.js';
import {
  addressScope, announce, checkTrackerAddress, httpAnnounce, type AnnounceRequest, type TrackerError,
} from '../../../src/tracker/client/index.js';
import { startScriptedHttpTracker, type ScriptedHttpTracker } from './scriptedHttpTracker.js';
import { startScriptedUdpTracker, type ScriptedUdpTracker } from './scriptedUdpTracker.js';

const req: AnnounceRequest = {
  infoHash: new Uint8Array(20).fill(1), peerId: new Uint8Array(20).fill(2), port: 6881, uploaded: 0, downloaded: 0, left: 0, event: 'started', compact: true,
};
const okBody = encode({ interval: 900, peers: Uint8Array.from([127, 0, 0, 9, 0x1a, 0xe1]) });

const left = (r: E.Either<TrackerError, unknown>): TrackerError => {
  if (E.isRight(r)) throw new Error('expected an error');
  return r.left;
};

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function http(host = '127.0.0.1'): Promise<ScriptedHttpTracker> {
  const t = await startScriptedHttpTracker(host);
  servers.push(t);
  t.reply((_q, res) => res.end(okBody));
  return t;
}
async function udp(): Promise<ScriptedUdpTracker> {
  const t = await startScriptedUdpTracker();
  servers.push(t);
  return t;
}

describe('tracker URL policy (SSRF guard)', () => {
  it('classifies addresses: loopback, private ranges, public', () => {
    for (const ip of ['127.0.0.1', '127.0.0.51', '::1']) expect(addressScope(ip)).toBe('loopback');
    for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1', '100.64.0.1', '0.0.0.0', '::', 'fc00::1', 'fd12::1', 'fe80::1', '::ffff:192.168.0.1', 'not-an-ip']) {
      expect(addressScope(ip), ip).toBe('private');
    }
    for (const ip of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:db8::1', '::ffff:8.8.8.8']) expect(addressScope(ip), ip).toBe('public');
  });

  it('a local tracker needs a path ending in /announce and no query; public ones are not judged; local-to-local redirects pass', () => {
    expect(checkTrackerAddress('http://127.0.0.1:1/announce', '127.0.0.1', undefined)).toBeUndefined();
    expect(checkTrackerAddress('http://x/tracker/announce', '10.0.0.1', undefined)).toBeUndefined();
    expect(checkTrackerAddress('http://127.0.0.51:1/admin/delete-all?x=1', '127.0.0.51', undefined)).toMatch(/path ending in \/announce/);
    expect(checkTrackerAddress('http://127.0.0.1:1/announce?x=1', '127.0.0.1', undefined)).toMatch(/query of its own/);
    expect(checkTrackerAddress('http://127.0.0.1:1/announce?', '127.0.0.1', undefined)).toMatch(/query of its own/);
    expect(checkTrackerAddress('http://t.example/admin?x=1', '8.8.8.8', undefined)).toBeUndefined();
    expect(checkTrackerAddress('http://127.0.0.1/admin', '127.0.0.1', 'public')).toMatch(/redirect from a public address to loopback/);
    expect(checkTrackerAddress('http://127.0.0.1/other?x', '127.0.0.1', 'loopback')).toBeUndefined();
  });

  it('refuses http://127.0.0.51:PORT/admin/delete-all?x=1 without sending anything, and says why', async () => {
    const t = await http('127.0.0.51');
    const e = left(await announce(`${t.base}/admin/delete-all?x=1`, req)());
    expect(e).toMatchObject({ _tag: 'refused-by-policy' });
    expect(e.message).toBe(`tracker ${t.base}/admin/delete-all not contacted: tracker on loopback address 127.0.0.51 must have a path ending in /announce (got /admin/delete-all)`);
    expect(left(await announce(`${t.base}/announce?x=1`, req)())).toMatchObject({ _tag: 'refused-by-policy', reason: expect.stringContaining('query') });
    expect(t.requests).toEqual([]);
    // the form every local test uses still works
    expect(E.isRight(await announce(`${t.base}/announce`, req)())).toBe(true);
    expect(t.requests).toHaveLength(1);
  });

  it('judges the resolved address, not the name: a host name resolving to loopback is local', async () => {
    const t = await http();
    const lookup = async (): Promise<{ address: string; family: number }> => ({ address: '127.0.0.1', family: 4 });
    const port = new URL(t.base).port;
    const e = left(await announce(`http://tracker.invalid:${port}/admin`, req, { http: { lookup } })());
    expect(e).toMatchObject({ _tag: 'refused-by-policy', reason: expect.stringContaining('loopback address 127.0.0.1') });
    expect(t.requests).toEqual([]);
    // and the connection goes to the checked address
    expect(E.isRight(await announce(`http://tracker.invalid:${port}/announce`, req, { http: { lookup } })())).toBe(true);
  });

  it('refuses a redirect from a public tracker to a local address', async () => {
    // 127.0.0.2 plays the public tracker (tests may only use 127.0.0.0/8)
    const addressScopeForTest = (ip: string) => (ip === '127.0.0.2' ? 'public' as const : addressScope(ip));
    const inside = await http('127.0.0.3');
    const outside = await http('127.0.0.2');
    outside.reply((_q, res) => {
      res.writeHead(302, { location: `${inside.base}/announce` });
      res.end();
    });
    const e = left(await announce(`${outside.base}/announce`, req, { http: { addressScope: addressScopeForTest } })());
    expect(e).toMatchObject({ _tag: 'refused-by-policy', reason: 'redirect from a public address to loopback address 127.0.0.3 refused' });
    expect(outside.requests).toHaveLength(1);
    expect(inside.requests).toEqual([]);
    // a local tracker redirecting within the local network is followed
    const first = await http('127.0.0.4');
    first.reply((_q, res) => {
      res.writeHead(302, { location: `${inside.base}/announce` });
      res.end();
    });
    expect(E.isRight(await announce(`${first.base}/announce`, req)())).toBe(true);
    expect(inside.requests).toHaveLength(1);
  });

  it('refuses schemes other than http, https and udp', async () => {
    for (const url of ['ftp://127.0.0.1/announce', 'file:///etc/passwd', 'gopher://127.0.0.1:70/announce', 'ws://127.0.0.1/announce']) {
      expect(left(await announce(url, req)())).toMatchObject({ _tag: 'unsupported-scheme', message: expect.stringContaining('use http, https or udp') });
    }
  });

  it('applies to UDP trackers too: no packet to a local udp:// URL without /announce', async () => {
    const t = await udp();
    const e = left(await announce(`udp://127.0.0.1:${t.port}`, req)());
    expect(e).toMatchObject({ _tag: 'refused-by-policy', reason: expect.stringContaining('/announce') });
    expect(left(await announce(`udp://127.0.0.1:${t.port}/announce?x=1`, req)())._tag).toBe('refused-by-policy');
    expect(t.received).toHaveLength(0);
  });

  it('caps a reply at 1 MiB by default, while it streams (no content-length)', async () => {
    const t = await http();
    let sent = 0;
    t.reply((_q, res) => {
      res.writeHead(200);
      const chunk = new Uint8Array(64 * 1024);
      const more = (): void => {
        // keep streaming well past the cap; the client must hang up on its own
        while (sent < 8 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('close', () => (sent = Infinity));
      more();
    });
    expect(left(await announce(`${t.base}/announce`, req)())).toMatchObject({ _tag: 'too-large', limit: 1024 * 1024 });
  });

  it('direct transport calls (trusted URLs) are not judged unless asked', async () => {
    const t = await http();
    expect(E.isRight(await httpAnnounce(`${t.base}/a?passkey=1`, req)())).toBe(true);
    expect(left(await httpAnnounce(`${t.base}/a?passkey=1`, req, { urlPolicy: true })())._tag).toBe('refused-by-policy');
  });
});
