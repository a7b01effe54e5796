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
import { runStatorrent } from '../support/cliRunner.js';
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

  it('a mixed network of 5 statorrent and 6 libtorrent nodes: our lookups find the peer libtorrent announced; dht lookup shows the rounds', async () => {
    const root = await statorrentNode('127.0.0.21');
    const lts: LibtorrentDhtNode[] = [];
    for (let i = 31; i <= 36; i++) lts.push(await libtorrentNode(`127.0.0.${i}`, [root.address]));
    const sts = [root];
    for (let i = 22; i <= 25; i++) sts.push(await statorrentNode(`127.0.0.${i}`, { bootstrap: [{ ip: lts[i - 22]!.ip, port: lts[i - 22]!.port }] }));
    await Promise.all(sts.map((n) => n.whenJoined()));
    const ih = hash(2);
    const announcer = lts[2]!;
    await announcer.addTorrent(idKey(ih)); // libtorrent announces itself for a torrent with DHT on
    const want = `${announcer.ip}:${announcer.port}`;
    // libtorrent announces once its own lookup ends; look again (as a client would) until it has
    let found: string[] = [];
    for (let attempt = 0; attempt < 20 && !found.includes(want); attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
      found = (await lastValueFrom(sts[4]!.getPeers(ih).pipe(toArray()))).map((p) => `${p.ip}:${p.port}`);
    }
    expect(found).toContain(want);
    // every statorrent node finds it
    for (const n of sts.slice(0, 4)) {
      const peers = (await lastValueFrom(n.getPeers(ih).pipe(toArray()))).map((p) => `${p.ip}:${p.port}`);
      expect(peers).toContain(want);
    }
    // the command line shows the rounds
    const dir = await mkdtemp(join(tmpdir(), 'statorrent-dht-cli-'));
    dirs.push(dir);
    const r = await runStatorrent(['dht', 'lookup', idKey(ih), '--dht-bootstrap', `127.0.0.21:${root.address.port}`, '--dht-host', '127.0.0.26', '--dht-port', '0', '--data-dir', dir], { timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^round 1: asked \d+ nodes? \(/m);
    // a second round only when the joined table did not already hold the 8 nearest nodes
    // (node ids are random: with 11 nodes, one round is sometimes enough)
    if (!/^done: the 8 nearest nodes answered; 8 queries/m.test(r.stdout)) expect(r.stdout).toMatch(/^round 2: /m);
    expect(r.stdout).toContain(`peer ${want}`);
    expect(r.stdout).toMatch(/^done: (the 8 nearest nodes answered|no nearer node left to ask); \d+ queries, [1-9]\d* peers? found/m);
  }, 120_000);

  it('a restart reuses the saved node id and table: no bootstrap contact while saved nodes are alive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'statorrent-dht-state-'));
    dirs.push(dir);
    const l1 = await libtorrentNode('127.0.0.61', []);
    const l2 = await libtorrentNode('127.0.0.62', [{ ip: l1.ip, port: l1.port }]);
    const first = await statorrentNode('127.0.0.60', { stateDir: dir, bootstrap: [{ ip: l1.ip, port: l1.port }, { ip: l2.ip, port: l2.port }] });
    await first.whenJoined();
    await firstValueFrom(first.tableSize$().pipe(filter((n) => n >= 2)));
    const id = first.id;
    await first.stop();
    ours.splice(ours.indexOf(first), 1);
    // the bootstrap address this time is a socket that records anything sent to it
    const router = createSocket('udp4');
    await new Promise<void>((r) => router.bind(0, '127.0.0.69', () => r()));
    let routerHits = 0;
    router.on('message', () => routerHits++);
    const again = await statorrentNode('127.0.0.60', { stateDir: dir, bootstrap: [{ ip: '127.0.0.69', port: router.address().port }] });
    expect(again.id).toEqual(id);
    await again.whenJoined();
    const good = again.buckets().flatMap((b) => b.nodes).filter((n) => n.status === 'good').map((n) => n.ip);
    expect(good.sort()).toEqual([l1.ip, l2.ip]);
    expect(routerHits).toBe(0);
    router.close();
  });
});
