import { request } from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import { NEVER } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectorSnapshot, InspectorSource } from '../../src/session/inspectorSource.js';
import { decideAccess, isLoopbackAddress, newInspectorToken } from '../../src/session/inspector/inspectorAccess.js';
import { startInspectorServer, type InspectorServer } from '../../src/session/inspector/inspectorServer.js';

/** A torrent with one peer, just enough to tell whether any of its data leaked into a reply. */
const SECRET_NAME = 'secret-torrent-name';
const snapshot: InspectorSnapshot = {
  infoHashHex: 'ab'.repeat(20),
  name: SECRET_NAME,
  at: 0,
  pieceCount: 1,
  verifiedPieces: 0,
  downloadRate: 0,
  uploadRate: 0,
  machines: [],
  peers: [],
  pieces: { states: '.', availability: [0] },
  trackers: [],
};
const source: InspectorSource = { infoHashHex: snapshot.infoHashHex, name: SECRET_NAME, snapshot: () => snapshot, steps$: NEVER };

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** One GET over a real socket; for the event stream, the first chunk is enough. */
const get = (port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (res.headers['content-type'] === 'text/event-stream') {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

describe('inspector access: loopback, token, read-only', () => {
  let server: InspectorServer;
  let token: string;

  beforeAll(async () => {
    const started = await startInspectorServer({ kind: 'live', title: SECRET_NAME, sources: () => [source] });
    if (E.isLeft(started)) throw new Error(started.left);
    server = started.right;
    token = new URL(server.url).pathname.split('/')[1]!;
  });
  afterAll(async () => server.close());

  it('listens on 127.0.0.1 and hands out a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/$/);
    expect(newInspectorToken()).not.toBe(newInspectorToken());
  });

  it('serves the page and the live feed with the token', async () => {
    const page = await get(server.port, `/${token}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('app/inspector.js');
    const events = await get(server.port, `/${token}/events`);
    expect(events.status).toBe(200);
    expect(events.body).toContain(SECRET_NAME);
    expect((await get(server.port, `/${token}/diagrams/peer.svg`)).status).toBe(200);
  });

  it('gives nothing without the right token', async () => {
    for (const path of ['/', '/events', '/app/inspector.js', '/diagrams/peer.svg', `/${token.slice(1)}/events`, `/${token}x/events`, `/x/${token}/events`, `/events?token=${token}`]) {
      const r = await get(server.port, path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).toBe('');
    }
  });

  it('is read-only and refuses foreign Host headers (DNS rebinding) and paths outside its files', async () => {
    const post = await get(server.port, `/${token}/events`, {}, 'POST');
    expect(post).toEqual({ status: 405, body: '' });
    const rebound = await get(server.port, `/${token}/events`, { Host: 'evil.example:80' });
    expect(rebound).toEqual({ status: 403, body: '' });
    for (const path of [`/${token}/diagrams/..%2Fpackage.json`, `/${token}/app/..%2F..%2Fpackage.json`, `/${token}/diagrams/../package.json`, `/${token}/timeline.json`]) {
      const r = await get(server.port, path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).toBe('');
    }
  });

  it('refuses requests from outside loopback, token or not (the check every request goes through)', () => {
    const asked = (remoteAddress: string | undefined, url = `/${token}/events`) => decideAccess({ remoteAddress, method: 'GET', url, host: '127.0.0.1:1234' }, token);
    expect(asked('127.0.0.1')).toMatchObject({ ok: true, path: '/events' });
    expect(asked('127.0.0.5')).toMatchObject({ ok: true });
    expect(asked('::1')).toMatchObject({ ok: true });
    expect(asked('::ffff:127.0.0.1')).toMatchObject({ ok: true });
    for (const remote of ['192.168.1.20', '10.0.0.1', '::ffff:192.168.1.20', 'fe80::1', '2001:db8::1', '0.0.0.0', undefined, 'not-an-ip']) {
      expect(asked(remote), String(remote)).toEqual({ ok: false, status: 403 });
      expect(isLoopbackAddress(remote)).toBe(false);
    }
  });
});
