/**
 * A session restart reuses the DHT state its node saved on close (BEP 5 node id and good
 * nodes): same id, and no bootstrap contact while the saved nodes answer. The "network" is two
 * statorrent DHT nodes on their own 127.0.0.x; the bootstrap address of the second start is a
 * socket that counts what reaches it.
 */
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, expect, it } from 'vitest';
import { DhtNode } from '../../src/session/dhtNode.js';
import { Session, type SessionOptions } from '../../src/session/session.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node(host: string, bootstrap: { ip: string; port: number }[] = []): Promise<DhtNode> {
  const r = await DhtNode.start({ host, port: 0, stateDir: null, bootstrap, queryTimeoutMs: 500 });
  if (E.isLeft(r)) throw new Error(r.left);
  cleanups.push(() => r.right.stop());
  return r.right;
}
async function session(options: SessionOptions): Promise<Session> {
  const s = await Session.start(options);
  if (E.isLeft(s)) throw new Error(s.left);
  return s.right;
}

it('a restarted session rejoins the DHT from its saved table, with the same node id', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'st-dht-restart-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const a = await node('127.0.0.141');
  const b = await node('127.0.0.142', [a.address]);
  await b.whenJoined();

  const first = await session({ port: 0, host: '127.0.0.143', dht: { port: 0, stateDir: dir, bootstrap: [a.address, b.address], queryTimeoutMs: 500 } });
  const dht1 = first.dht!;
  await dht1.whenJoined();
  await firstValueFrom(dht1.tableSize$().pipe(filter((n) => n >= 2)));
  const id = dht1.id;
  await first.close(); // saves the state file

  const router = createSocket('udp4');
  await new Promise<void>((r) => router.bind(0, '127.0.0.149', () => r()));
  cleanups.push(() => void router.close());
  let routerHits = 0;
  router.on('message', () => routerHits++);
  const again = await session({ port: 0, host: '127.0.0.143', dht: { port: 0, stateDir: dir, bootstrap: [{ ip: '127.0.0.149', port: router.address().port }], queryTimeoutMs: 500 } });
  cleanups.push(() => again.close());
  expect(again.dht!.id).toEqual(id);
  await again.dht!.whenJoined();
  const good = again.dht!.buckets().flatMap((bk) => bk.nodes).filter((n) => n.status === 'good').map((n) => n.ip);
  expect(good.sort()).toEqual(['127.0.0.141', '127.0.0.142']);
  expect(routerHits).toBe(0);
});
